#pragma once
// Prometheus metrics: a fixed-bucket histogram to keep on a hot path, and the exposition
// that turns one scrape's families into the text format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// There is no global registry of live metric objects: whoever owns the numbers (a shard, a
// flusher) keeps plain integers and histograms, and a scrape visits the owners, merges their
// values and writes them into an `exposition`. So the hot path pays an increment, never an
// atomic or a lock.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brook::http::metrics {

enum class metric_type { counter, gauge, histogram };

// Cumulative-at-render histogram with fixed upper bounds (+Inf implied). A plain value owned
// by one thread; observe() is a bucket search and two adds. merge() needs equal bounds.
class histogram {
public:
    histogram() = default;
    explicit histogram(std::span<const double> upper_bounds);

    void observe(double v);
    // Adds `other`'s counts; a histogram with no bounds yet takes `other`'s bounds.
    void merge(const histogram& other);

    std::span<const double> bounds() const { return bounds_; }
    // Per-bucket (non-cumulative) counts; the last is the +Inf bucket.
    std::span<const uint64_t> counts() const { return counts_; }
    uint64_t count() const { return count_; }
    double sum() const { return sum_; }

private:
    std::vector<double> bounds_;
    std::vector<uint64_t> counts_; // bounds_.size() + 1
    uint64_t count_ = 0;
    double sum_ = 0;
};

// Bucket presets, in base units.
std::span<const double> latency_buckets_seconds(); // 100 us .. 10 s
std::span<const double> fsync_buckets_seconds();   // 50 us .. 2.5 s
std::span<const double> batch_size_buckets();      // 1 .. 1024, powers of 2

using label = std::pair<std::string_view, std::string_view>;

// One sample kept as data (owned strings), for encoders other than the text format
// (http/otlp.h). A histogram sample has `hist`; a counter or gauge sample has `value`.
struct sample_record {
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
    std::optional<histogram> hist;
};

struct family_record {
    std::string name;
    metric_type type = metric_type::gauge;
    std::string help;
    std::vector<sample_record> samples;
};

// One scrape's output. Families are written in the order they are begun; every sample
// belongs to the family begun last, so a family's samples stay together as the format
// requires. Names are trusted (code constants); label values are escaped here.
class exposition {
public:
    exposition() = default;
    // keep_families: also keep every family and sample as data (families()), for the OTLP
    // exporter; /metrics scrapes leave it off and pay only for the text.
    explicit exposition(bool keep_families) : keep_(keep_families) {}

    // Begins a family: # HELP and # TYPE lines. A family with no samples is still valid.
    void family(std::string_view name, metric_type type, std::string_view help);
    // A counter or gauge sample of the current family.
    void sample(std::initializer_list<label> labels, double value);
    void sample(std::span<const label> labels, double value);
    // A histogram sample of the current family: _bucket{le=...} (cumulative, +Inf last),
    // _sum and _count.
    void sample(std::span<const label> labels, const histogram& h);
    void sample(std::initializer_list<label> labels, const histogram& h);

    const std::string& text() const { return out_; }
    // Empty unless constructed with keep_families.
    const std::vector<family_record>& families() const { return families_; }
    std::string take() && { return std::move(out_); }

    static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
    void write_labels(std::span<const label> labels, std::string_view extra_name = {}, std::string_view extra_value = {});
    void keep(std::span<const label> labels, double value, const histogram* h);
    std::string name_;
    std::string out_;
    bool keep_ = false;
    std::vector<family_record> families_;
};

// Label value escaping of the text format: backslash, double quote and line feed; bytes
// that are not well-formed UTF-8 become U+FFFD (the format requires UTF-8).
std::string escape_label_value(std::string_view v);
// A float as the format writes it: integers without exponent, +Inf / -Inf / NaN spelled out.
std::string format_value(double v);

} // namespace brook::http::metrics
