#include "stream/pipeline.h"

namespace brook::stream {

pipeline::pipeline(const job_plan& plan) : plan_(plan), tracker_(plan.source.kafka.idle_timeout_ms) {
    if (plan.windowed) op_ = std::make_unique<window_operator>(plan.spec, plan.aggs, plan.emit_changes);
}

int64_t pipeline::watermark() const { return tracker_.current(); }

void pipeline::add_partition(int32_t p, int64_t now_ms) { tracker_.add_partition(p, now_ms); }

void pipeline::project(std::span<const value> in, bool is_delete, std::vector<sink_row>& out) {
    sink_row r;
    r.values.resize(plan_.sink.columns.size());
    r.is_delete = is_delete;
    for (size_t i = 0; i < plan_.output.size(); ++i) {
        const auto& col = plan_.sink.columns[size_t(plan_.sink_slots[i])];
        r.values[size_t(plan_.sink_slots[i])] = cast_value(eval(plan_.output[i], in), col.type);
    }
    ++stats_.rows_out;
    out.push_back(std::move(r));
}

void pipeline::emit(std::vector<window_result>& results, std::vector<sink_row>& out) {
    for (auto& wr : results) {
        ctx_.clear();
        for (auto& k : wr.keys) ctx_.push_back(k);
        ctx_.push_back(timestamp_ms{wr.w.start});
        ctx_.push_back(timestamp_ms{wr.w.end});
        ctx_.push_back(timestamp_ms{wr.w.max_timestamp()});
        if (wr.is_delete) ctx_.resize(ctx_.size() + plan_.aggs.size());
        else for (auto& a : wr.aggs) ctx_.push_back(a);
        bool is_delete = wr.is_delete;
        if (!is_delete && plan_.having && !eval_true(*plan_.having, ctx_)) {
            // A final result that fails HAVING is not written; an update that no longer
            // passes takes back the row an earlier update may have written.
            if (!plan_.emit_changes) continue;
            is_delete = true;
        }
        project(ctx_, is_delete, out);
    }
    results.clear();
}

void pipeline::advance(int64_t now_ms, std::vector<sink_row>& out) {
    if (const int64_t every = plan_.watermark_interval_ms; every > 0) {
        // Flink's periodic emission (pipeline.auto-watermark-interval): the job's watermark
        // moves only every `every` ms of processing time.
        if (last_emit_ms_ < 0) last_emit_ms_ = now_ms;
        if (now_ms - last_emit_ms_ < every) return;
        last_emit_ms_ = now_ms;
    }
    int64_t wm = tracker_.advance(now_ms);
    if (op_) {
        op_->advance(wm, results_);
        emit(results_, out);
    }
}

std::vector<window> pipeline::on_row(int32_t p, row& r, int64_t now_ms, std::vector<sink_row>& out) {
    ++stats_.records_in;
    const auto& cols = plan_.source.columns;
    for (size_t i = 0; i < cols.size(); ++i)
        if (cols[i].computed) r[i] = eval(*cols[i].computed, r);
    std::vector<window> missed;
    // Rows without a time (NULL rowtime) cannot be placed in event time: dropped, as Flink's
    // window TVF operator drops them (its numNullRowTimeRecordsDropped), and counted as filtered.
    const value* rowtime = plan_.source.rowtime >= 0 ? &r[size_t(plan_.source.rowtime)] : nullptr;
    if (rowtime && !std::holds_alternative<timestamp_ms>(*rowtime)) {
        ++stats_.filtered_out;
        return missed;
    }
    if (plan_.window_rows) {
        assign_windows(plan_.spec, std::get<timestamp_ms>(*rowtime).ms, windows_);
        bool any = false;
        for (const auto& w : windows_) {
            ctx_.assign(r.begin(), r.end());
            ctx_.push_back(timestamp_ms{w.start});
            ctx_.push_back(timestamp_ms{w.end});
            ctx_.push_back(timestamp_ms{w.max_timestamp()});
            if (plan_.where && !eval_true(*plan_.where, ctx_)) continue;
            any = true;
            project(ctx_, false, out);
        }
        if (!any) ++stats_.filtered_out;
    } else if (plan_.where && !eval_true(*plan_.where, r)) {
        ++stats_.filtered_out;
    } else if (!op_) {
        project(r, false, out);
    } else {
        std::vector<value> keys;
        keys.reserve(plan_.keys.size());
        for (const auto& k : plan_.keys) keys.push_back(eval(k, r));
        agg_args_.clear();
        for (const auto& a : plan_.agg_args) agg_args_.push_back(eval(a, r));
        op_->process(std::get<timestamp_ms>(*rowtime).ms, std::move(keys), agg_args_, results_, missed);
        emit(results_, out);
        if (!missed.empty()) ++stats_.late_rows;
    }
    // The row is processed against the watermark that preceded it; its own contribution
    // moves the watermark afterwards (Flink emits watermarks after the rows they follow).
    if (plan_.source.watermark) {
        auto w = eval(*plan_.source.watermark, r);
        if (auto* t = std::get_if<timestamp_ms>(&w)) tracker_.on_row(p, t->ms, now_ms);
    }
    advance(now_ms, out);
    return missed;
}

bool pipeline::route(row& r, int64_t& ts, std::vector<value>& keys, std::vector<value>& args, std::optional<int64_t>& wm_candidate) {
    ++stats_.records_in;
    wm_candidate.reset();
    const auto& cols = plan_.source.columns;
    for (size_t i = 0; i < cols.size(); ++i)
        if (cols[i].computed) r[i] = eval(*cols[i].computed, r);
    const value& rowtime = r[size_t(plan_.source.rowtime)];
    if (!std::holds_alternative<timestamp_ms>(rowtime)) {
        ++stats_.filtered_out;
        return false;
    }
    if (plan_.source.watermark) {
        auto w = eval(*plan_.source.watermark, r);
        if (auto* t = std::get_if<timestamp_ms>(&w)) wm_candidate = t->ms;
    }
    if (plan_.where && !eval_true(*plan_.where, r)) {
        ++stats_.filtered_out;
        return false;
    }
    ts = std::get<timestamp_ms>(rowtime).ms;
    keys.clear();
    for (const auto& k : plan_.keys) keys.push_back(eval(k, r));
    args.clear();
    for (const auto& a : plan_.agg_args) args.push_back(eval(a, r));
    return true;
}

void pipeline::on_tick(int64_t now_ms, std::vector<sink_row>& out) { advance(now_ms, out); }

void pipeline::finish_partition(int32_t p, int64_t now_ms, std::vector<sink_row>& out) {
    tracker_.finish_partition(p);
    advance(now_ms, out);
}

void pipeline::end_of_input(std::vector<sink_row>& out) {
    if (op_) {
        op_->advance(end_of_time, results_);
        emit(results_, out);
    }
}

} // namespace brook::stream
