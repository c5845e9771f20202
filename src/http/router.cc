#include "http/router.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "base/log.h"

namespace brook::http {
namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

bool is_param(const std::string& seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }

// Percent-decodes a path segment; a malformed escape is kept as is (it then matches nothing).
std::string decode(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

} // namespace

void router::add(std::string method, std::string pattern, handler h) {
    if (pattern.empty() || pattern.front() != '/') throw std::invalid_argument("route '" + pattern + "' must start with /");
    auto segs = split_path(pattern);
    for (const auto& s : segs)
        if ((s.find('{') != std::string::npos || s.find('}') != std::string::npos) && !is_param(s))
            throw std::invalid_argument("route '" + pattern + "': a parameter must be a whole segment, {name}");
    for (const auto& r : routes_)
        if (r.method == method && r.segments == segs)
            throw std::invalid_argument("route " + method + " " + pattern + " declared twice");
    routes_.push_back({std::move(method), std::move(pattern), std::move(segs), std::move(h)});
}

router::match router::find(const std::string& method, const std::string& path) const {
    match out;
    const auto segs = split_path(path);
    for (const auto& r : routes_) {
        if (r.segments.size() != segs.size()) continue;
        std::map<std::string, std::string> params;
        bool ok = true;
        for (size_t i = 0; i < segs.size() && ok; ++i) {
            if (is_param(r.segments[i])) params[r.segments[i].substr(1, r.segments[i].size() - 2)] = decode(segs[i]);
            else ok = r.segments[i] == segs[i];
        }
        if (!ok) continue;
        if (r.method == method) {
            out.target = &r.h;
            out.params = std::move(params);
            return out;
        }
        if (std::find(out.allowed.begin(), out.allowed.end(), r.method) == out.allowed.end())
            out.allowed.push_back(r.method);
    }
    return out;
}

boost::asio::awaitable<response> router::dispatch(request req) const {
    auto m = find(req.method, req.path);
    if (!m.target) {
        if (m.allowed.empty()) co_return error_response(404, "no route for " + req.path);
        std::string allow;
        for (const auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
        auto r = error_response(405, "method " + req.method + " not allowed on " + req.path + " (allowed: " + allow + ")");
        r.headers.emplace_back("Allow", allow);
        co_return r;
    }
    req.params = std::move(m.params);
    try {
        co_return co_await (*m.target)(req);
    } catch (const std::exception& e) {
        spdlog::error("HTTP {} {} failed: {}", req.method, req.path, e.what());
        co_return error_response(500, std::string("internal error: ") + e.what());
    }
}

} // namespace brook::http
