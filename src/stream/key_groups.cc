#include "stream/key_groups.h"

#include <algorithm>
#include <cstring>

#include "stream/state_codec.h"
#include "stream/watermark.h"

namespace brook::stream {
namespace {

void put_str(std::string& out, const std::optional<std::string>& s) {
    put_i64(out, s ? int64_t(s->size()) : -1);
    if (s) out += *s;
}

bool get_str(std::string_view& in, std::optional<std::string>& s) {
    int64_t n;
    if (!get_i64(in, n) || n < -1 || (n >= 0 && in.size() < size_t(n))) return false;
    if (n < 0) s.reset();
    else {
        s.emplace(in.substr(0, size_t(n)));
        in.remove_prefix(size_t(n));
    }
    return true;
}

void put_record(std::string& out, const client::record& r) {
    put_str(out, r.topic);
    put_i64(out, r.partition);
    put_i64(out, r.offset);
    put_i64(out, r.timestamp_ms);
    put_str(out, r.key);
    put_str(out, r.value);
    put_i64(out, int64_t(r.headers.size()));
    for (const auto& h : r.headers) {
        put_str(out, h.key);
        put_str(out, h.value);
    }
}

bool get_record(std::string_view& in, client::record& r) {
    std::optional<std::string> topic;
    int64_t part, n;
    if (!get_str(in, topic) || !topic || !get_i64(in, part) || !get_i64(in, r.offset) || !get_i64(in, r.timestamp_ms) ||
        !get_str(in, r.key) || !get_str(in, r.value) || !get_i64(in, n) || n < 0 || size_t(n) > in.size())
        return false;
    r.topic = std::move(*topic);
    r.partition = int32_t(part);
    for (int64_t i = 0; i < n; ++i) {
        std::optional<std::string> k;
        client::header h;
        if (!get_str(in, k) || !k || !get_str(in, h.value)) return false;
        h.key = std::move(*k);
        r.headers.push_back(std::move(h));
    }
    return true;
}

} // namespace

int32_t key_group_of(std::string_view encoded_key, int32_t groups) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : encoded_key) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return int32_t(h % uint64_t(groups));
}

std::string encode_routed_row(const routed_row& r) {
    std::string out = "D";
    put_i64(out, r.ts);
    put_i64(out, r.source_partition);
    put_i64(out, r.source_watermark);
    put_values(out, r.keys);
    put_values(out, r.args);
    out.push_back(r.original ? 1 : 0);
    if (r.original) put_record(out, *r.original);
    return out;
}

std::string encode_mark(const source_mark& m) {
    std::string out = "W";
    put_i64(out, m.partition);
    put_i64(out, m.watermark);
    out.push_back(char((m.idle ? 1 : 0) | (m.finished ? 2 : 0)));
    return out;
}

char decode_routed(std::string_view in, routed_row& row, source_mark& mark) {
    if (in.empty()) return 0;
    const char kind = in[0];
    in.remove_prefix(1);
    int64_t p;
    if (kind == 'W') {
        if (!get_i64(in, p) || !get_i64(in, mark.watermark) || in.size() != 1) return 0;
        mark.partition = int32_t(p);
        mark.idle = (in[0] & 1) != 0;
        mark.finished = (in[0] & 2) != 0;
        return 'W';
    }
    if (kind != 'D') return 0;
    row.keys.clear();
    row.args.clear();
    row.original.reset();
    if (!get_i64(in, row.ts) || !get_i64(in, p) || !get_i64(in, row.source_watermark) || !get_values(in, row.keys) ||
        !get_values(in, row.args) || in.empty())
        return 0;
    row.source_partition = int32_t(p);
    const bool has_original = in[0] != 0;
    in.remove_prefix(1);
    if (has_original) {
        row.original.emplace();
        if (!get_record(in, *row.original)) return 0;
    }
    return in.empty() ? 'D' : 0;
}

key_group_clock::key_group_clock(int32_t source_partitions)
    : parts_(size_t(std::max(0, source_partitions)), part{no_watermark}), current_(no_watermark) {}

void key_group_clock::on_row(int32_t p, int64_t watermark) {
    if (p < 0 || size_t(p) >= parts_.size()) return;
    auto& x = parts_[size_t(p)];
    x.watermark = std::max(x.watermark, watermark);
    x.idle = false;
    changed_ = true;
}

void key_group_clock::on_mark(const source_mark& m) {
    if (m.partition < 0 || size_t(m.partition) >= parts_.size()) return;
    auto& x = parts_[size_t(m.partition)];
    x.watermark = std::max(x.watermark, m.watermark);
    x.idle = m.idle;
    x.finished = x.finished || m.finished;
    changed_ = true;
}

bool key_group_clock::all_finished() const {
    return std::all_of(parts_.begin(), parts_.end(), [](const part& x) { return x.finished; });
}

int64_t key_group_clock::advance() {
    bool any_active = false, any_open = false;
    int64_t low = end_of_time, high = no_watermark;
    for (const auto& x : parts_) {
        if (x.finished) continue;
        any_open = true;
        high = std::max(high, x.watermark);
        if (x.idle) continue;
        any_active = true;
        low = std::min(low, x.watermark);
    }
    int64_t next = any_active ? low : any_open ? high : end_of_time;
    if (next > current_) {
        current_ = next;
        changed_ = true;
    }
    return current_;
}

std::string key_group_clock::encode() const {
    std::string out;
    put_i64(out, current_);
    put_i64(out, int64_t(parts_.size()));
    for (const auto& x : parts_) {
        put_i64(out, x.watermark);
        out.push_back(char((x.idle ? 1 : 0) | (x.finished ? 2 : 0)));
    }
    return out;
}

bool key_group_clock::decode(std::string_view in) {
    int64_t cur, n;
    if (!get_i64(in, cur) || !get_i64(in, n) || n != int64_t(parts_.size())) return false;
    for (auto& x : parts_) {
        if (!get_i64(in, x.watermark) || in.empty()) return false;
        x.idle = (in[0] & 1) != 0;
        x.finished = (in[0] & 2) != 0;
        in.remove_prefix(1);
    }
    current_ = cur;
    return in.empty();
}

} // namespace brook::stream
