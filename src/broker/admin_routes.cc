#include "broker/admin_routes.h"

#include "broker/broker.h"
#include "broker/metrics_scrape.h"
#include "http/metrics.h"
#include "http/probes.h"

namespace brook::broker {

void add_admin_routes(http::router& routes, broker& b, std::function<bool()> ready) {
    http::add_probe_routes(routes, std::move(ready), "storage recovery or the Kafka listener is not done");
    routes.add("GET", "/metrics", [&b](http::request&) -> asio::awaitable<http::response> {
        co_return http::text_response(co_await scrape_metrics(b), std::string(http::metrics::exposition::content_type));
    });
    add_admin_api_routes(routes, b);
}

} // namespace brook::broker
