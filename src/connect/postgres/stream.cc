#include "connect/postgres/stream.h"

#include <chrono>
#include <cstdio>
#include <set>

namespace brook::connect::pg {

namespace {

using clock = std::chrono::steady_clock;
// How long the stream must be silent before an open batch is committed early.
constexpr std::chrono::milliseconds quiet{20};

bool same_key(const table_info& t, const tuple& a, const tuple& b) {
    for (size_t k : t.key) {
        if (k >= a.size() || k >= b.size()) return false;
        if (a[k].kind != b[k].kind || a[k].data != b[k].data) return false;
    }
    return true;
}

class streamer {
public:
    streamer(stream_context& c, lsn stored) : c_(c), enc_(c.o, c.db, c.avro), stored_(stored) {}

    status run() {
        auto last_progress = clock::now();
        auto last_idle_store = clock::now();
        for (;;) {
            if (c_.stop.load()) return finish();
            // With whole transactions waiting, a short silence means the stream has caught up:
            // commit then rather than after the full poll interval (latency); while messages
            // keep coming, batch up to poll.interval.ms / max.batch.size (throughput).
            auto wait = std::chrono::milliseconds(200);
            if (batch_txns_ > 0 && !in_txn_) {
                const auto left = std::chrono::milliseconds(c_.o.poll_interval_ms) -
                                  std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - batch_start_);
                wait = std::max(std::chrono::milliseconds(0), std::min(quiet, left));
            }
            auto m = c_.repl.next(wait);
            if (!m) return m.err();
            if (*m) {
                if (auto s = handle(**m); !s) return s;
            } else if (batch_txns_ > 0 && !in_txn_) {
                if (auto s = commit_batch(); !s) return s; // the stream went quiet
            }
            if (batch_txns_ > 0 && !in_txn_ &&
                (c_.writer.records_in_transaction() >= c_.o.max_batch_size ||
                 clock::now() - batch_start_ >= std::chrono::milliseconds(c_.o.poll_interval_ms)))
                if (auto s = commit_batch(); !s) return s;
            // Nothing in flight: store and confirm the keepalive position.
            if (batch_txns_ == 0 && !in_txn_ && c_.repl.keepalive_end() > stored_ &&
                clock::now() - last_idle_store >= std::chrono::milliseconds(c_.o.status_update_interval_ms)) {
                last_idle_store = clock::now();
                if (auto s = store(c_.repl.keepalive_end()); !s) return s;
            }
            if (c_.o.progress && clock::now() - last_progress >= std::chrono::seconds(5)) {
                last_progress = clock::now();
                const lsn end = std::max(c_.repl.keepalive_end(), last_seen_);
                std::fprintf(stderr, "cdc: streaming: %lld changes committed, confirmed %s, lag %llu bytes\n",
                             static_cast<long long>(changes_), format_lsn(c_.repl.confirmed()).c_str(),
                             static_cast<unsigned long long>(end > c_.repl.confirmed() ? end - c_.repl.confirmed() : 0));
            }
        }
    }

private:
    status finish() {
        if (in_txn_) {
            c_.writer.abort(); // a partial Postgres transaction never commits; it comes again
            batch_txns_ = 0;
            return done{};
        }
        if (batch_txns_ > 0) return commit_batch();
        return done{};
    }

    status store(lsn at) {
        if (auto s = c_.writer.commit({false, at}); !s) return s;
        stored_ = at;
        c_.repl.confirm(at);
        return c_.repl.send_status();
    }

    status commit_batch() {
        if (auto s = store(batch_end_); !s) return s;
        changes_ += batch_changes_;
        if (c_.committed_changes) c_.committed_changes->fetch_add(batch_changes_);
        batch_changes_ = 0;
        batch_txns_ = 0;
        return done{};
    }

    status emit(expected<client::record>&& r) {
        if (!r) return r.err();
        ++batch_changes_;
        ++sent_in_txn_;
        return c_.writer.send(std::move(*r));
    }

