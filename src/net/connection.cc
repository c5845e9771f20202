#include "net/connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "base/endian.h"
#include "base/log.h"
#include "base/logger.h"

namespace brook::net {

using asio::use_awaitable;

connection::connection(asio::ip::tcp::socket socket, connection_info info, connection_limits limits, frame_handler handler)
    : socket_(std::move(socket)),
      info_(std::move(info)),
      limits_(limits),
      handler_(std::move(handler)),
      writer_wake_(socket_.get_executor()),
      reader_wake_(socket_.get_executor()),
      mute_timer_(socket_.get_executor()) {
    writer_wake_.expires_at(asio::steady_timer::time_point::max());
    reader_wake_.expires_at(asio::steady_timer::time_point::max());
}

void connection::start() {
    boost::system::error_code ec;
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    // sendfile() is called on the descriptor directly and must not block the shard.
    socket_.native_non_blocking(true, ec);
    copy_files_ = limits_.send_files == file_send::copy;
    if (limits_.send_files == file_send::by_peer) {
        auto peer = socket_.remote_endpoint(ec);
        copy_files_ = !ec && peer.address().is_loopback();
    }
    auto self = shared_from_this();
    asio::co_spawn(socket_.get_executor(), [self] { return self->read_loop(); }, asio::detached);
    asio::co_spawn(socket_.get_executor(), [self] { return self->write_loop(); }, asio::detached);
}

void connection::close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    writer_wake_.cancel();
    reader_wake_.cancel();
    mute_timer_.cancel();
    if (budget_wait_) budget_wait_->cancel();
    ticket_.reset(); // the descriptor is gone: its place under max.connections is free again
}

asio::awaitable<void> connection::wait(asio::steady_timer& t) {
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
    t.expires_at(asio::steady_timer::time_point::max());
}

// GCC 12 reports asio's coroutine frame allocator (aligned_alloc behind a class operator new)
// as mismatched with its operator delete once the budget wait is inlined here: a false
// positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<void> connection::read_loop() {
    auto self = shared_from_this();
    // Reads go through a small buffer, so a small request (a fetch, a linger-0 produce) costs one
    // recv, not one for its size and one for its body. A frame bigger than what is buffered is
    // read straight into its own buffer: at most read_ahead bytes of a large produce are copied.
    constexpr size_t read_ahead = 8192;
    std::array<uint8_t, read_ahead> in;
    size_t have = 0, at = 0; // buffered bytes are in[at, at + have)
    boost::system::error_code ec;
    auto fill = [&](size_t want) -> asio::awaitable<bool> {
        if (at > 0) {
            std::memmove(in.data(), in.data() + at, have);
            at = 0;
        }
        while (have < want) {
            size_t n = co_await socket_.async_read_some(asio::buffer(in.data() + have, in.size() - have),
                                                        asio::redirect_error(use_awaitable, ec));
            if (ec) co_return false;
            have += n;
        }
        co_return true;
    };
    while (!closed_) {
        // The mute is checked inline: a coroutine call per request would cost a frame allocation.
        if (muted_until_ != asio::steady_timer::time_point{} && !co_await wait_unmuted()) break;
        if (have < 4 && !co_await fill(4)) {
            if (have > 0) spdlog::info("connection from {} ended inside a request size: {}", info_.peer, ec.message());
            break; // peer went away: nothing to log at info
        }
        int32_t size = load_be<int32_t>(in.data() + at);
        if (size < 8 || size > limits_.max_frame_bytes) {
            // Too small to hold a request header, or over socket.request.max.bytes: the stream
            // cannot be resynchronised, so only this connection is dropped.
            log::net.warn({{"peer", info_.peer}, {"size", size}}, "closing connection from {}: request size {} outside [8, {}] (socket.request.max.bytes)",
                          info_.peer, size, limits_.max_frame_bytes);
            break;
        }
        memory_budget* budget = limits_.budget;
        if (budget && !budget->fits(size)) {
            spdlog::warn("closing connection from {}: request size {} over the in-flight request budget of {} bytes "
                         "(queued.max.request.bytes)",
                         info_.peer, size, budget->limit());
            break;
        }
        memory_lease lease;
        if (budget && !budget->unlimited()) {
            // Until the budget has room this connection reads nothing more: its client is held
            // back by TCP flow control rather than by the broker's memory.
            if (!budget->try_acquire(size) && !co_await wait_for_budget(*budget, size)) break;
            lease = memory_lease(budget, size);
        }
        at += 4;
        have -= 4;
        buffer frame(static_cast<size_t>(size));
        size_t from_buffer = std::min(have, frame.size());
        std::memcpy(frame.data(), in.data() + at, from_buffer);
        at += from_buffer;
        have -= from_buffer;
        if (from_buffer < frame.size()) {
            co_await asio::async_read(socket_, asio::buffer(frame.data() + from_buffer, frame.size() - from_buffer),
                                      asio::redirect_error(use_awaitable, ec));
            if (ec) {
                spdlog::info("connection from {} ended inside a {}-byte request: {}", info_.peer, size, ec.message());
                break;
            }
        }
        if (closing_) break; // a request before this one asked to close: answer nothing more
        // A throttled response went out while this frame was read: it waits out the mute.
        if (muted_until_ != asio::steady_timer::time_point{} && !co_await wait_unmuted()) break;
        auto s = std::make_shared<slot>();
        slots_.push_back(s);
        asio::co_spawn(socket_.get_executor(), handle(std::move(frame), s, std::move(lease)), asio::detached);
        while (!closed_ && slots_.size() >= static_cast<size_t>(limits_.max_inflight)) co_await wait(reader_wake_);
    }
    // Let the writer drain what is already answered, then it closes the socket.
    auto tail = std::make_shared<slot>();
    tail->done = true;
    tail->result.what = frame_result::action::close;
    slots_.push_back(tail);
    writer_wake_.cancel();
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

