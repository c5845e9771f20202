#include "connect/postgres/source.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>

#include "client/admin.h"
#include "connect/postgres/avro_schemas.h"
#include "connect/postgres/catalog.h"
#include "connect/postgres/metrics.h"
#include "connect/postgres/offsets.h"
#include "connect/postgres/pg_conn.h"
#include "connect/postgres/replication.h"
#include "connect/postgres/snapshot.h"
#include "connect/postgres/stream.h"
#include "connect/postgres/txn_writer.h"

namespace brook::connect::pg {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_cdc_stop_signal(int) { g_stop.store(true); }

constexpr int kafka_timeout_ms = 15000;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct slot_state {
    lsn confirmed = 0;
    std::string wal_status;
};

class source {
public:
    explicit source(const cdc_options& o) : o_(o), offsets_(o.offsets_topic, o.prefix, o.slot_name) {}

    status run() {
        auto meta = connection::open(o_.dsn, false);
        if (!meta) return meta.err();
        meta_.emplace(std::move(*meta));
        if (auto s = check_server(); !s) return s;
        if (!o_.metrics_addr.empty()) {
            auto m = metrics_endpoint::start(o_, figures_);
            if (!m) return m.err();
            metrics_ = std::move(*m);
            if (o_.progress) std::fprintf(stderr, "cdc: metrics on http://%s/metrics\n", o_.metrics_addr.c_str());
        }
        if (auto s = check_kafka(); !s) return s;
        auto tables = load_tables(*meta_, o_.tables, o_.publication_name, o_.decimal);
        if (!tables) return tables.err();
        tables_ = std::move(*tables);
        warn_toast();
        if (o_.snapshot != snapshot_mode::initial_only)
            if (auto s = ensure_publication(); !s) return s;
        if (auto s = create_topics(); !s) return s;
        if (auto s = register_schemas(); !s) return s;
        auto w = txn_writer::create(o_, offsets_);
        if (!w) return w.err();
        writer_.emplace(std::move(*w));
        std::vector<std::string> topics{o_.offsets_topic};
        for (const auto& t : tables_) topics.push_back(topic_of(t));
        if (o_.provide_transaction_metadata) topics.push_back(o_.transaction_topic);
        if (auto s = writer_->prepare_topics(topics); !s) return s;

        if (o_.snapshot == snapshot_mode::initial_only) return snapshot_only();

        auto repl = replication_session::open(o_.dsn, std::chrono::milliseconds(o_.status_update_interval_ms));
        if (!repl) return repl.err();
        auto stored = offsets_.read(o_.brokers, kafka_timeout_ms);
        if (!stored) return stored.err();
        auto slot = read_slot();
        if (!slot) return slot.err();

        std::optional<lsn> from;
        if (auto s = decide(*stored, *slot, *repl, from); !s) return s;
        if (!from) {
            auto start = fresh_start(*repl);
            if (!start && g_stop.load()) return done{}; // stopped in the snapshot: aborted, resumable
            if (!start) return start.err();
            from = *start;
        }
        figures_.snapshot_done.store(true);
        if (g_stop.load()) return done{};
        if (auto s = repl->start(o_.slot_name, o_.publication_name, *from); !s) return s;
        if (o_.progress) std::fprintf(stderr, "cdc: streaming from %s (slot %s)\n", format_lsn(*from).c_str(), o_.slot_name.c_str());
        stream_context ctx{o_, db_, *meta_, *writer_, *repl, {}, g_stop,
                           [this](const table_info& t) -> status {
                               if (auto s = create_topic(topic_of(t), false); !s) return s;
                               return writer_->prepare_topics({topic_of(t)});
                           }};
        for (const auto& t : tables_) ctx.tables[t.qualified()] = t;
        ctx.avro = avro_ ? &*avro_ : nullptr;
        ctx.committed_changes = &figures_.committed_changes;
        auto s = stream_changes(ctx, *from);
        (void)repl->send_status();
        return s;
    }

private:
    std::string topic_of(const table_info& t) const { return o_.prefix + "." + t.schema + "." + t.name; }