    // Sends a transaction metadata record (not counted as a change).
    status send_meta(expected<client::record>&& r) {
        if (!r) return r.err();
        ++sent_in_txn_;
        return c_.writer.send(std::move(*r));
    }

    // A Relation the registry refuses: nothing of the open Postgres transaction may commit.
    // Whole transactions before it still do when none of this one's records went in yet (the
    // Kafka transaction cannot drop part of itself); otherwise they come again after a restart.
    status refuse(failure f) {
        if (in_txn_ && sent_in_txn_ == 0 && batch_txns_ > 0) {
            if (auto s = commit_batch(); !s) return s;
        } else if (c_.writer.open()) {
            c_.writer.abort();
        }
        batch_txns_ = 0;
        return f;
    }

    const table_info* table(uint32_t oid) {
        auto it = by_oid_.find(oid);
        return it == by_oid_.end() ? nullptr : &it->second;
    }

    status on_relation(const relation_msg& rel) {
        // A publication shared with other tables: only those named by --tables are captured.
        if (!c_.o.tables.empty() && !c_.tables.count(rel.nspname + "." + rel.relname)) {
            ignored_.insert(rel.oid);
            return done{};
        }
        ignored_.erase(rel.oid);
        auto t = load_relation(c_.meta, rel, c_.o.decimal);
        if (!t) return runtime_error("table " + rel.nspname + "." + rel.relname + " changed: " + t.err().message);
        const bool known = c_.tables.count(t->qualified()) != 0;
        if (!known)
            if (auto s = c_.new_table(*t); !s) return s;
        if (c_.avro) {
            const table_info* before = table(rel.oid);
            if (!before && known) before = &c_.tables[t->qualified()];
            if (auto s = c_.avro->ensure(enc_.topic(*t), *t, before); !s) return refuse(s.err());
        }
        c_.tables[t->qualified()] = *t;
        enc_.forget(rel.oid);
        by_oid_[rel.oid] = std::move(*t);
        return done{};
    }

    source_position position(lsn at) const {
        source_position p;
        p.snapshot = "false";
        p.ts_ms = pg_us_to_unix_ms(begin_.commit_ts);
        p.xid = begin_.xid;
        p.at = at;
        if (last_commit_) p.last_commit = last_commit_;
        return p;
    }

    txn_block* block(const table_info& t) {
        if (!c_.o.provide_transaction_metadata) return nullptr;
        block_.total_order = ++total_order_;
        block_.data_collection_order = ++per_table_[t.qualified()];
        return &block_;
    }

    static uint32_t rel_of(const message& m) {
        if (auto* i = std::get_if<insert_msg>(&m)) return i->rel;
        if (auto* u = std::get_if<update_msg>(&m)) return u->rel;
        if (auto* d = std::get_if<delete_msg>(&m)) return d->rel;
        return 0;
    }

    status on_change(const wal_message& w, const message& m) {
        if (ignored_.count(rel_of(m))) return done{};
        if (std::holds_alternative<insert_msg>(m)) {
            const auto& i = std::get<insert_msg>(m);
            const auto* t = table(i.rel);
            if (!t) return runtime_error("insert into unknown relation " + std::to_string(i.rel));
            return emit(enc_.change(*t, 'c', nullptr, &i.new_tuple, position(w.start), block(*t)));
        }
        if (std::holds_alternative<update_msg>(m)) {
            const auto& u = std::get<update_msg>(m);
            const auto* t = table(u.rel);
            if (!t) return runtime_error("update of unknown relation " + std::to_string(u.rel));
            if (u.old_kind != 0 && !same_key(*t, u.old_tuple, u.new_tuple)) {
                // A primary-key change: Debezium's delete + tombstone + create.
                if (auto s = emit(enc_.change(*t, 'd', &u.old_tuple, nullptr, position(w.start), block(*t))); !s) return s;
                if (c_.o.tombstones_on_delete)
                    if (auto s = emit(enc_.tombstone(*t, u.old_tuple)); !s) return s;
                return emit(enc_.change(*t, 'c', nullptr, &u.new_tuple, position(w.start), block(*t)));
            }
            const tuple* before = u.old_kind == 'O' ? &u.old_tuple : nullptr;
            return emit(enc_.change(*t, 'u', before, &u.new_tuple, position(w.start), block(*t)));
        }
        if (std::holds_alternative<delete_msg>(m)) {
            const auto& d = std::get<delete_msg>(m);
            const auto* t = table(d.rel);
            if (!t) return runtime_error("delete from unknown relation " + std::to_string(d.rel));
            if (auto s = emit(enc_.change(*t, 'd', &d.old_tuple, nullptr, position(w.start), block(*t))); !s) return s;
            if (c_.o.tombstones_on_delete) return emit(enc_.tombstone(*t, d.old_tuple));
            return done{};
        }
        if (std::holds_alternative<truncate_msg>(m)) {
            if (c_.o.skip_truncate) return done{};
            for (uint32_t rel : std::get<truncate_msg>(m).rels)
                if (const auto* t = table(rel))
                    if (auto s = emit(enc_.truncate(*t, position(w.start), block(*t))); !s) return s;
        }
        return done{};
    }