asio::awaitable<bool> connection::wait_for_budget(memory_budget& budget, int64_t bytes) {
    if (!budget_wait_) budget_wait_ = std::make_shared<memory_budget::waiter>(socket_.get_executor());
    bool got = false;
    while (!closed_ && !got) got = co_await budget.acquire(bytes, budget_wait_);
    co_return got;
}

asio::awaitable<bool> connection::wait_unmuted() {
    while (!closed_ && asio::steady_timer::clock_type::now() < muted_until_) {
        mute_timer_.expires_at(muted_until_);
        boost::system::error_code ec;
        co_await mute_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    muted_until_ = {}; // passed: the read loop skips this call again until the next mute
    co_return !closed_;
}

void connection::mute(std::chrono::milliseconds d) {
    if (d.count() <= 0) return;
    muted_until_ = std::max(muted_until_, asio::steady_timer::clock_type::now() + d);
}

asio::awaitable<void> connection::handle(buffer frame, std::shared_ptr<slot> s, memory_lease lease) {
    auto self = shared_from_this();
    try {
        s->result = co_await handler_(std::move(frame), info_, lease);
    } catch (const std::exception& e) {
        s->result = {frame_result::action::close, {}, std::string("internal error: ") + e.what(), {}, {}};
    }
    lease.reset(); // the frame and its decoded request are gone with the handler
    if (s->result.what == frame_result::action::close) closing_ = true;
    s->done = true;
    writer_wake_.cancel();
}

asio::awaitable<void> connection::write_loop() {
    auto self = shared_from_this();
    while (!closed_) {
        if (slots_.empty() || !slots_.front()->done) {
            co_await wait(writer_wake_);
            continue;
        }
        // Answered responses without file ranges at the front go out in one write: a group
        // commit answers many pipelined produces at once, and one send beats one per response.
        std::vector<std::shared_ptr<slot>> plain;
        while (!slots_.empty() && slots_.front()->done && plain.size() < max_frames_per_write) {
            const auto& r = slots_.front()->result;
            if (r.what == frame_result::action::no_response) {
                mute(r.mute_for);
                slots_.pop_front();
            }
            else if (r.what == frame_result::action::respond && r.splices.empty()) {
                plain.push_back(std::move(slots_.front()));
                slots_.pop_front();
            }
            else break;
        }
        if (!plain.empty() || slots_.empty() || !slots_.front()->done) {
            reader_wake_.cancel();
            if (!plain.empty() && !co_await send_frames(plain)) break;
            for (const auto& p : plain) mute(p->result.mute_for);
            continue;
        }
        auto s = std::move(slots_.front());
        slots_.pop_front();
        reader_wake_.cancel();
        auto& r = s->result;
        if (r.what == frame_result::action::close) {
            if (!r.reason.empty()) log::net.warn({{"peer", info_.peer}, {"reason", r.reason}}, "closing connection from {}: {}", info_.peer, r.reason);
            break;
        }
        if (!co_await send_frame(r)) break; // a response with file ranges
        mute(r.mute_for);
    }
    close();
}

asio::awaitable<bool> connection::send_frames(const std::vector<std::shared_ptr<slot>>& frames) {
    std::vector<std::array<uint8_t, 4>> sizes(frames.size());
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(frames.size() * 2);
    for (size_t i = 0; i < frames.size(); ++i) {
        const auto& body = frames[i]->result.body;
        if (body.size() > static_cast<size_t>(INT32_MAX)) {
            spdlog::error("closing connection from {}: response of {} bytes exceeds the frame limit", info_.peer,
                          body.size());
            co_return false;
        }
        store_be<int32_t>(sizes[i].data(), static_cast<int32_t>(body.size()));
        bufs.push_back(asio::buffer(sizes[i]));
        bufs.push_back(asio::buffer(body));
    }
    boost::system::error_code ec;
    co_await asio::async_write(socket_, bufs, asio::redirect_error(use_awaitable, ec));
    co_return !ec;
}

asio::awaitable<bool> connection::send_frame(const frame_result& r) {
    uint64_t total = r.body.size();
    for (const auto& sp : r.splices) total += sp.range.length;
    if (total > static_cast<uint64_t>(INT32_MAX)) {
        spdlog::error("closing connection from {}: response of {} bytes exceeds the frame limit", info_.peer, total);
        co_return false;
    }
    uint8_t size_buf[4];
    store_be<int32_t>(size_buf, static_cast<int32_t>(total));
    boost::system::error_code ec;
    if (r.splices.empty()) {
        std::array<asio::const_buffer, 2> bufs{asio::buffer(size_buf), asio::buffer(r.body)};
        co_await asio::async_write(socket_, bufs, asio::redirect_error(use_awaitable, ec));
        co_return !ec;
    }
    // Body pieces go out with MSG_MORE so the size prefix and the headers before a range share
    // packets with its data; the last piece flushes.
    size_t done = 0;
    std::vector<asio::const_buffer> bufs{asio::buffer(size_buf)};
    for (const auto& sp : r.splices) {
        if (sp.at < done || sp.at > r.body.size()) {
            spdlog::error("closing connection from {}: response splice at {} outside its body", info_.peer, sp.at);
            co_return false;
        }
        bufs.push_back(asio::buffer(r.body.data() + done, sp.at - done));
        done = sp.at;
        if (sp.range.empty()) continue;
        if (co_await send_bytes(std::move(bufs), true)) co_return false;
        bufs.clear();
        // (Not a ?: inside co_await: GCC 12 destroys that temporary twice.)
        bool sent;
        if (copy_files_) {
            // The last piece of the frame must go out without MSG_MORE, or the kernel holds it
            // back (up to 200 ms) waiting for more: a Fetch below v12 ends with its records.
            const bool more = sp.at < r.body.size() ||
                              std::any_of(&sp + 1, r.splices.data() + r.splices.size(),
                                          [](const file_splice& later) { return !later.range.empty(); });
            sent = co_await copy_file(sp.range, more);
        }
        else sent = co_await send_file(sp.range);
        if (!sent) co_return false;
    }
    bufs.push_back(asio::buffer(r.body.data() + done, r.body.size() - done));
    co_return !co_await send_bytes(std::move(bufs), false);
}

asio::awaitable<boost::system::error_code> connection::send_bytes(std::vector<asio::const_buffer> bufs, bool more) {
    boost::system::error_code ec;
    size_t left = asio::buffer_size(bufs);
    auto next = bufs.begin();
    while (left > 0) {
        size_t n = co_await socket_.async_send(std::span(next, bufs.end()), more ? MSG_MORE : 0,
                                               asio::redirect_error(use_awaitable, ec));
        if (ec) co_return ec;
        left -= n;
        // Drop what went out: whole buffers, then the front of a partly sent one.
        while (n > 0 && n >= next->size()) n -= (next++)->size();
        if (n > 0) *next += n;
    }
    co_return ec;
}

asio::awaitable<bool> connection::send_file(const file_range& f) {
    off_t pos = static_cast<off_t>(f.position);
    uint64_t left = f.length;
    while (left > 0) {
        ssize_t n = ::sendfile(socket_.native_handle(), f.fd, &pos, static_cast<size_t>(left));
        if (n > 0) {
            left -= static_cast<uint64_t>(n);
            continue;
        }
        if (n == 0) co_return file_ended(f, left);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            boost::system::error_code ec;
            co_await socket_.async_wait(asio::socket_base::wait_write, asio::redirect_error(use_awaitable, ec));
            if (ec) co_return false;
            continue;
        }
        // The peer going away (or our own close) is routine; anything else (a read error on
        // the file) is not.
        if (!closed_ && errno != EPIPE && errno != ECONNRESET && errno != ENOTCONN)
            spdlog::error("closing connection from {}: sendfile failed: {}", info_.peer, std::strerror(errno));
        co_return false;
    }
    co_return true;
}

