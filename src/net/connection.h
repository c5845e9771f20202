#pragma once
// One client connection: Kafka framing (int32 big-endian size + body) and in-order
// pipelining. Knows frames, not APIs.
//
// The reader reads frames ahead (up to max_inflight) and starts a handler coroutine for
// each; handlers may finish in any order (a produce waiting for fsync, a long-poll fetch),
// but the writer sends responses strictly in request order, as Kafka requires; responses
// answered together go out in one gathered write. A handler
// may ask for no response (acks=0) or for the connection to be closed after the responses
// before it are written (malformed request). Runs entirely on its shard's thread.
//
// A response may carry file ranges (fetched batches left in their segment files): they are
// sent with sendfile(2) between the body pieces around them, never copied into user space.
// If a range cannot be sent whole (the file is shorter than promised, an I/O error), the
// frame is already partly out, so the connection is closed with one log line.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/buffer.h"
#include "base/file_range.h"
#include "net/memory_budget.h"

namespace brook::net {

namespace asio = boost::asio;

struct frame_result {
    enum class action { respond, no_response, close };
    action what = action::respond;
    std::vector<uint8_t> body; // response without the size prefix (and without the splices)
    std::string reason;        // for close: one line for the log
    // File ranges whose bytes belong inside the body, ascending by position; the frame is
    // body[0, at0) + range0 + body[at0, at1) + range1 + ... + body[at_last, end).
    std::vector<file_splice> splices;
    // KIP-219: once this response is sent (or, for no_response, once its turn comes), read
    // no further request from the connection for this long. A quota-throttled client is held
    // back this way even if it ignores the response's throttle_time_ms.
    std::chrono::milliseconds mute_for{0};
};

struct connection_info {
    unsigned shard = 0;
    std::string peer; // "ip:port"
    // Whatever the frame handler keeps per connection (the broker: its connection tally for
    // metrics). Set by the handler, destroyed with the connection on its shard. Mutable
    // because handlers see the info as const: the rest of it is the listener's.
    mutable std::shared_ptr<void> handler_state;
};

// `lease` holds the frame's bytes of the in-flight budget until the handler returns; a handler
// that decodes the frame into something larger adds the difference (memory_lease::grow).
using frame_handler =
    std::function<asio::awaitable<frame_result>(buffer frame, const connection_info&, memory_lease& lease)>;

// How file ranges in a response (fetched records) go out. sendfile skips the user-space copy
// and suits a consumer on another machine; over loopback it measured slower here (the consumer
// copies from page-cache pages cold in the CPU caches, and splicing is costly on this VM;
// docs/performance.md), so by default local peers get pread into a reused buffer + send.
enum class file_send { by_peer, sendfile, copy };

struct connection_limits {
    int32_t max_frame_bytes = 100 * 1024 * 1024;
    int32_t max_inflight = 32;
    file_send send_files = file_send::by_peer;
    // In-flight request bytes shared by every connection (queued.max.request.bytes); null: none.
    // A frame is read only once its size is taken from it; a frame over its limit is refused
    // like one over max_frame_bytes.
    memory_budget* budget = nullptr;
};

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(asio::ip::tcp::socket socket, connection_info info, connection_limits limits, frame_handler handler);
    void start();
    void close();
    bool closed() const { return closed_; }
    // Keeps `t` (an admission ticket) until the connection closes.
    void hold(std::shared_ptr<void> t) { ticket_ = std::move(t); }

private:
    struct slot {
        bool done = false;
        frame_result result;
    };
    asio::awaitable<void> read_loop();
    asio::awaitable<void> write_loop();
    asio::awaitable<void> handle(buffer frame, std::shared_ptr<slot> s, memory_lease lease);
    // Takes `bytes` from the budget, waiting while it is spent; false: closed meanwhile.
    asio::awaitable<bool> wait_for_budget(memory_budget& budget, int64_t bytes);
    asio::awaitable<void> wait(asio::steady_timer& t);
    // Waits until the connection is no longer muted (KIP-219 throttling); false: closed meanwhile.
    asio::awaitable<bool> wait_unmuted();
    void mute(std::chrono::milliseconds d);
    // Sends one response frame; false: the connection must close (reason logged if any).
    asio::awaitable<bool> send_frame(const frame_result& r);
    // Sends several responses without file ranges with one gathered write.
    asio::awaitable<bool> send_frames(const std::vector<std::shared_ptr<slot>>& frames);
    // Two iovecs per frame; asio passes at most 64 buffers to one sendmsg.
    static constexpr size_t max_frames_per_write = 32;
    asio::awaitable<boost::system::error_code> send_bytes(std::vector<asio::const_buffer> bufs, bool more);
    asio::awaitable<bool> send_file(const file_range& f);
    // pread + send in chunks; `more`: frame bytes follow the range (MSG_MORE on its end too).
    asio::awaitable<bool> copy_file(const file_range& f, bool more);
    bool file_ended(const file_range& f, uint64_t left);

    asio::ip::tcp::socket socket_;
    connection_info info_;
    connection_limits limits_;
    frame_handler handler_;
    std::deque<std::shared_ptr<slot>> slots_;
    asio::steady_timer writer_wake_;
    asio::steady_timer reader_wake_;
    asio::steady_timer mute_timer_;
    asio::steady_timer::time_point muted_until_{};
    bool closed_ = false;
    bool closing_ = false; // a handler asked to close: read no further requests
    bool copy_files_ = false;
    buffer copy_buf_; // copy_file's chunk, allocated on first use
    std::shared_ptr<memory_budget::waiter> budget_wait_; // made on first wait
    std::shared_ptr<void> ticket_;
};

} // namespace brook::net
