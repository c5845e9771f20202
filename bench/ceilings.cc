// Physical ceilings: what the machine can move without any Kafka in the way, so broker figures
// can be read as a fraction of the hardware rather than in isolation.
#include "workloads.h"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace brook::bench {
namespace {

using clock_type = std::chrono::steady_clock;

// RAII for a file descriptor.
struct fd_guard {
  int fd = -1;
  explicit fd_guard(int f) : fd(f) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd >= 0) close(fd);
  }
};

run_result ceiling_row(const bench_context& ctx, std::string name, std::string note) {
  run_result r;
  r.workload = std::move(name);
  r.target = "ceiling";
  r.note = std::move(note);
  return r;
}

// A listening loopback socket on an ephemeral port; fills `a` with its address.
int listen_loopback(sockaddr_in& a, int backlog) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

int connect_nodelay(const sockaddr_in& a) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool read_full(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t got = read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// The relay process: copies whatever the first accepted connection sends to the second one,
// until EOF. Only async-signal-safe calls: it runs in a child forked from a threaded process.
[[noreturn]] void relay_child(int listen_fd) {
  int in = accept(listen_fd, nullptr, nullptr);
  int out = accept(listen_fd, nullptr, nullptr);
  int one = 1;
  setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[64 * 1024];
  while (in >= 0 && out >= 0) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, static_cast<size_t>(n - off));
      if (w <= 0) _exit(1);
      off += w;
    }
  }
  _exit(0);
}

}  // namespace

std::vector<run_result> relay_ceiling(const bench_context& ctx) {
  // L1's schedule through the least a broker can do: a separate process that forwards each
  // 100-byte message from one loopback connection to another. Its percentiles are this host's
  // floor for L1 (thread wake-ups and two socket hops, no Kafka client, no disk).
  const l1_schedule sched = l1_schedule_for(ctx);
  const size_t msg_size = sched.record_size;
  const double rate = sched.rate;
  const uint64_t n = sched.records;
  const uint64_t warmup = sched.warmup;
  run_result r = ceiling_row(ctx, "RELAY", "L1's schedule (20k msg/s, 100 B) through a forwarding process; no client, no disk");

  sockaddr_in a{};
  fd_guard lst(listen_loopback(a, 2));
  if (lst.fd < 0) {
    r.ok = false;
    r.error = std::string("listen: ") + std::strerror(errno);
    return {r};
  }
  pid_t child = fork();
  if (child < 0) {
    r.ok = false;
    r.error = std::string("fork: ") + std::strerror(errno);
    return {r};
  }
  if (child == 0) relay_child(lst.fd);
  // Connect in the order the relay accepts: sender first, then receiver.
  fd_guard out(connect_nodelay(a));
  fd_guard in(connect_nodelay(a));
  close(lst.fd);  // the relay holds its own copy; if it died, the queued connections now reset
  lst.fd = -1;

  latency_histogram e2e;
  uint64_t received = 0;
  std::thread receiver([&] {
    std::vector<char> buf(msg_size);
    char* m = buf.data();
    while (received < n && read_full(in.fd, m, msg_size)) {
      int64_t intended = 0;
      uint64_t seq = 0;
      std::memcpy(&intended, m, 8);
      std::memcpy(&seq, m + 8, 8);
      if (seq >= warmup) e2e.record(now_ns() - intended);
      ++received;
    }
  });

  prctl(PR_SET_TIMERSLACK, 1000UL);  // as in L1
  resource_probe probe(ctx);
  std::vector<char> out_buf(msg_size);
  char* m = out_buf.data();
  const int64_t period = static_cast<int64_t>(1e9 / rate);
  const int64_t t0 = now_ns() + 1'000'000;
  bool sent_all = out.fd >= 0 && in.fd >= 0;
  for (uint64_t i = 0; sent_all && i < n; ++i) {
    int64_t intended = t0 + static_cast<int64_t>(i) * period;
    int64_t now = now_ns();
    if (intended > now) std::this_thread::sleep_for(std::chrono::nanoseconds(intended - now));
    std::memcpy(m, &intended, 8);
    std::memcpy(m + 8, &i, 8);
    sent_all = write(out.fd, m, msg_size) == static_cast<ssize_t>(msg_size);
  }
  if (out.fd >= 0) shutdown(out.fd, SHUT_WR);  // relay sees EOF, exits, receiver sees EOF
  receiver.join();
  int64_t t1 = now_ns();
  waitpid(child, nullptr, 0);
  r.seconds = (t1 - t0) / 1e9;
  r.records = received;
  r.bytes = received * msg_size;
  r.set_latency(e2e);
  probe.finish(r);
  if (received < n) {
    r.ok = false;
    r.error = fmt::format("relayed {} of {} messages", received, n);
  }
  return {r};
}

