#include "connect/postgres/snapshot.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace brook::connect::pg {

namespace {

// One primary-key range of one table: lower bound inclusive, upper bound exclusive, each
// absent at the ends.
struct chunk {
    size_t table = 0;
    std::optional<std::vector<std::string>> lo, hi;
};

status import_snapshot(connection& c, const std::string& name) {
    if (auto r = c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r)
        return runtime_error("snapshot: BEGIN: " + r.err().message);
    if (auto r = c.exec("SET TRANSACTION SNAPSHOT " + c.quote_literal(name)); !r)
        return runtime_error("snapshot: importing snapshot " + name + ": " + r.err().message);
    return done{};
}

std::string key_list(connection& c, const table_info& t) {
    std::string s;
    for (size_t k : t.key) s += (s.empty() ? "" : ", ") + c.quote_ident(t.columns[k].name);
    return s;
}

std::string qualified(connection& c, const table_info& t) { return c.quote_ident(t.schema) + "." + c.quote_ident(t.name); }

// Split points every fetch_size rows in primary-key order, read inside the snapshot.
expected<std::vector<chunk>> plan(connection& c, const std::vector<table_info>& tables, int fetch_size) {
    std::vector<chunk> out;
    for (size_t ti = 0; ti < tables.size(); ++ti) {
        const auto& t = tables[ti];
        const std::string keys = key_list(c, t);
        auto r = c.exec("SELECT " + keys + " FROM (SELECT " + keys + ", row_number() OVER (ORDER BY " + keys +
                        ") AS brook_rn FROM " + qualified(c, t) + ") s WHERE brook_rn % " + std::to_string(fetch_size) +
                        " = 1 AND brook_rn > 1 ORDER BY " + keys);
        if (!r) return runtime_error("snapshot: planning chunks of " + t.qualified() + ": " + r.err().message);
        std::optional<std::vector<std::string>> prev;
        for (int i = 0; i < r->rows(); ++i) {
            std::vector<std::string> bound;
            for (int k = 0; k < r->columns(); ++k) bound.push_back(r->get(i, k));
            out.push_back({ti, prev, bound});
            prev = std::move(bound);
        }
        out.push_back({ti, prev, std::nullopt});
    }
    return out;
}

class record_queue {
public:
    explicit record_queue(size_t max_batches) : max_(max_batches) {}
    void push(std::vector<client::record> batch) {
        std::unique_lock l(m_);
        not_full_.wait(l, [&] { return q_.size() < max_ || stopped_; });
        q_.push_back(std::move(batch));
        not_empty_.notify_one();
    }
    // nullopt when every producer finished and the queue drained.
    std::optional<std::vector<client::record>> pop() {
        std::unique_lock l(m_);
        not_empty_.wait(l, [&] { return !q_.empty() || producers_ == 0; });
        if (q_.empty()) return std::nullopt;
        auto b = std::move(q_.front());
        q_.pop_front();
        not_full_.notify_one();
        return b;
    }
    void producer_done() {
        std::lock_guard l(m_);
        --producers_;
        not_empty_.notify_all();
    }
    void stop() { // the consumer gave up: unblock producers
        std::lock_guard l(m_);
        stopped_ = true;
        not_full_.notify_all();
    }
    bool stopped() {
        std::lock_guard l(m_);
        return stopped_;
    }
    void set_producers(int n) { producers_ = n; }

private:
    std::mutex m_;
    std::condition_variable not_full_, not_empty_;
    std::deque<std::vector<client::record>> q_;
    size_t max_;
    int producers_ = 0;
    bool stopped_ = false;
};

} // namespace