    // --format avro: every table's key and value schema (and the transaction topic's) checked
    // against and registered in the registry before any record is written.
    status register_schemas() {
        if (o_.format != "avro") return done{};
        auto a = avro_catalog::open(o_);
        if (!a) return a.err();
        avro_.emplace(std::move(*a));
        for (const auto& t : tables_)
            if (auto s = avro_->ensure(topic_of(t), t); !s) return s;
        if (o_.provide_transaction_metadata)
            if (auto s = avro_->ensure_transaction_topic(o_.transaction_topic); !s) return s;
        return done{};
    }

    status check_server() {
        auto wl = meta_->exec("SHOW wal_level");
        if (!wl) return runtime_error("SHOW wal_level: " + wl.err().message);
        if (wl->get(0, 0) != "logical")
            return usage_error("Postgres runs with wal_level=" + wl->get(0, 0) +
                               "; set wal_level = logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) "
                               "and restart Postgres");
        auto db = meta_->exec("SELECT current_database()");
        if (!db) return runtime_error(db.err().message);
        db_ = db->get(0, 0);
        return done{};
    }

    status check_kafka() {
        auto a = client::admin::create(client::base_config(o_.brokers));
        if (!a) return runtime_error("Kafka admin: " + a.err().message);
        auto c = a->describe_cluster(5000); // an unreachable address fails in seconds, not 15
        if (!c)
            return usage_error("cannot reach the Kafka brokers at " + o_.brokers + " (" + c.err().message +
                               "); check --brokers");
        return done{};
    }

    void warn_toast() const {
        for (const auto& t : tables_)
            if (t.has_toastable && t.replica_identity != 'f')
                std::fprintf(stderr,
                             "cdc: warning: %s has columns Postgres may TOAST and REPLICA IDENTITY %s: an update that "
                             "leaves such a value unchanged carries \"%s\" instead (ALTER TABLE %s REPLICA IDENTITY "
                             "FULL sends them)\n",
                             t.qualified().c_str(), t.replica_identity == 'd' ? "DEFAULT" : "not FULL",
                             o_.unavailable_value_placeholder.c_str(), t.qualified().c_str());
    }

    status ensure_publication() {
        auto r = meta_->exec_params("SELECT 1 FROM pg_publication WHERE pubname = $1", {o_.publication_name});
        if (!r) return runtime_error(r.err().message);
        std::string list;
        for (const auto& t : tables_)
            list += (list.empty() ? "" : ", ") + meta_->quote_ident(t.schema) + "." + meta_->quote_ident(t.name);
        if (r->rows() == 0) {
            const std::string sql = "CREATE PUBLICATION " + meta_->quote_ident(o_.publication_name) + " FOR TABLE " + list;
            auto c = meta_->exec(sql);
            if (!c) {
                if (meta_->last_sqlstate() == "42501")
                    return usage_error("cannot create publication " + o_.publication_name + " (" + c.err().message +
                                       "); have the tables' owner or a superuser run: " + sql +
                                       " — or grant this user CREATE on the database and ownership of the tables");
                return runtime_error("creating publication " + o_.publication_name + ": " + c.err().message);
            }
            if (o_.progress) std::fprintf(stderr, "cdc: created publication %s for %s\n", o_.publication_name.c_str(), list.c_str());
            return done{};
        }
        for (const auto& t : tables_) {
            auto in = meta_->exec_params(
                "SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3",
                {o_.publication_name, t.schema, t.name});
            if (!in) return runtime_error(in.err().message);
            if (in->rows() == 0)
                return usage_error("publication " + o_.publication_name + " does not include " + t.qualified() +
                                   "; run ALTER PUBLICATION " + meta_->quote_ident(o_.publication_name) + " ADD TABLE " +
                                   t.qualified() + " (or leave the table out of --tables)");
        }
        return done{};
    }

    status create_topic(const std::string& name, bool compacted) {
        auto a = client::admin::create(client::base_config(o_.brokers));
        if (!a) return runtime_error("Kafka admin: " + a.err().message);
        client::new_topic t{name, compacted ? 1 : o_.topic_partitions, 1, {}};
        if (compacted) t.configs = {{"cleanup.policy", "compact"}};
        auto s = a->create_topic(t, kafka_timeout_ms);
        if (!s && compacted && s.err().code == 40 /* INVALID_CONFIG */) {
            // A broker without compaction (Brook today) refuses the policy: keep every
            // position record instead; the reader takes the last one either way.
            std::fprintf(stderr, "cdc: warning: the broker refused cleanup.policy=compact for %s (%s); creating it "
                                 "without compaction\n", name.c_str(), s.err().message.c_str());
            t.configs.clear();
            s = a->create_topic(t, kafka_timeout_ms);
        }
        if (!s && s.err().code != 36 /* TOPIC_ALREADY_EXISTS */) {
            if (s.err().unreachable)
                return usage_error("cannot reach the Kafka brokers at " + o_.brokers + " (" + s.err().message + "); check --brokers");
            return runtime_error("creating topic " + name + ": " + s.err().message);
        }
        return done{};
    }

