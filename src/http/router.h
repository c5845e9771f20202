#pragma once
// Routes declared in one table: (method, path pattern, handler). A pattern is literal
// segments and `{name}` segments, each matching one non-empty path segment ("/v1/topics/{t}").
// A path no route matches is answered 404; a path some route matches under another method,
// 405 with an Allow header; a handler that throws, 500 (logged). All with a JSON error body.
//
// Threads: build the table before the server starts; afterwards it is only read, so one
// router may serve every shard at once. Handlers run on the shard of their connection.
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace brook::http {

using handler = std::function<boost::asio::awaitable<response>(request&)>;

class router {
public:
    // Adds a route. Throws std::invalid_argument on a malformed pattern or a duplicate
    // (method, pattern): a start-up error.
    void add(std::string method, std::string pattern, handler h);

    // What a request resolves to: a handler with the path parameters it binds, or a 404/405.
    struct match {
        const handler* target = nullptr;
        std::map<std::string, std::string> params;
        std::vector<std::string> allowed; // methods the path accepts (for 405)
    };
    match find(const std::string& method, const std::string& path) const;

    // Resolves and runs the request; never throws.
    boost::asio::awaitable<response> dispatch(request req) const;

private:
    struct route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments; // "{name}" for a parameter
        handler h;
    };
    std::vector<route> routes_;
};

} // namespace brook::http
