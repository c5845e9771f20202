// connection: responses with file ranges go out as size prefix + body pieces + sendfile'd
// ranges, byte-exact and in request order, also when the socket fills (EAGAIN); a range the
// file cannot fill closes the connection instead of hanging or sending a malformed frame.
#include "net/connection.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "base/endian.h"

namespace brook::net {
namespace {

struct fd_owner {
    int fd;
    explicit fd_owner(int f) : fd(f) {}
    fd_owner(const fd_owner&) = delete;
    fd_owner& operator=(const fd_owner&) = delete;
    ~fd_owner() { ::close(fd); }
};

// A temp file with known contents; ranges over it keep the descriptor open.
struct temp_file {
    std::filesystem::path path;
    std::shared_ptr<fd_owner> owner;
    std::vector<uint8_t> contents;

    explicit temp_file(size_t n) {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("brook-net-" + std::to_string(rd()));
        contents.resize(n);
        std::mt19937 g(42);
        for (auto& b : contents) b = static_cast<uint8_t>(g());
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        EXPECT_GE(fd, 0);
        owner = std::make_shared<fd_owner>(fd);
        EXPECT_EQ(::pwrite(fd, contents.data(), n, 0), static_cast<ssize_t>(n));
    }
    ~temp_file() { std::filesystem::remove(path); }
    file_range range(uint64_t pos, uint64_t len) const { return {owner, owner->fd, pos, len}; }
    std::vector<uint8_t> bytes(uint64_t pos, uint64_t len) const {
        return {contents.begin() + static_cast<ptrdiff_t>(pos), contents.begin() + static_cast<ptrdiff_t>(pos + len)};
    }
};

// One broker-side connection on its own io_context thread, and a blocking client socket.
class harness {
public:
    harness(frame_handler h, file_send mode, int32_t max_inflight = 32) {
        asio::ip::tcp::acceptor acc(ctx_, {asio::ip::address_v4::loopback(), 0});
        client_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(acc.local_endpoint().port());
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(client_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        timeval tv{10, 0}; // a hang fails the test instead of blocking it
        ::setsockopt(client_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        conn_ = std::make_shared<connection>(acc.accept(), connection_info{0, "test"},
                                             connection_limits{.max_inflight = max_inflight, .send_files = mode},
                                             std::move(h));
        conn_->start();
        thread_ = std::thread([this] { ctx_.run(); });
    }
    ~harness() {
        if (client_ >= 0) ::close(client_);
        asio::post(ctx_, [c = conn_] { c->close(); });
        thread_.join();
    }

    void send_request(uint8_t tag) {
        uint8_t frame[12] = {0, 0, 0, 8, tag, 0, 0, 0, 0, 0, 0, 0};
        ASSERT_EQ(::send(client_, frame, sizeof frame, 0), 12);
    }
    // Reads up to n bytes; fewer means the server closed (or the 10 s timeout hit).
    std::vector<uint8_t> read_up_to(size_t n) {
        std::vector<uint8_t> out(n);
        size_t got = 0;
        while (got < n) {
            ssize_t r = ::recv(client_, out.data() + got, n - got, 0);
            if (r <= 0) break;
            got += static_cast<size_t>(r);
        }
        out.resize(got);
        return out;
    }
    std::vector<uint8_t> read_frame() {
        auto size = read_up_to(4);
        if (size.size() < 4) return {};
        return read_up_to(static_cast<size_t>(load_be<int32_t>(size.data())));
    }
    bool at_eof() {
        uint8_t b;
        return ::recv(client_, &b, 1, 0) == 0;
    }

private:
    asio::io_context ctx_;
    std::thread thread_;
    std::shared_ptr<connection> conn_;
    int client_ = -1;
};

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Every file-range test runs with both ways of sending ranges (sendfile, pread + send).
class file_sending : public ::testing::TestWithParam<file_send> {};
INSTANTIATE_TEST_SUITE_P(modes, file_sending, ::testing::Values(file_send::sendfile, file_send::copy),
                         [](const auto& info) { return info.param == file_send::sendfile ? "sendfile" : "copy"; });

TEST_P(file_sending, splices_are_sent_in_place_and_in_order) {
    temp_file file(1 << 20);
    frame_handler h = [&file](buffer frame, const connection_info&, memory_lease&) -> asio::awaitable<frame_result> {
        frame_result r;
        if (frame.data()[0] == 1) {
            r.body = {'h', 'e', 'a', 'd', '|', 'm', 'i', 'd', '|', 't', 'a', 'i', 'l'};
            r.splices = {{4, file.range(10, 1000)}, {4, file.range(50'000, 0)}, {4, file.range(2000, 3)},
                         {9, file.range(100'000, 200'000)}};
        } else {
            r.body = {'p', 'l', 'a', 'i', 'n'};
        }
        co_return r;
    };
    harness t(h, GetParam());
    t.send_request(1);
    t.send_request(2);
    std::vector<uint8_t> head{'h', 'e', 'a', 'd'}, mid{'|', 'm', 'i', 'd', '|'}, tail{'t', 'a', 'i', 'l'};
    auto want = concat({head, file.bytes(10, 1000), file.bytes(2000, 3), mid, file.bytes(100'000, 200'000), tail});
    EXPECT_EQ(t.read_frame(), want);
    EXPECT_EQ(t.read_frame(), (std::vector<uint8_t>{'p', 'l', 'a', 'i', 'n'}));
}

// Bigger than the socket buffers and read late: sending hits EAGAIN and must wait for room.
TEST_P(file_sending, large_range_waits_for_a_slow_reader) {
    temp_file file(24 << 20);
    frame_handler h = [&file](buffer, const connection_info&, memory_lease&) -> asio::awaitable<frame_result> {
        frame_result r;
        r.body = {1, 2, 3};
        r.splices = {{3, file.range(0, file.contents.size())}};
        co_return r;
    };
    harness t(h, GetParam());
    t.send_request(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto got = t.read_frame();
    ASSERT_EQ(got.size(), 3 + file.contents.size());
    EXPECT_TRUE(std::equal(file.contents.begin(), file.contents.end(), got.begin() + 3));
}

// A frame that ends with a range (Fetch below v12 ends with its records) must be flushed at
// once: sent with MSG_MORE to the end, the kernel would hold its tail back for up to 200 ms.
TEST_P(file_sending, frame_ending_in_a_range_is_not_held_back) {
    temp_file file(4096);
    frame_handler h = [&file](buffer, const connection_info&, memory_lease&) -> asio::awaitable<frame_result> {
        frame_result r;
        r.body = {1, 2, 3};
        r.splices = {{3, file.range(100, 1000)}};
        co_return r;
    };
    harness t(h, GetParam());
    for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        t.send_request(0);
        EXPECT_EQ(t.read_frame(), concat({{1, 2, 3}, file.bytes(100, 1000)}));
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100)) << "request " << i;
    }
}

// The file ends inside the range (truncated under us): the prefix promised more bytes than
// exist, so the connection closes after what could be sent, and later requests get nothing.
// Many pipelined requests answered in the same turn (as a group commit answers produces): the
// plain responses go out gathered, around one with a file range and one with no response, and
// each arrives whole and in request order.
TEST_P(file_sending, responses_answered_together_arrive_whole_and_in_order) {
    temp_file file(4096);
    constexpr int n = 100; // more than one gathered write
    std::unique_ptr<asio::steady_timer> release;
    frame_handler h = [&](buffer frame, const connection_info&, memory_lease&) -> asio::awaitable<frame_result> {
        const uint8_t tag = frame.data()[0];
        if (!release)
            release = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor,
                                                           asio::steady_timer::time_point::max());
        if (tag == n - 1) release->cancel(); // the last request releases every earlier one at once
        else {
            boost::system::error_code ec;
            co_await release->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        frame_result r;
        if (tag == 50) {
            r.what = frame_result::action::no_response;
            co_return r;
        }
        r.body.assign(tag + 1u, tag);
        if (tag == 60) r.splices = {{1, file.range(100, 1000)}};
        co_return r;
    };
    harness t(h, GetParam(), n);
    for (int i = 0; i < n; ++i) t.send_request(static_cast<uint8_t>(i));
    for (int i = 0; i < n; ++i) {
        if (i == 50) continue;
        std::vector<uint8_t> want(i + 1u, static_cast<uint8_t>(i));
        if (i == 60) want = concat({{60}, file.bytes(100, 1000), std::vector<uint8_t>(60, 60)});
        ASSERT_EQ(t.read_frame(), want) << "response " << i;
    }
}

TEST_P(file_sending, short_file_closes_the_connection) {
    temp_file file(4096);
    frame_handler h = [&file](buffer frame, const connection_info&, memory_lease&) -> asio::awaitable<frame_result> {
        frame_result r;
        r.body = {7};
        if (frame.data()[0] == 1) r.splices = {{1, file.range(1000, 10'000)}};
        co_return r;
    };
    harness t(h, GetParam());
    t.send_request(1);
    t.send_request(2);
    auto size = t.read_up_to(4);
    ASSERT_EQ(size.size(), 4u);
    EXPECT_EQ(load_be<int32_t>(size.data()), 10'001);
    auto rest = t.read_up_to(10'001 + 4 + 1); // everything until the close
    EXPECT_EQ(rest, concat({{7}, file.bytes(1000, 3096)}));
    EXPECT_TRUE(t.at_eof());
}

} // namespace
} // namespace brook::net
