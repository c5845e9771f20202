#include "broker/admin_routes.h"

#include "broker/broker.h"
#include "broker/metrics_scrape.h"
#include "http/metrics.h"

namespace brook::broker {

void add_admin_routes(http::router& routes, broker& b, std::function<bool()> ready) {
    routes.add("GET", "/v1/health", [](http::request&) -> asio::awaitable<http::response> {
        co_return http::json_response({{"status", "ok"}});
    });
    routes.add("GET", "/v1/ready", [ready = std::move(ready)](http::request&) -> asio::awaitable<http::response> {
        if (!ready()) co_return http::error_response(503, "not ready: storage recovery or the Kafka listener is not done");
        co_return http::json_response({{"status", "ready"}});
    });
    routes.add("GET", "/metrics", [&b](http::request&) -> asio::awaitable<http::response> {
        co_return http::text_response(co_await scrape_metrics(b), std::string(http::metrics::exposition::content_type));
    });
}

} // namespace brook::broker