    status create_topics() {
        if (auto s = create_topic(o_.offsets_topic, true); !s) return s;
        if (o_.provide_transaction_metadata)
            if (auto s = create_topic(o_.transaction_topic, false); !s) return s;
        for (const auto& t : tables_)
            if (auto s = create_topic(topic_of(t), false); !s) return s;
        return done{};
    }

    expected<std::optional<slot_state>> read_slot() {
        auto r = meta_->exec_params(
            "SELECT confirmed_flush_lsn, wal_status, plugin, database FROM pg_replication_slots WHERE slot_name = $1",
            {o_.slot_name});
        if (!r) return runtime_error("reading pg_replication_slots: " + r.err().message);
        if (r->rows() == 0) return std::optional<slot_state>{};
        if (r->get(0, 2) != "pgoutput" || r->get(0, 3) != db_)
            return usage_error("replication slot " + o_.slot_name + " exists for " + r->get(0, 2) + " on database " +
                               r->get(0, 3) + ", not pgoutput on " + db_ + "; pick another --set slot.name");
        slot_state s;
        if (!r->null(0, 0)) parse_lsn(r->get(0, 0), s.confirmed);
        s.wal_status = r->get_opt(0, 1).value_or("");
        return std::optional<slot_state>{s};
    }

    // Sets `from` when streaming can resume; leaves it empty for a fresh start (snapshot).
    status decide(const std::optional<stored_position>& stored, const std::optional<slot_state>& slot,
                  replication_session& repl, std::optional<lsn>& from) {
        const bool resnapshot_ok = o_.snapshot == snapshot_mode::when_needed;
        const std::string drop_hint = "SELECT pg_drop_replication_slot('" + o_.slot_name + "')";
        auto refuse_or_reset = [&](const std::string& why) -> status {
            if (!resnapshot_ok)
                return usage_error(why + "; to take a new snapshot run with --set snapshot.mode=when_needed");
            std::fprintf(stderr, "cdc: %s; snapshot.mode=when_needed: taking a new snapshot\n", why.c_str());
            if (slot)
                if (auto s = repl.drop_slot(o_.slot_name); !s) return s;
            return done{};
        };
        if (stored && stored->snapshot_in_progress) {
            // The previous snapshot never committed: nothing of it is visible. Start it over.
            if (slot) {
                std::fprintf(stderr, "cdc: the previous snapshot did not finish; starting it over\n");
                if (auto s = repl.drop_slot(o_.slot_name); !s) return s;
            }
            return done{};
        }
        if (!stored) {
            if (!slot) return done{};
            if (!resnapshot_ok)
                return usage_error("replication slot " + o_.slot_name + " exists but " + o_.offsets_topic +
                                   " holds no position for it; drop the slot (" + drop_hint +
                                   ") to start over with a snapshot, or run with --set snapshot.mode=when_needed");
            return refuse_or_reset("replication slot " + o_.slot_name + " has no stored position");
        }
        if (!slot)
            return refuse_or_reset("replication slot " + o_.slot_name + " is missing (changes after " +
                                   format_lsn(stored->at) + " are lost)");
        if (slot->wal_status == "lost")
            return refuse_or_reset("replication slot " + o_.slot_name +
                                   " is lost (wal_status=lost: Postgres removed WAL it still needed)");
        if (slot->confirmed > stored->at)
            return refuse_or_reset("replication slot " + o_.slot_name + " is at " + format_lsn(slot->confirmed) +
                                   ", ahead of the position stored in " + o_.offsets_topic + " (" +
                                   format_lsn(stored->at) + "): changes in between are not in the topics");
        from = stored->at;
        return done{};
    }

    // A fresh progress record for the metrics page (rows per table as the workers read them).
    std::shared_ptr<snapshot_progress> track_snapshot() {
        auto p = std::make_shared<snapshot_progress>(tables_.size());
        std::vector<std::string> names;
        for (const auto& t : tables_) names.push_back(t.qualified());
        figures_.snapshot_done.store(false);
        figures_.set_snapshot(std::move(names), p);
        return p;
    }

