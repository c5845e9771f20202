#include "http/probes.h"

namespace brook::http {

void add_probe_routes(router& routes, std::function<bool()> ready, std::string waiting_for) {
    routes.add("GET", "/v1/health", [](request&) -> boost::asio::awaitable<response> {
        co_return json_response({{"status", "ok"}});
    });
    routes.add("GET", "/v1/ready",
               [ready = std::move(ready), msg = "not ready: " + waiting_for](request&) -> boost::asio::awaitable<response> {
                   if (!ready()) co_return error_response(503, msg);
                   co_return json_response({{"status", "ready"}});
               });
}

} // namespace brook::http
