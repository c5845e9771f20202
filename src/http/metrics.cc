#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace brook::http::metrics {

histogram::histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()), counts_(upper_bounds.size() + 1, 0) {}

void histogram::observe(double v) {
    // Prometheus buckets are "less than or equal": lower_bound finds the first bound >= v.
    auto i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    if (counts_.empty()) counts_.resize(1, 0);
    ++counts_[i];
    ++count_;
    sum_ += v;
}

void histogram::merge(const histogram& other) {
    if (counts_.empty() || (count_ == 0 && bounds_.empty())) {
        bounds_ = other.bounds_;
        counts_.assign(other.counts_.size(), 0);
    }
    for (size_t i = 0; i < counts_.size() && i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
}

std::span<const double> latency_buckets_seconds() {
    static constexpr std::array<double, 16> b{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                              0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
    return b;
}

std::span<const double> fsync_buckets_seconds() {
    static constexpr std::array<double, 15> b{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                              0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};
    return b;
}

std::span<const double> batch_size_buckets() {
    static constexpr std::array<double, 11> b{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    return b;
}

namespace {
// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 if it is not one.
size_t utf8_sequence(std::string_view s, size_t i) {
    auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = at(i);
    if (c < 0x80) return 1;
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 0;
    if (i + n > s.size()) return 0;
    if (at(i + 1) < lo || at(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
        if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
    return n;
}
} // namespace

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size();) {
        const char c = v[i];
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else if (size_t n = utf8_sequence(v, i); n == 0) {
            // A client-chosen name (group id, client software) that is not UTF-8 would make
            // the whole scrape unparsable; U+FFFD keeps the rest readable.
            out += "\xEF\xBF\xBD";
        } else {
            out.append(v.substr(i, n));
            i += n;
            continue;
        }
        ++i;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
    return fmt::format("{}", v); // shortest round-trip form
}

namespace {
std::string_view type_name(metric_type t) {
    switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
    }
    return "untyped";
}
} // namespace

void exposition::family(std::string_view name, metric_type type, std::string_view help) {
    name_ = name;
    if (keep_) families_.push_back({std::string(name), type, std::string(help), {}});
    // HELP escapes backslash and line feed (not quotes).
    std::string h;
    for (char c : help) {
        if (c == '\\') h += "\\\\";
        else if (c == '\n') h += "\\n";
        else h.push_back(c);
    }
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, h, name, type_name(type));
}

void exposition::write_labels(std::span<const label> labels, std::string_view extra_name, std::string_view extra_value) {
    if (labels.empty() && extra_name.empty()) return;
    out_ += '{';
    bool first = true;
    auto one = [&](std::string_view k, std::string_view v) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        out_ += escape_label_value(v);
        out_ += '"';
    };
    for (const auto& [k, v] : labels) one(k, v);
    if (!extra_name.empty()) one(extra_name, extra_value);
    out_ += '}';
}

void exposition::keep(std::span<const label> labels, double value, const histogram* h) {
    if (!keep_ || families_.empty()) return;
    sample_record r;
    for (const auto& [k, v] : labels) r.labels.emplace_back(std::string(k), std::string(v));
    r.value = value;
    if (h) r.hist = *h;
    families_.back().samples.push_back(std::move(r));
}

void exposition::sample(std::span<const label> labels, double value) {
    keep(labels, value, nullptr);
    out_ += name_;
    write_labels(labels);
    out_ += ' ';
    out_ += format_value(value);
    out_ += '\n';
}

void exposition::sample(std::initializer_list<label> labels, double value) {
    sample(std::span<const label>(labels.begin(), labels.size()), value);
}

void exposition::sample(std::span<const label> labels, const histogram& h) {
    keep(labels, 0, &h);
    const std::string base = name_;
    uint64_t cumulative = 0;
    auto counts = h.counts();
    auto bounds = h.bounds();
    for (size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += i < counts.size() ? counts[i] : 0;
        std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
        out_ += base;
        out_ += "_bucket";
        write_labels(labels, "le", le);
        fmt::format_to(std::back_inserter(out_), " {}\n", cumulative);
    }
    out_ += base + "_sum";
    write_labels(labels);
    out_ += ' ' + format_value(h.sum()) + '\n';
    out_ += base + "_count";
    write_labels(labels);
    fmt::format_to(std::back_inserter(out_), " {}\n", h.count());
}

void exposition::sample(std::initializer_list<label> labels, const histogram& h) {
    sample(std::span<const label>(labels.begin(), labels.size()), h);
}

} // namespace brook::http::metrics
