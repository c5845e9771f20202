#pragma once
// OTLP/HTTP with the JSON encoding (https://opentelemetry.io/docs/specs/otlp/): the encoder
// that turns one scrape's metric families (http/metrics.h) into an ExportMetricsServiceRequest,
// and the endpoint parsing the OTel SDK environment variables call for. The encoder is pure
// (no I/O, no clock) so a trace encoder can sit beside it and share the resource and the
// transport (http/otlp_client.h).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "http/metrics.h"

namespace brook::http::otlp {

// Resource attributes every export carries.
struct resource {
    std::string service_name;
    std::string service_instance_id;
    std::string host_name;
};

// Where a signal is POSTed: the OTLP/HTTP base URL with /v1/<signal> appended.
struct endpoint {
    std::string host;
    uint16_t port = 0;
    std::string target; // e.g. /v1/metrics
};

// Parses an http:// base URL ("http://HOST[:PORT][/base]"; port 4318 when omitted) and appends
// "/v1/" + signal as the spec says for OTEL_EXPORTER_OTLP_ENDPOINT. https is refused (no TLS
// here): the error names what to change. Returns the endpoint or the error message.
std::variant<endpoint, std::string> parse_endpoint(std::string_view url, std::string_view signal);

// ExportMetricsServiceRequest as JSON: counters become cumulative monotonic sums, gauges
// gauges, histograms cumulative histograms with per-bucket counts
// (the text format's cumulative le buckets differenced; metrics::histogram keeps them per bucket). Integers (counts,
// timestamps) are strings as the OTLP JSON mapping writes 64-bit integers; counter and gauge
// values are asDouble (the families carry doubles). start_ns: when the counters started
// (process start); now_ns: the scrape time.
std::string encode_metrics(std::span<const metrics::family_record> families, const resource& res,
                           uint64_t start_ns, uint64_t now_ns);

inline constexpr std::string_view content_type = "application/json";

} // namespace brook::http::otlp