// The file ends before the range does (truncated under us): the frame length is already out
// and cannot be honoured. Returns false (close).
bool connection::file_ended(const file_range& f, uint64_t left) {
    spdlog::error("closing connection from {}: file ended {} bytes short of a {}-byte response range", info_.peer,
                  left, f.length);
    return false;
}

asio::awaitable<bool> connection::copy_file(const file_range& f, bool more) {
    constexpr size_t chunk = size_t(1) << 20;
    if (copy_buf_.empty()) copy_buf_ = buffer(chunk);
    uint64_t pos = f.position, left = f.length;
    while (left > 0) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(left, copy_buf_.size()));
        ssize_t n = ::pread(f.fd, copy_buf_.data(), want, static_cast<off_t>(pos));
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) co_return file_ended(f, left);
        if (n < 0) {
            spdlog::error("closing connection from {}: reading a response range failed: {}", info_.peer,
                          std::strerror(errno));
            co_return false;
        }
        std::vector<asio::const_buffer> piece{asio::buffer(copy_buf_.data(), static_cast<size_t>(n))};
        pos += static_cast<uint64_t>(n);
        left -= static_cast<uint64_t>(n);
        if (co_await send_bytes(std::move(piece), more || left > 0)) co_return false;
    }
    co_return true;
}

} // namespace brook::net
