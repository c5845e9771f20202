// A key-grouped worker's two stages (docs/sql-scale-out.md "Data flow"): stage 1 routes a
// source record to the repartition partition of its key group and broadcasts the source
// partition's watermark marks; stage 2 runs a key group's window operator over its routed rows
// and marks and writes what fires to the sink.
#include <algorithm>

#include "stream/job_common.h"
#include "stream/keyed_job.h"
#include "stream/state_codec.h"

namespace brook::stream::keyed {

// A source partition's mark to every key group, when it changed (or always with force).
std::optional<std::string> keyed_job::broadcast(int32_t p, bool force, int64_t now) {
    auto& s = sources_[p];
    const bool idle = src_.idle_timeout_ms > 0 && !s.finished && now - s.last_row_ms >= src_.idle_timeout_ms;
    source_mark m{p, s.watermark, idle, s.finished};
    if (!force && m.watermark == s.sent.watermark && m.idle == s.sent.idle && m.finished == s.sent.finished) return std::nullopt;
    const std::string v = encode_mark(m);
    for (int32_t g = 0; g < groups_n_; ++g) {
        client::record r;
        r.topic = repartition_;
        r.partition = g;
        r.value = v;
        if (auto e = send(std::move(r))) return e;
    }
    s.sent = m;
    return std::nullopt;
}

std::optional<std::string> keyed_job::finish_source(int32_t p, int64_t now) {
    auto& s = sources_[p];
    if (s.finished) return std::nullopt;
    s.finished = true;
    return broadcast(p, true, now);
}

// Stage 1: a source record becomes a routed row in the repartition partition of its key group.
std::optional<std::string> keyed_job::on_source(const client::record& rec, int64_t now) {
    auto& s = sources_[rec.partition];
    if (src_.bounded && rec.offset >= end_at_[rec.partition]) return finish_source(rec.partition, now);
    if (auto err = in_codec_->decode(rec, r_)) {
        if (!in_codec_->skips_bad_records())
            return "record " + rec.topic + "/" + std::to_string(rec.partition) + "@" + std::to_string(rec.offset) + ": " + *err +
                   in_codec_->bad_record_hint();
        ++skipped_;
    } else {
        std::optional<int64_t> wm;
        const bool routed = pl_.route(r_, routed_.ts, routed_.keys, routed_.args, wm);
        const bool was_idle = s.sent.idle;
        if (wm) s.watermark = std::max(s.watermark, *wm);
        s.last_row_ms = now;
        if (was_idle)
            if (auto e = broadcast(rec.partition, false, now)) return e; // active again
        if (routed) {
            std::string enc;
            for (const auto& k : routed_.keys) encode_key(k, enc);
            routed_.source_partition = rec.partition;
            routed_.source_watermark = s.watermark;
            if (!src_.late_topic.empty()) routed_.original = rec;
            else routed_.original.reset();
            client::record out;
            out.topic = repartition_;
            out.partition = key_group_of(enc, groups_n_);
            out.timestamp_ms = rec.timestamp_ms;
            out.key = std::move(enc);
            out.value = encode_routed_row(routed_);
            if (auto e = send(std::move(out))) return e;
        }
    }
    if (src_.bounded && rec.offset + 1 >= end_at_[rec.partition]) return finish_source(rec.partition, now);
    return std::nullopt;
}

std::optional<std::string> keyed_job::fire(int32_t, key_group& kg) {
    const int64_t wm = kg.clock.advance();
    kg.op.advance(wm, results_);
    return send_rows();
}

std::optional<std::string> keyed_job::send_rows() {
    pl_.emit_results(results_, rows_);
    client::record rec;
    for (const auto& r : rows_) {
        if (auto e = out_codec_->encode(r.values, r.is_delete, rec)) return "sink '" + plan_.sink.name + "': " + *e;
        if (auto e = send(std::move(rec))) return e;
    }
    rows_.clear();
    return std::nullopt;
}

// Stage 2: a routed row or mark of key group rec.partition.
std::optional<std::string> keyed_job::on_routed(const client::record& rec) {
    auto it = groups_.find(rec.partition);
    if (it == groups_.end()) return std::nullopt; // revoked while the fetch was under way
    auto& kg = *it->second;
    const char kind = rec.value ? decode_routed(*rec.value, routed_, mark_) : 0;
    if (kind == 'W') {
        kg.clock.on_mark(mark_);
        return fire(rec.partition, kg);
    }
    if (kind != 'D') return "record " + rec.topic + "/" + std::to_string(rec.partition) + "@" + std::to_string(rec.offset) +
                             " is not a brook sql repartition record";
    kg.op.process(routed_.ts, std::move(routed_.keys), routed_.args, results_, missed_);
    if (auto e = send_rows()) return e;
    if (!missed_.empty()) {
        pl_.count_late();
        if (routed_.original && !src_.late_topic.empty())
            if (auto e = send(late_record(*routed_.original, src_.late_topic, missed_, kg.op.watermark()))) return e;
    }
    kg.clock.on_row(routed_.source_partition, routed_.source_watermark);
    return fire(rec.partition, kg);
}

} // namespace brook::stream::keyed