    status handle(const wal_message& w) {
        auto m = decode(w.payload);
        if (!m) return m.err();
        last_seen_ = std::max(last_seen_, w.start);
        if (auto* b = std::get_if<begin_msg>(&*m)) {
            begin_ = *b;
            in_txn_ = true;
            // Already in the topics when its commit record starts before the stored end.
            skipping_ = b->final_lsn < stored_;
            if (!skipping_) {
                if (batch_txns_ == 0) batch_start_ = clock::now();
                total_order_ = 0;
                per_table_.clear();
                block_.id = std::to_string(b->xid) + ":" + std::to_string(b->final_lsn);
                sent_in_txn_ = 0;
                if (c_.o.provide_transaction_metadata)
                    if (auto s = send_meta(enc_.txn_begin(block_.id, pg_us_to_unix_ms(b->commit_ts))); !s) return s;
            }
            return done{};
        }
        if (auto* cm = std::get_if<commit_msg>(&*m)) {
            in_txn_ = false;
            if (skipping_) {
                skipping_ = false;
                return done{};
            }
            if (c_.o.provide_transaction_metadata) {
                std::vector<std::pair<std::string, int64_t>> cols(per_table_.begin(), per_table_.end());
                if (auto s = send_meta(enc_.txn_end(block_.id, pg_us_to_unix_ms(cm->commit_ts), total_order_, cols)); !s)
                    return s;
            }
            last_commit_ = cm->commit_lsn;
            batch_end_ = cm->end_lsn;
            ++batch_txns_;
            return done{};
        }
        if (auto* rel = std::get_if<relation_msg>(&*m)) return on_relation(*rel);
        if (std::holds_alternative<type_msg>(*m) || std::holds_alternative<origin_msg>(*m)) return done{};
        if (skipping_) return done{};
        return on_change(w, *m);
    }

    stream_context& c_;
    encoder enc_;
    lsn stored_;
    std::map<uint32_t, table_info> by_oid_;
    std::set<uint32_t> ignored_; // relations of the publication outside --tables
    begin_msg begin_;
    bool in_txn_ = false;
    bool skipping_ = false;
    std::optional<lsn> last_commit_;
    lsn last_seen_ = 0;
    // The open Kafka transaction's whole Postgres transactions.
    int batch_txns_ = 0;
    int64_t batch_changes_ = 0;
    lsn batch_end_ = 0;
    clock::time_point batch_start_{};
    int64_t changes_ = 0;
    int64_t sent_in_txn_ = 0; // records of the open Postgres transaction sent so far
    txn_block block_;
    int64_t total_order_ = 0;
    std::map<std::string, int64_t> per_table_;
};

} // namespace

status stream_changes(stream_context& ctx, lsn stored) {
    streamer s(ctx, stored);
    return s.run();
}

} // namespace brook::connect::pg
