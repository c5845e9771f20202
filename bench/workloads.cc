#include "workloads.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <sys/prctl.h>

namespace brook::bench {
namespace {

using clock_type = std::chrono::steady_clock;

// Incompressible payload shared by all messages of a run (librdkafka references it, no copy).
std::vector<char> make_payload(size_t size) {
  std::vector<char> p(size);
  std::mt19937 rng(42);
  for (auto& c : p) c = static_cast<char>(rng());
  return p;
}

// ---------------------------------------------------------------------------------------------
// Producer throughput: send N records as fast as librdkafka accepts them, latency = time from
// produce() to the delivery report.

struct producer_state {
  latency_histogram hist;
  uint64_t delivered = 0;
  uint64_t errors = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<producer_state*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (st->errors++ == 0) st->first_error = rd_kafka_err2str(m->err);
    return;
  }
  ++st->delivered;
  st->hist.record(now_ns() - static_cast<int64_t>(reinterpret_cast<intptr_t>(m->_private)));
}

struct producer_spec {
  std::string workload;
  std::string topic;
  int partitions = 1;
  size_t record_size = 100;
  uint64_t records = 0;
  config_list conf;
  std::string note;
};

run_result run_producer(const bench_context& ctx, const producer_spec& spec) {
  if (auto e = ensure_topic(ctx.bootstrap, spec.topic, spec.partitions, ctx.create_topics); !e.empty()) {
    return failed(spec.workload, ctx, e);
  }
  producer_state st;
  std::string err;
  kafka_handle rk = make_producer(ctx.bootstrap, spec.conf, on_delivery, &st, &err);
  if (!rk) return failed(spec.workload, ctx, err);
  topic_handle rkt(rd_kafka_topic_new(rk.get(), spec.topic.c_str(), nullptr));
  auto payload = make_payload(spec.record_size);

  // Connect and fetch metadata before the clock starts.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk.get(), 0, rkt.get(), &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
  }