expected<snapshot_stats> run_snapshot(const cdc_options& o, const std::string& db, const std::string& snapshot_name,
                                      const std::vector<table_info>& tables, const source_position& position,
                                      const std::function<status(client::record&&)>& sink,
                                      const avro_catalog* avro, snapshot_progress* progress) {
    const auto t0 = std::chrono::steady_clock::now();
    // Every worker imports the snapshot before any of them starts, and before the caller's
    // replication session runs another command (which would end the export).
    const int workers = std::max(1, o.snapshot_threads);
    std::vector<connection> conns;
    for (int i = 0; i < workers + 1; ++i) {
        auto c = connection::open(o.dsn, false);
        if (!c) return c.err();
        if (auto s = import_snapshot(*c, snapshot_name); !s) return s.err();
        conns.push_back(std::move(*c));
    }
    auto chunks = plan(conns.back(), tables, o.snapshot_fetch_size);
    if (!chunks) return chunks.err();

    std::atomic<size_t> next{0};
    std::vector<std::atomic<int64_t>> counts(tables.size());
    record_queue queue(static_cast<size_t>(workers) * 2);
    queue.set_producers(workers);
    std::mutex fail_m;
    std::optional<failure> worker_failure;

    auto work = [&](connection& c) {
        encoder enc(o, db, avro);
        for (;;) {
            if (queue.stopped()) break;
            const size_t i = next.fetch_add(1);
            if (i >= chunks->size()) break;
            const chunk& ch = (*chunks)[i];
            const table_info& t = tables[ch.table];
            std::string cols;
            for (const auto& col : t.columns) cols += (cols.empty() ? "" : ", ") + c.quote_ident(col.name);
            std::string sql = "SELECT " + cols + " FROM " + qualified(c, t);
            std::vector<std::optional<std::string>> params;
            std::vector<uint32_t> types;
            const std::string keys = "(" + key_list(c, t) + ")";
            auto bound = [&](const std::vector<std::string>& b) {
                std::string row = "(";
                for (size_t k = 0; k < b.size(); ++k) {
                    params.emplace_back(b[k]);
                    types.push_back(t.columns[t.key[k]].type_oid);
                    row += (k ? ", $" : "$") + std::to_string(params.size());
                }
                return row + ")";
            };
            std::string where;
            if (ch.lo) where += keys + " >= " + bound(*ch.lo);
            if (ch.hi) where += (where.empty() ? "" : " AND ") + keys + " < " + bound(*ch.hi);
            if (!where.empty()) sql += " WHERE " + where;
            auto r = c.exec_params(sql, params, types);
            if (!r) {
                std::lock_guard l(fail_m);
                worker_failure = runtime_error("snapshot of " + t.qualified() + ": " + r.err().message);
                queue.stop();
                break;
            }
            std::vector<client::record> batch;
            batch.reserve(static_cast<size_t>(r->rows()));
            tuple row(t.columns.size());
            for (int ri = 0; ri < r->rows(); ++ri) {
                for (size_t ci = 0; ci < t.columns.size(); ++ci) {
                    if (r->null(ri, static_cast<int>(ci))) {
                        row[ci].kind = tuple_value::null;
                    } else {
                        row[ci].kind = tuple_value::text;
                        row[ci].data = r->get(ri, static_cast<int>(ci));
                    }
                }
                auto rec = enc.change(t, 'r', nullptr, &row, position, nullptr);
                if (!rec) {
                    std::lock_guard l(fail_m);
                    worker_failure = rec.err();
                    queue.stop();
                    break;
                }
                batch.push_back(std::move(*rec));
            }
            if (queue.stopped()) break;
            counts[ch.table] += r->rows();
            if (progress) progress->rows[ch.table] += r->rows();
            queue.push(std::move(batch));
        }
        queue.producer_done();
    };

    std::vector<std::jthread> threads;
    for (int i = 0; i < workers; ++i) threads.emplace_back([&, i] { work(conns[static_cast<size_t>(i)]); });

    // The calling thread produces. The last record is held back one step so it can be marked
    // snapshot "last" as Debezium marks it.
    std::optional<client::record> held;
    std::optional<failure> sink_failure;
    auto last_progress = std::chrono::steady_clock::now();
    while (auto batch = queue.pop()) {
        if (o.progress && std::chrono::steady_clock::now() - last_progress >= std::chrono::seconds(5)) {
            last_progress = std::chrono::steady_clock::now();
            std::string line;
            for (size_t i = 0; i < tables.size(); ++i)
                line += (i ? ", " : "") + tables[i].qualified() + " " + std::to_string(counts[i].load());
            std::fprintf(stderr, "cdc: snapshot in progress: %s rows\n", line.c_str());
        }
        for (auto& r : *batch) {
            if (held && !sink_failure)
                if (auto s = sink(std::move(*held)); !s) {
                    sink_failure = s.err();
                    queue.stop();
                }
            held = std::move(r);
        }
    }
    threads.clear(); // joins
    if (worker_failure) return *worker_failure;
    if (sink_failure) return *sink_failure;
    if (held) {
        encoder(o, db, avro).mark_last(*held); // source.snapshot "last", as Debezium marks it
        if (auto s = sink(std::move(*held)); !s) return s.err();
    }
    snapshot_stats st;
    for (size_t i = 0; i < tables.size(); ++i) {
        st.rows_per_table.emplace_back(tables[i].qualified(), counts[i].load());
        st.rows += counts[i].load();
    }
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& c : conns) (void)c.exec("COMMIT");
    return st;
}

} // namespace brook::connect::pg