std::vector<run_result> loopback_ceiling(const bench_context& ctx) {
  const uint64_t total = ctx.quick ? (1ull << 30) : (4ull << 30);  // "1+ GB" even in quick mode
  const size_t chunk = 1 << 20;
  run_result r = ceiling_row(ctx, "TCP", fmt::format("loopback, 1 MiB writes, {} GiB", total >> 30));

  sockaddr_in a{};
  fd_guard lst(listen_loopback(a, 1));
  if (lst.fd < 0) {
    r.ok = false;
    r.error = std::string("listen: ") + std::strerror(errno);
    return {r};
  }
  uint64_t received = 0;
  std::thread receiver([&] {
    fd_guard c(accept(lst.fd, nullptr, nullptr));
    std::vector<char> buf(chunk);
    while (true) {
      ssize_t n = read(c.fd, buf.data(), buf.size());
      if (n <= 0) break;
      received += static_cast<uint64_t>(n);
    }
  });
  resource_probe probe(ctx);
  auto t0 = clock_type::now();
  {
    fd_guard s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      std::vector<char> buf(chunk, 'x');
      uint64_t sent = 0;
      while (sent < total) {
        ssize_t n = write(s.fd, buf.data(), buf.size());
        if (n <= 0) break;
        sent += static_cast<uint64_t>(n);
      }
    }
  }  // close: the receiver sees EOF
  receiver.join();
  auto t1 = clock_type::now();
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  r.bytes = received;
  r.records = received / chunk;
  probe.finish(r);
  if (received < total) {
    r.ok = false;
    r.error = fmt::format("moved {} of {} bytes", received, total);
  }
  return {r};
}

namespace {

run_result disk_run(const bench_context& ctx, uint64_t total, int sync_every) {
  const size_t block = 64 * 1024;
  // sync_every 0: page cache only, never synced — the ceiling for acks=1 appends.
  run_result r = sync_every == 0
                     ? ceiling_row(ctx, "PAGECACHE", fmt::format("pwrite 64 KiB into a new file, no fdatasync, {} MiB in {}",
                                                                 total >> 20, ctx.data_dir))
                     : ceiling_row(ctx, fmt::format("DISK/sync{}", sync_every),
                                   fmt::format("pwrite 64 KiB, fdatasync every {} block(s), {} MiB in {}", sync_every,
                                               total >> 20, ctx.data_dir));
  std::string path = fmt::format("{}/brook-bench-disk-{}.tmp", ctx.data_dir, getpid());
  fd_guard f(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (f.fd < 0) {
    r.ok = false;
    r.error = fmt::format("open {}: {}", path, std::strerror(errno));
    return r;
  }
  std::vector<char> buf(block);
  for (size_t i = 0; i < block; ++i) buf[i] = static_cast<char>(i * 131 + 7);
  latency_histogram sync_hist;  // fdatasync duration: what a group commit waits for
  resource_probe probe(ctx);
  auto t0 = clock_type::now();
  uint64_t off = 0;
  int blocks = 0;
  while (off < total) {
    if (pwrite(f.fd, buf.data(), block, static_cast<off_t>(off)) != static_cast<ssize_t>(block)) {
      r.ok = false;
      r.error = std::string("pwrite: ") + std::strerror(errno);
      break;
    }
    off += block;
    if (sync_every > 0 && (++blocks % sync_every == 0 || off >= total)) {
      auto s0 = clock_type::now();
      if (fdatasync(f.fd) != 0) {
        r.ok = false;
        r.error = std::string("fdatasync: ") + std::strerror(errno);
        break;
      }
      sync_hist.record(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - s0).count());
    }
  }
  auto t1 = clock_type::now();
  unlink(path.c_str());
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  r.bytes = off;
  r.records = off / block;
  r.set_latency(sync_hist);  // latency columns = fdatasync call duration
  probe.finish(r);
  return r;
}

}  // namespace

std::vector<run_result> disk_ceiling(const bench_context& ctx) {
  // 8 MiB per sync is the device's streaming rate (P3's ceiling), 1 MiB approximates a busy
  // group commit, 64 KiB a light one. PAGECACHE is what a write costs before any sync: on a VM
  // whose balloon reports free pages to the host, every newly allocated page-cache page is
  // faulted in by the host again, and that (not the disk) bounds acks=1 appends.
  return {disk_run(ctx, ctx.quick ? (256ull << 20) : (1ull << 30), 0),
          disk_run(ctx, ctx.quick ? (256ull << 20) : (2ull << 30), 128),
          disk_run(ctx, ctx.quick ? (256ull << 20) : (1ull << 30), 16),
          disk_run(ctx, ctx.quick ? (64ull << 20) : (256ull << 20), 1)};
}

}  // namespace brook::bench