  resource_probe probe(ctx);
  auto t0 = clock_type::now();
  for (uint64_t i = 0; i < spec.records; ++i) {
    // Round-robin over partitions: every partition gets an equal share, as with keyed traffic.
    auto partition = static_cast<int32_t>(i % static_cast<uint64_t>(spec.partitions));
    while (rd_kafka_produce(rkt.get(), partition, 0, payload.data(), payload.size(), nullptr, 0,
                            reinterpret_cast<void*>(static_cast<intptr_t>(now_ns()))) != 0) {
      auto e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return failed(spec.workload, ctx, rd_kafka_err2str(e));
      rd_kafka_poll(rk.get(), 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk.get(), 0);
  }
  rd_kafka_resp_err_t ferr = rd_kafka_flush(rk.get(), 120000);
  auto t1 = clock_type::now();

  run_result r;
  r.workload = spec.workload;
  r.target = ctx.target;
  r.note = spec.note;
  r.records = st.delivered;
  r.bytes = st.delivered * spec.record_size;
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  r.errors = st.errors + (spec.records - st.delivered - st.errors);
  r.set_latency(st.hist);
  probe.finish(r);
  if (ferr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    r.ok = false;
    r.error = fmt::format("flush: {}", rd_kafka_err2str(ferr));
  } else if (st.errors > 0) {
    r.ok = false;
    r.error = fmt::format("{} delivery errors, first: {}", st.errors, st.first_error);
  }
  return r;
}

std::vector<run_result> p1(const bench_context& ctx) {
  return {run_producer(ctx, {.workload = "P1", .topic = ctx.topic("P1"), .partitions = 1, .record_size = 100,
                             .records = ctx.count(10'000'000, 500'000),
                             .conf = {{"acks", "1"}, {"linger.ms", "5"}},
                             .note = "1 part, 100 B, acks=1, linger 5"})};
}

std::vector<run_result> p2(const bench_context& ctx) {
  return {run_producer(ctx, {.workload = "P2", .topic = ctx.topic("P2"), .partitions = 1, .record_size = 100,
                             .records = ctx.count(10'000'000, 500'000),
                             .conf = {{"acks", "all"}, {"linger.ms", "5"}, {"enable.idempotence", "true"}},
                             .note = "P1 + idempotent, acks=all"})};
}

std::vector<run_result> p3(const bench_context& ctx) {
  return {run_producer(ctx, {.workload = "P3", .topic = ctx.topic("P3"), .partitions = 16, .record_size = 1024,
                             .records = ctx.count(3'000'000, 200'000),
                             .conf = {{"acks", "all"}, {"linger.ms", "5"}, {"enable.idempotence", "true"}},
                             .note = "16 parts, 1 KB, acks=all, idempotent"})};
}

// ---------------------------------------------------------------------------------------------
// C1: catch-up read. Load N records (fast producer settings), then read them from offset 0 with
// an assign()ed consumer and check the offsets arrive contiguous.

std::vector<run_result> c1_case(const bench_context& ctx, const std::string& name, const std::string& topic,
                                uint64_t n, size_t size) {
  // Load with throughput-friendly settings; this row is reported too (it is a produce figure).
  auto load = run_producer(ctx, {.workload = name + "-load", .topic = topic, .partitions = 1, .record_size = size,
                                 .records = n,
                                 .conf = {{"acks", "1"}, {"linger.ms", "20"}, {"batch.size", "1000000"},
                                          {"batch.num.messages", "100000"}},
                                 .note = "load: acks=1, linger 20, 1 MB batches"});
  if (!load.ok) return {load};
  return {load, consume_all(ctx, name, topic, n, size)};
}

std::vector<run_result> c1(const bench_context& ctx) {
  auto a = c1_case(ctx, "C1/1KB", ctx.topic("C1-1KB"), ctx.count(2'000'000, 200'000), 1024);
  auto b = c1_case(ctx, "C1/100B", ctx.topic("C1-100B"), ctx.count(10'000'000, 1'000'000), 100);
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---------------------------------------------------------------------------------------------
// L1: end-to-end latency at a fixed rate, free of coordinated omission: send i is scheduled at
// t0 + i/rate, carries that intended time in its payload, and latency is measured from it — a
// stall delays every later send and so shows up in the figures instead of hiding.

std::vector<run_result> l1(const bench_context& ctx) {
  const std::string name = "L1";
  const std::string topic = ctx.topic("L1");
  const l1_schedule sched = l1_schedule_for(ctx);
  const double rate = sched.rate;
  const uint64_t n = sched.records;
  const uint64_t warmup = sched.warmup;
  const size_t record_size = sched.record_size;
  if (auto e = ensure_topic(ctx.bootstrap, topic, 1, ctx.create_topics); !e.empty()) return {failed(name, ctx, e)};

  std::string err;
  producer_state pst;
  // TCP_NODELAY on the client as the Java client does by default; with Nagle on, small
  // requests wait for the previous one's ACK and the figure measures the kernel, not the broker.
  kafka_handle prod = make_producer(ctx.bootstrap, {{"acks", "all"}, {"linger.ms", "0"}, {"socket.nagle.disable", "true"}},
                                    on_delivery, &pst, &err);
  if (!prod) return {failed(name, ctx, err)};
  kafka_handle cons = make_consumer(ctx.bootstrap, {{"fetch.wait.max.ms", "100"}, {"fetch.error.backoff.ms", "10"},
                                                    {"socket.nagle.disable", "true"}},
                                    &err);
  if (!cons) return {failed(name, ctx, err)};
  int64_t start_offset = high_watermark(prod.get(), topic, 0);
  if (start_offset < 0) return {failed(name, ctx, "cannot read the high watermark")};
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = start_offset;
  auto aerr = rd_kafka_assign(cons.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) return {failed(name, ctx, rd_kafka_err2str(aerr))};
  topic_handle rkt(rd_kafka_topic_new(prod.get(), topic.c_str(), nullptr));
  // Without a consumer group handle there is no consumer queue (NULL): fail instead of crashing.
  if (queue_handle probe_q(rd_kafka_queue_get_consumer(cons.get())); !probe_q) {
    return {failed(name, ctx, "consumer has no queue (group.id missing?)")};
  }

  latency_histogram e2e;
  std::atomic<uint64_t> received{0};
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    queue_handle q(rd_kafka_queue_get_consumer(cons.get()));
    std::vector<rd_kafka_message_t*> msgs(1024);
    while (!stop.load(std::memory_order_relaxed) && received.load(std::memory_order_relaxed) < n) {
      // consume_batch_queue blocks until the batch is full or the timeout passes, which would
      // add up to its timeout to every latency: take one message as soon as it is there, then
      // drain what else is queued without waiting.
      ssize_t got = 0;
      if (rd_kafka_message_t* first = rd_kafka_consume_queue(q.get(), 50)) {
        msgs[0] = first;
        got = 1 + std::max<ssize_t>(0, rd_kafka_consume_batch_queue(q.get(), 0, msgs.data() + 1, msgs.size() - 1));
      }
      int64_t now = now_ns();
      for (ssize_t i = 0; i < got; ++i) {
        rd_kafka_message_t* m = msgs[i];
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->len == record_size) {
          int64_t intended = 0;
          uint64_t seq = 0;
          std::memcpy(&intended, m->payload, 8);
          std::memcpy(&seq, static_cast<const char*>(m->payload) + 8, 8);
          if (seq >= warmup) e2e.record(now - intended);
          received.fetch_add(1, std::memory_order_relaxed);
        }
        rd_kafka_message_destroy(m);
      }
    }
  });

  // Let the consumer's first fetch reach the broker before the schedule starts.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  prctl(PR_SET_TIMERSLACK, 1000UL);  // 1 µs: sleep_until should not add 50 µs of lateness
  resource_probe probe(ctx);
  std::vector<char> payload(record_size, 'x');
  const int64_t period = static_cast<int64_t>(1e9 / rate);
  const int64_t t0 = now_ns() + 1'000'000;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t intended = t0 + static_cast<int64_t>(i) * period;
    int64_t now = now_ns();
    if (intended > now) std::this_thread::sleep_for(std::chrono::nanoseconds(intended - now));
    std::memcpy(payload.data(), &intended, 8);
    std::memcpy(payload.data() + 8, &i, 8);
    // Delivery latency is measured from the intended time too (the opaque carries it).
    while (rd_kafka_produce(rkt.get(), 0, RD_KAFKA_MSG_F_COPY, payload.data(), payload.size(), nullptr, 0,
                            reinterpret_cast<void*>(static_cast<intptr_t>(intended))) != 0) {
      rd_kafka_poll(prod.get(), 1);
    }
    rd_kafka_poll(prod.get(), 0);
  }
  rd_kafka_flush(prod.get(), 30000);
  auto deadline = clock_type::now() + std::chrono::seconds(15);
  while (received.load() < n && clock_type::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  consumer.join();
  int64_t t1 = now_ns();

  run_result r;
  r.workload = name;
  r.target = ctx.target;
  r.records = received.load();
  r.bytes = r.records * record_size;
  r.seconds = (t1 - t0) / 1e9;
  r.errors = pst.errors + (n - r.records);
  r.set_latency(e2e);
  r.note = fmt::format("20k rec/s, acks=all, linger 0; ack p99 {:.2f} ms", pst.hist.percentile(0.99) / 1e6);
  probe.finish(r);
  if (r.records < n || pst.errors > 0) {
    r.ok = false;
    r.error = fmt::format("received {} of {}, {} delivery errors {}", r.records, n, pst.errors, pst.first_error);
  }
  return {r};
}

std::vector<run_result> ceilings(const bench_context& ctx) {
  auto rows = loopback_ceiling(ctx);
  for (auto* more : {relay_ceiling, disk_ceiling}) {
    auto b = more(ctx);
    rows.insert(rows.end(), b.begin(), b.end());
  }
  return rows;
}

const std::vector<workload>& table() {
  static const std::vector<workload> t = {
      {"P1", "producer: 1 partition, 100 B, acks=1, linger.ms=5", 1, {"P1"}, p1},
      {"P2", "producer: P1 + enable.idempotence, acks=all", 1, {"P2"}, p2},
      {"P3", "producer: 16 partitions, 1 KB, acks=all, idempotent", 16, {"P3"}, p3},
      {"C1", "catch-up read from offset 0: 2M x 1 KB and 10M x 100 B (assign, no groups)", 1,
       {"C1-1KB", "C1-100B"}, c1},
      {"L1", "end-to-end latency at 20k rec/s, acks=all, linger 0, no coordinated omission", 1, {"L1"}, l1},
      {"TX", "transactions of 100 and 1,000 x 100 B vs idempotent produce; read_committed vs read_uncommitted fetch", 1,
       {"TX-idem", "TX-100", "TX-1000", "TX-abort"}, tx},
      {"RAW", "physical ceilings: loopback TCP, L1 relay, disk pwrite+fdatasync (no broker)", 0, {}, ceilings},
  };
  return t;
}

}  // namespace

run_result failed(std::string workload, const bench_context& ctx, std::string error) {
  run_result r;
  r.workload = std::move(workload);
  r.target = ctx.target;
  r.ok = false;
  r.error = std::move(error);
  return r;
}

// C1's reader (and TX's): read `expect` records of partition 0 from offset 0 with an assign()ed
// consumer; with `contiguous`, offsets must arrive without gaps.
run_result consume_all(const bench_context& ctx, const std::string& workload, const std::string& topic,
                       uint64_t expect, size_t record_size, const consume_options& opts) {
  std::string err;
  config_list conf = {{"fetch.wait.max.ms", "100"}, {"queued.max.messages.kbytes", "262144"},
                      {"fetch.max.bytes", "52428800"}, {"max.partition.fetch.bytes", "4194304"},
                      {"isolation.level", opts.isolation_level}};
  kafka_handle rk = make_consumer(ctx.bootstrap, conf, &err);
  if (!rk) return failed(workload, ctx, err);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  resource_probe probe(ctx);
  auto t0 = clock_type::now();
  auto aerr = rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) return failed(workload, ctx, rd_kafka_err2str(aerr));

  queue_handle q(rd_kafka_queue_get_consumer(rk.get()));
  if (!q) return failed(workload, ctx, "consumer has no queue (group.id missing?)");
  std::vector<rd_kafka_message_t*> msgs(4096);
  uint64_t got = 0, bytes = 0, gaps = 0;
  int64_t next_offset = 0;
  auto last_progress = clock_type::now();
  std::optional<clock_type::time_point> first;
  std::string error;
  while (got < expect) {
    ssize_t n = rd_kafka_consume_batch_queue(q.get(), 200, msgs.data(), msgs.size());
    if (n <= 0) {
      if (clock_type::now() - last_progress > std::chrono::seconds(30)) {
        error = fmt::format("stalled at {} of {} records", got, expect);
        break;
      }
      continue;
    }
    last_progress = clock_type::now();
    if (!first) first = last_progress;
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[i];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (opts.contiguous && m->offset != next_offset) ++gaps;
        next_offset = m->offset + 1;
        ++got;
        bytes += m->len;
      } else if (error.empty() && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        error = rd_kafka_message_errstr(m);
      }
      rd_kafka_message_destroy(m);
    }
  }
  auto t1 = clock_type::now();
  run_result r;
  r.workload = workload;
  r.target = ctx.target;
  // The rate is timed from the first record: connecting and the first fetch round trip are a
  // fixed cost that would otherwise dominate small (--quick) runs; it is shown in the note.
  auto from = first.value_or(t0);
  r.note = opts.note.empty() ? fmt::format("catch-up read, {} B records", record_size) : opts.note;
  r.note += fmt::format("; first record after {:.0f} ms", std::chrono::duration<double, std::milli>(from - t0).count());
  r.records = got;
  r.bytes = bytes;
  r.seconds = std::chrono::duration<double>(t1 - from).count();
  r.errors = gaps;
  probe.finish(r);
  if (!error.empty()) {
    r.ok = false;
    r.error = error;
  } else if (gaps > 0 || bytes != got * record_size) {
    r.ok = false;
    r.error = fmt::format("{} offset gaps, {} bytes for {} records", gaps, bytes, got);
  }
  rd_kafka_assign(rk.get(), nullptr);
  return r;
}