    status print_snapshot(const snapshot_stats& st) const {
        if (!o_.progress) return done{};
        for (const auto& [name, rows] : st.rows_per_table)
            std::fprintf(stderr, "cdc: snapshot %s: %lld rows\n", name.c_str(), static_cast<long long>(rows));
        std::fprintf(stderr, "cdc: snapshot done: %lld rows in %.2f s (%.0f rows/s)\n", static_cast<long long>(st.rows),
                     st.seconds, st.seconds > 0 ? st.rows / st.seconds : 0.0);
        return done{};
    }

    // Creates the slot (exporting its snapshot), snapshots the tables unless snapshot.mode=never,
    // and commits the consistent point as the position. Returns where streaming starts.
    expected<lsn> fresh_start(replication_session& repl) {
        // First a marker: a crash from here until the snapshot commits leaves "snapshot", and
        // the restart knows the slot it finds is its own unfinished one.
        if (auto s = writer_->commit({true, 0}); !s) return s.err();
        auto slot = repl.create_slot(o_.slot_name);
        if (!slot) return slot.err();
        if (o_.progress)
            std::fprintf(stderr, "cdc: created slot %s at %s\n", o_.slot_name.c_str(), format_lsn(slot->consistent_point).c_str());
        if (o_.snapshot != snapshot_mode::never) {
            source_position pos;
            pos.snapshot = "true";
            pos.ts_ms = now_ms();
            pos.at = slot->consistent_point;
            auto progress = track_snapshot();
            auto st = run_snapshot(o_, db_, slot->snapshot_name, tables_, pos,
                                   [this](client::record&& r) -> status {
                                       if (g_stop.load()) return runtime_error("stopped during the snapshot");
                                       return writer_->send(std::move(r));
                                   },
                                   avro_ ? &*avro_ : nullptr, progress.get());
            if (!st) {
                writer_->abort();
                return st.err();
            }
            if (auto s = writer_->commit({false, slot->consistent_point}); !s) return s.err();
            (void)print_snapshot(*st);
        } else if (auto s = writer_->commit({false, slot->consistent_point}); !s) {
            return s.err();
        }
        return slot->consistent_point;
    }

    // snapshot.mode=initial_only: one consistent read of the tables, no slot, nothing stored.
    status snapshot_only() {
        auto c = connection::open(o_.dsn, false);
        if (!c) return c.err();
        if (auto r = c->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) return runtime_error(r.err().message);
        auto name = c->exec("SELECT pg_export_snapshot(), pg_current_wal_lsn()");
        if (!name) return runtime_error("exporting a snapshot: " + name.err().message);
        source_position pos;
        pos.snapshot = "true";
        pos.ts_ms = now_ms();
        lsn at = 0;
        if (parse_lsn(name->get(0, 1), at)) pos.at = at;
        auto progress = track_snapshot();
        auto st = run_snapshot(o_, db_, name->get(0, 0), tables_, pos,
                               [this](client::record&& r) { return writer_->send(std::move(r)); },
                               avro_ ? &*avro_ : nullptr, progress.get());
        if (!st) {
            writer_->abort();
            return st.err();
        }
        // No position: without a slot there is nothing to resume from.
        if (auto s = writer_->commit_records(); !s) return s;
        figures_.snapshot_done.store(true);
        return print_snapshot(*st);
    }

    const cdc_options& o_;
    cdc_figures figures_;
    std::unique_ptr<metrics_endpoint> metrics_; // after figures_: stops before they go
    offset_store offsets_;
    std::optional<connection> meta_;
    std::optional<txn_writer> writer_;
    std::optional<avro_catalog> avro_;
    std::vector<table_info> tables_;
    std::string db_;
};

} // namespace

int run_source(const cdc_options& o) {
    std::signal(SIGINT, on_cdc_stop_signal);
    std::signal(SIGTERM, on_cdc_stop_signal);
    source src(o);
    auto s = src.run();
    if (!s) {
        std::fprintf(stderr, "brook cdc postgres: %s\n", s.err().message.c_str());
        return s.err().usage ? 2 : 1;
    }
    return 0;
}

} // namespace brook::connect::pg
