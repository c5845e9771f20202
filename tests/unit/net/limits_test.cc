// Resource limits in net: the in-flight request budget (a connection stops reading while it
// is spent and resumes when it frees; a frame over it closes the connection) and connection
// admission (max.connections, max.connections.per.ip, tickets given back on close).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "base/endian.h"
#include "net/admission.h"
#include "net/connection.h"
#include "net/memory_budget.h"

namespace brook::net {
namespace {

using namespace std::chrono_literals;

TEST(memory_budget, takes_what_fits_and_gives_back) {
    memory_budget b(100);
    EXPECT_TRUE(b.try_acquire(60));
    EXPECT_FALSE(b.try_acquire(41));
    EXPECT_TRUE(b.try_acquire(40));
    EXPECT_EQ(b.used(), 100);
    b.release(60);
    EXPECT_TRUE(b.try_acquire(50));
    b.force_acquire(30); // a decoded request: counted even past the limit
    EXPECT_EQ(b.used(), 120);
    EXPECT_FALSE(b.try_acquire(1));
    EXPECT_FALSE(b.fits(101));
    EXPECT_TRUE(b.fits(100));
    memory_budget none(-1);
    EXPECT_TRUE(none.unlimited());
    EXPECT_TRUE(none.try_acquire(int64_t(1) << 40));
}

TEST(memory_budget, lease_grows_and_releases_once) {
    memory_budget b(100);
    ASSERT_TRUE(b.try_acquire(10));
    {
        memory_lease l(&b, 10);
        l.grow(25);
        EXPECT_EQ(b.used(), 35);
        memory_lease moved = std::move(l);
        EXPECT_EQ(moved.bytes(), 35);
        EXPECT_EQ(moved.budget_free(), 65);
    }
    EXPECT_EQ(b.used(), 0);
}

TEST(memory_budget, a_waiter_on_another_thread_resumes_when_bytes_are_released) {
    memory_budget b(100);
    ASSERT_TRUE(b.try_acquire(90));
    asio::io_context ctx;
    auto w = std::make_shared<memory_budget::waiter>(ctx.get_executor());
    std::atomic<bool> got{false};
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            while (!co_await b.acquire(50, w)) {
            }
            got = true;
        },
        asio::detached);
    std::thread t([&] { ctx.run(); });
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(got.load());
    b.release(90); // from this thread: the waiter is woken on its own
    for (int i = 0; i < 100 && !got; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(got.load()); // well before the 1 s safety poll
    t.join();
    EXPECT_EQ(b.used(), 50);
}

// One connection with a budget on its own thread, and a blocking client socket.
class budget_harness {
public:
    budget_harness(memory_budget& budget, frame_handler h) {
        asio::ip::tcp::acceptor acc(ctx_, {asio::ip::address_v4::loopback(), 0});
        client_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(acc.local_endpoint().port());
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(client_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        timeval tv{10, 0};
        ::setsockopt(client_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        connection_limits limits;
        limits.budget = &budget;
        conn_ = std::make_shared<connection>(acc.accept(), connection_info{0, "test", {}}, limits, std::move(h));
        conn_->start();
        thread_ = std::thread([this] { ctx_.run(); });
    }
    ~budget_harness() {
        if (client_ >= 0) ::close(client_);
        asio::post(ctx_, [c = conn_] { c->close(); });
        thread_.join();
    }
    // A frame of `size` bytes whose first byte is `tag`.
    void send_frame(int32_t size, uint8_t tag) {
        std::vector<uint8_t> f(4 + static_cast<size_t>(size));
        store_be<int32_t>(f.data(), size);
        f[4] = tag;
        ASSERT_EQ(::send(client_, f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
    }
    std::vector<uint8_t> read_frame() {
        auto size = read_up_to(4);
        if (size.size() < 4) return {};
        return read_up_to(static_cast<size_t>(load_be<int32_t>(size.data())));
    }
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
    asio::io_context& ctx() { return ctx_; }

private:
    asio::io_context ctx_;
    std::thread thread_;
    std::shared_ptr<connection> conn_;
    int client_ = -1;
};

TEST(connection_budget, stops_reading_while_the_budget_is_spent_and_resumes) {
    memory_budget budget(1000);
    std::atomic<int> started{0};
    std::promise<void> release_first;
    auto first_may_finish = release_first.get_future().share();
    frame_handler h = [&](buffer frame, const connection_info&, memory_lease& lease) -> asio::awaitable<frame_result> {
        ++started;
        EXPECT_EQ(lease.bytes(), static_cast<int64_t>(frame.size()));
        if (frame.data()[0] == 1) {
            // Hold the first request (and its 600 bytes) until the test says so.
            asio::steady_timer t(co_await asio::this_coro::executor);
            while (first_may_finish.wait_for(0s) != std::future_status::ready) {
                t.expires_after(5ms);
                co_await t.async_wait(asio::use_awaitable);
            }
        }
        frame_result r;
        r.body = {frame.data()[0]};
        co_return r;
    };
    budget_harness c(budget, h);
    c.send_frame(600, 1);
    c.send_frame(600, 2); // does not fit beside the first: must not be read yet
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(started.load(), 1);
    EXPECT_EQ(budget.used(), 600);
    release_first.set_value();
    EXPECT_EQ(c.read_frame(), std::vector<uint8_t>{1});
    EXPECT_EQ(c.read_frame(), std::vector<uint8_t>{2});
    EXPECT_EQ(started.load(), 2);
    for (int i = 0; i < 100 && budget.used() != 0; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(budget.used(), 0);
}

TEST(connection_budget, a_frame_larger_than_the_budget_closes_the_connection) {
    memory_budget budget(1000);
    std::atomic<int> started{0};
    frame_handler h = [&](buffer, const connection_info&, memory_lease&) -> asio::awaitable<frame_result> {
        ++started;
        co_return frame_result{};
    };
    budget_harness c(budget, h);
    c.send_frame(1001, 1);
    EXPECT_TRUE(c.read_up_to(1).empty()); // closed, nothing answered
    EXPECT_EQ(started.load(), 0);
    EXPECT_EQ(budget.used(), 0);
}

TEST(admission, caps_per_ip_and_in_total_and_gives_places_back) {
    auto a = std::make_shared<admission>(3, 2);
    auto ip1 = boost::asio::ip::make_address("10.0.0.1");
    auto ip2 = boost::asio::ip::make_address("10.0.0.2");
    auto t1 = a->admit(ip1);
    auto t2 = a->admit(ip1);
    EXPECT_TRUE(t1 && t2);
    EXPECT_FALSE(a->admit(ip1)); // third from the same address
    auto t3 = a->admit(ip2);
    EXPECT_TRUE(t3);
    EXPECT_FALSE(a->admit(ip2)); // total of 3 reached
    EXPECT_EQ(a->open(), 3);
    t1.reset();
    EXPECT_EQ(a->open(), 2);
    auto t4 = a->admit(ip1);
    EXPECT_TRUE(t4);
}

TEST(admission, half_of_the_descriptors_go_to_connections) {
    EXPECT_EQ(connection_cap_for(20000), 10000);
    EXPECT_EQ(connection_cap_for(1024), 512);
    EXPECT_EQ(connection_cap_for(1), 1);
    auto fds = raise_fd_limit();
    EXPECT_EQ(fds.soft, fds.hard); // raisable without privileges
}

} // namespace
} // namespace brook::net