uint64_t bench_context::count(uint64_t full, uint64_t quick_n) const {
  if (records) return *records;
  double n = static_cast<double>(quick ? quick_n : full) * scale;
  return std::max<uint64_t>(1, static_cast<uint64_t>(n));
}

std::string bench_context::topic(std::string_view name) const { return fmt::format("{}-{}", topic_prefix, name); }

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

l1_schedule l1_schedule_for(const bench_context& ctx) {
  l1_schedule s;
  s.records = ctx.count(600'000, 40'000);
  s.warmup = std::min<uint64_t>(s.records / 10, 20'000);
  return s;
}

resource_probe::resource_probe(const bench_context& ctx) : pid_(ctx.broker_pid), client_start_(self_cpu_seconds()) {
  if (pid_ > 0) {
    reset_peak_rss(pid_);
    start_ = sample_process(pid_);
  }
}

void resource_probe::finish(run_result& r) const {
  r.client_cpu_s = self_cpu_seconds() - client_start_;
  if (pid_ <= 0 || !start_) return;
  if (auto end = sample_process(pid_)) {
    r.broker_cpu_s = end->cpu_seconds - start_->cpu_seconds;
    r.broker_peak_rss_mb = static_cast<double>(end->peak_rss_kb) / 1024.0;
  }
}

std::span<const workload> registry() { return table(); }

const workload* find_workload(std::string_view name) {
  for (const auto& w : table()) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

std::vector<std::pair<std::string, int>> topics_for(const bench_context& ctx, std::span<const std::string> names) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& n : names) {
    if (const workload* w = find_workload(n)) {
      for (auto suffix : w->topics) out.emplace_back(ctx.topic(suffix), w->partitions);
    }
  }
  return out;
}

}  // namespace brook::bench
