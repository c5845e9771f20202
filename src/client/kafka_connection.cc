#include "client/kafka_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/endian.h"

namespace brook::client {
namespace {

constexpr int transport_error = -195; // librdkafka's RD_KAFKA_RESP_ERR__TRANSPORT
constexpr int timed_out = -185;       // RD_KAFKA_RESP_ERR__TIMED_OUT
constexpr int32_t max_response_bytes = 64 << 20;

using clock = std::chrono::steady_clock;

int ms_left(clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, ms_left(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return false;
    }
}

std::pair<std::string, std::string> split_host_port(const std::string& addr) {
    auto colon = addr.rfind(':');
    if (colon == std::string::npos) return {addr, "9092"};
    std::string host = addr.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host, addr.substr(colon + 1)};
}

// A connected non-blocking socket to `addr`, or -1 with `why` set.
int dial(const std::string& addr, clock::time_point deadline, std::string& why) {
    auto [host, port] = split_host_port(addr);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        why = addr + ": " + ::gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    for (auto* ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            int err = ETIMEDOUT;
            socklen_t len = sizeof err;
            if (wait_for(fd, POLLOUT, deadline)) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc != 0) {
            why = addr + ": " + std::strerror(errno);
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

bool send_all(int fd, const uint8_t* p, size_t n, clock::time_point deadline) {
    while (n > 0) {
        ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
        if (k > 0) {
            p += k;
            n -= static_cast<size_t>(k);
        }
        else if (k < 0 && errno == EINTR) continue;
        else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_for(fd, POLLOUT, deadline)) return false;
        }
        else return false;
    }
    return true;
}

// 1: read, 0: the peer closed, -1: error or timeout.
int recv_all(int fd, uint8_t* p, size_t n, clock::time_point deadline) {
    while (n > 0) {
        ssize_t k = ::recv(fd, p, n, 0);
        if (k > 0) {
            p += k;
            n -= static_cast<size_t>(k);
        }
        else if (k == 0) return 0;
        else if (errno == EINTR) continue;
        else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_for(fd, POLLIN, deadline)) return -1;
        }
        else return -1;
    }
    return 1;
}

} // namespace

outcome<kafka_connection> kafka_connection::connect(const std::string& brokers, int timeout_ms, std::string client_id) {
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string why = "no broker address given";
    size_t start = 0;
    while (start <= brokers.size()) {
        size_t comma = brokers.find(',', start);
        std::string addr = brokers.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? brokers.size() + 1 : comma + 1;
        while (!addr.empty() && addr.front() == ' ') addr.erase(addr.begin());
        while (!addr.empty() && addr.back() == ' ') addr.pop_back();
        if (addr.empty()) continue;
        int fd = dial(addr, deadline, why);
        if (fd < 0) continue;
        kafka_connection c(fd, addr, client_id);
        if (auto v = c.api_versions(ms_left(deadline)); !v) {
            why = addr + ": " + v.err().message;
            continue;
        }
        return c;
    }
    error e{transport_error, why};
    e.unreachable = true;
    return e;
}

kafka_connection::kafka_connection(kafka_connection&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      address_(std::move(o.address_)),
      client_id_(std::move(o.client_id_)),
      next_correlation_(o.next_correlation_),
      versions_(std::move(o.versions_)) {}

kafka_connection& kafka_connection::operator=(kafka_connection&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(o.fd_, -1);
        address_ = std::move(o.address_);
        client_id_ = std::move(o.client_id_);
        next_correlation_ = o.next_correlation_;
        versions_ = std::move(o.versions_);
    }
    return *this;
}

kafka_connection::~kafka_connection() {
    if (fd_ >= 0) ::close(fd_);
}

std::optional<int16_t> kafka_connection::common_version(int16_t api_key, int16_t our_min, int16_t our_max) const {
    auto it = versions_.find(api_key);
    if (it == versions_.end()) return std::nullopt;
    const int16_t lo = std::max(our_min, it->second.first), hi = std::min(our_max, it->second.second);
    if (lo > hi) return std::nullopt;
    return hi;
}

status kafka_connection::api_versions(int timeout_ms) {
    // v0: every broker answers it, whatever it serves (KIP-511 brokers answer unknown versions in v0 too).
    protocol::ApiVersionsRequest req;
    auto resp = call(req, 0, timeout_ms);
    if (!resp) return resp.err();
    if (resp->ErrorCode != 0) return error{resp->ErrorCode, "ApiVersions refused"};
    for (const auto& k : resp->ApiKeys) versions_[k.ApiKey] = {k.MinVersion, k.MaxVersion};
    return ok{};
}

outcome<std::pair<std::vector<uint8_t>, size_t>> kafka_connection::exchange(int16_t key, int16_t version,
                                                                            const std::vector<uint8_t>& body,
                                                                            int timeout_ms) {
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    if (fd_ < 0) return error{transport_error, "the connection to " + address_ + " is closed"};
    std::vector<uint8_t> frame(4);
    protocol::writer w(frame);
    protocol::request_header h;
    h.RequestApiKey = key;
    h.RequestApiVersion = version;
    h.CorrelationId = next_correlation_++;
    h.ClientId = client_id_;
    protocol::encode_request_header(w, h);
    w.raw(body);
    store_be<int32_t>(frame.data(), static_cast<int32_t>(frame.size() - 4));
    auto broken = [&](const std::string& what, int code = transport_error) {
        ::close(fd_);
        fd_ = -1;
        return error{code, what + " (broker " + address_ + ")"};
    };
    if (!send_all(fd_, frame.data(), frame.size(), deadline)) return broken("sending the request failed");
    uint8_t size_buf[4];
    int rc = recv_all(fd_, size_buf, 4, deadline);
    if (rc == 0) return broken("the broker closed the connection (does it serve this request version?)");
    if (rc < 0)
        return clock::now() >= deadline ? broken("no response within " + std::to_string(timeout_ms) + " ms", timed_out)
                                         : broken("reading the response failed");
    const int32_t size = load_be<int32_t>(size_buf);
    if (size < 4 || size > max_response_bytes) return broken("response size " + std::to_string(size) + " is not sane");
    std::vector<uint8_t> resp(static_cast<size_t>(size));
    if (recv_all(fd_, resp.data(), resp.size(), deadline) != 1) return broken("the response ended early");
    protocol::reader r(resp);
    if (r.i32() != h.CorrelationId) return broken("the response's correlation id does not match the request's");
    if (protocol::response_header_version(key, version) >= 1) {
        protocol::tagged_fields tags;
        if (!r.tags(tags)) return broken("malformed response header");
    }
    const size_t header = r.position();
    return std::pair{std::move(resp), header};
}

} // namespace brook::client
