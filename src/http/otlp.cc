#include "http/otlp.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

namespace brook::http::otlp {

using json = nlohmann::json;

std::variant<endpoint, std::string> parse_endpoint(std::string_view url, std::string_view signal) {
    constexpr std::string_view scheme = "http://";
    if (url.starts_with("https://"))
        return "OTLP endpoint '" + std::string(url) + "': https is not supported; use http:// (e.g. a collector on localhost)";
    if (!url.starts_with(scheme))
        return "OTLP endpoint '" + std::string(url) + "': expected http://HOST[:PORT][/path]";
    auto rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    std::string base = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash));
    endpoint ep;
    ep.port = 4318;
    std::string_view host = authority;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return "OTLP endpoint '" + std::string(url) + "': unclosed [ in host";
        host = authority.substr(1, close - 1);
        authority = authority.substr(close + 1);
        if (!authority.empty() && authority[0] != ':') return "OTLP endpoint '" + std::string(url) + "': junk after ]";
        if (!authority.empty()) authority = authority.substr(1);
        else authority = {};
        if (!authority.empty()) {
            unsigned p = 0;
            auto [ptr, ec] = std::from_chars(authority.data(), authority.data() + authority.size(), p);
            if (ec != std::errc() || ptr != authority.data() + authority.size() || p == 0 || p > 65535)
                return "OTLP endpoint '" + std::string(url) + "': port must be 1-65535";
            ep.port = static_cast<uint16_t>(p);
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        auto ps = authority.substr(colon + 1);
        unsigned p = 0;
        auto [ptr, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), p);
        if (ps.empty() || ec != std::errc() || ptr != ps.data() + ps.size() || p == 0 || p > 65535)
            return "OTLP endpoint '" + std::string(url) + "': port must be 1-65535";
        ep.port = static_cast<uint16_t>(p);
    }
    if (host.empty()) return "OTLP endpoint '" + std::string(url) + "': missing host";
    ep.host = std::string(host);
    while (!base.empty() && base.back() == '/') base.pop_back();
    ep.target = base + "/v1/" + std::string(signal);
    return ep;
}

namespace {

json attributes(const std::vector<std::pair<std::string, std::string>>& labels) {
    json a = json::array();
    for (const auto& [k, v] : labels) a.push_back({{"key", k}, {"value", {{"stringValue", v}}}});
    return a;
}

// proto3 JSON spells non-finite doubles as strings; nlohmann would write null, which a
// collector rejects along with the whole request.
json double_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    return v;
}

json number_point(const metrics::sample_record& s, const std::string& start, const std::string& now, bool with_start) {
    json p = {{"attributes", attributes(s.labels)}, {"timeUnixNano", now}, {"asDouble", double_value(s.value)}};
    if (with_start) p["startTimeUnixNano"] = start;
    return p;
}

json histogram_point(const metrics::sample_record& s, const std::string& start, const std::string& now) {
    const auto& h = *s.hist;
    // histogram::counts() are already per bucket (the text format makes them cumulative);
    // OTLP wants per bucket, bounds without the implied +Inf.
    json counts = json::array();
    for (uint64_t c : h.counts()) counts.push_back(std::to_string(c));
    json bounds = json::array();
    for (double b : h.bounds()) bounds.push_back(b);
    return {{"attributes", attributes(s.labels)},
            {"startTimeUnixNano", start},
            {"timeUnixNano", now},
            {"count", std::to_string(h.count())},
            {"sum", double_value(h.sum())},
            {"bucketCounts", std::move(counts)},
            {"explicitBounds", std::move(bounds)}};
}

} // namespace

std::string encode_metrics(std::span<const metrics::family_record> families, const resource& res, uint64_t start_ns,
                           uint64_t now_ns) {
    const std::string start = std::to_string(start_ns), now = std::to_string(now_ns);
    json list = json::array();
    for (const auto& f : families) {
        json m = {{"name", f.name}, {"description", f.help}};
        json points = json::array();
        switch (f.type) {
        case metrics::metric_type::counter:
            for (const auto& s : f.samples) points.push_back(number_point(s, start, now, true));
            // 2 = AGGREGATION_TEMPORALITY_CUMULATIVE
            m["sum"] = {{"dataPoints", std::move(points)}, {"aggregationTemporality", 2}, {"isMonotonic", true}};
            break;
        case metrics::metric_type::gauge:
            for (const auto& s : f.samples) points.push_back(number_point(s, start, now, false));
            m["gauge"] = {{"dataPoints", std::move(points)}};
            break;
        case metrics::metric_type::histogram:
            for (const auto& s : f.samples)
                if (s.hist) points.push_back(histogram_point(s, start, now));
            m["histogram"] = {{"dataPoints", std::move(points)}, {"aggregationTemporality", 2}};
            break;
        }
        list.push_back(std::move(m));
    }
    json resource_attrs = attributes({{"service.name", res.service_name},
                                      {"service.instance.id", res.service_instance_id},
                                      {"host.name", res.host_name}});
    json req = {{"resourceMetrics",
                 json::array({{{"resource", {{"attributes", std::move(resource_attrs)}}},
                               {"scopeMetrics", json::array({{{"scope", {{"name", "brook"}}}, {"metrics", std::move(list)}}})}}})}};
    // replace: a label value that is not UTF-8 must not make the whole export throw.
    return req.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace brook::http::otlp
