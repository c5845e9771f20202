#include "stream/state_store.h"

#include <cstdio>
#include <random>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "stream/state_codec.h"

namespace brook::stream {
namespace {

std::string meta_key(char kind, int32_t partition) {
    std::string k = "M";
    k.push_back(kind);
    put_i64(k, partition);
    return k;
}

} // namespace

state_store::state_store(std::unique_ptr<rocksdb::DB> db, std::unique_ptr<rocksdb::WriteBatch> batch)
    : db_(std::move(db)), batch_(std::move(batch)) {}

state_store::~state_store() = default;

std::unique_ptr<state_store> state_store::open(const std::string& dir, std::string& error) {
    rocksdb::Options opts;
    opts.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    auto st = rocksdb::DB::Open(opts, dir, &raw);
    if (!st.ok()) {
        error = "state store " + dir + ": " + st.ToString();
        return nullptr;
    }
    return std::unique_ptr<state_store>(new state_store(std::unique_ptr<rocksdb::DB>(raw), std::make_unique<rocksdb::WriteBatch>()));
}

std::optional<std::string> state_store::load(checkpoint_meta& meta, const std::function<bool(std::string_view, std::string_view)>& pane) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::string_view k(it->key().data(), it->key().size());
        std::string_view v(it->value().data(), it->value().size());
        if (k.empty()) return "state store: an empty key";
        if (k[0] == 'P') return "state store: a staged checkpoint was not reconciled";
        if (k[0] != 'M') {
            if (!pane(k, v)) return "state store: a window pane does not decode (state of another version?)";
            continue;
        }
        meta.present = true;
        if (k == "Mjob") { meta.job.assign(v); continue; }
        if (k == "Mworker") continue;
        if (k == "Mseq") {
            if (!get_i64(v, meta.txn_seq)) return "state store: a bad transaction sequence";
            continue;
        }
        if (k == "Mwm") {
            if (!get_i64(v, meta.watermark)) return "state store: a bad watermark";
            continue;
        }
        if (k.size() != 10 || (k[1] != 'o' && k[1] != 'w')) return "state store: an unknown metadata key";
        std::string_view pk = k.substr(2);
        int64_t p = 0, x = 0;
        if (!get_i64(pk, p) || !get_i64(v, x)) return "state store: bad partition metadata";
        (k[1] == 'o' ? meta.next_offsets : meta.partition_watermarks)[int32_t(p)] = x;
    }
    if (!it->status().ok()) return "state store: " + it->status().ToString();
    return std::nullopt;
}

void state_store::put(const std::string& key, const std::string& bytes) { batch_->Put(key, bytes); }

void state_store::erase(const std::string& key) { batch_->Delete(key); }

void state_store::add_meta(const checkpoint_meta& meta) {
    batch_->Put("Mjob", meta.job);
    std::string v;
    put_i64(v, meta.watermark);
    batch_->Put("Mwm", v);
    if (meta.txn_seq > 0) {
        v.clear();
        put_i64(v, meta.txn_seq);
        batch_->Put("Mseq", v);
    }
    for (const auto& [p, off] : meta.next_offsets) {
        v.clear();
        put_i64(v, off);
        batch_->Put(meta_key('o', p), v);
    }
    for (const auto& [p, wm] : meta.partition_watermarks) {
        v.clear();
        put_i64(v, wm);
        batch_->Put(meta_key('w', p), v);
    }
}

std::optional<std::string> state_store::write_synced(rocksdb::WriteBatch& b) {
    rocksdb::WriteOptions wo;
    wo.sync = true; // a checkpoint is durable before the job reads past it
    auto st = db_->Write(wo, &b);
    if (!st.ok()) return "state store write: " + st.ToString();
    return std::nullopt;
}

std::optional<std::string> state_store::commit(const checkpoint_meta& meta) {
    add_meta(meta);
    auto e = write_synced(*batch_);
    batch_->Clear();
    return e;
}

std::optional<std::string> state_store::stage(const checkpoint_meta& meta) {
    add_meta(meta);
    std::string v;
    put_i64(v, meta.txn_seq);
    v += batch_->Data();
    rocksdb::WriteBatch b;
    b.Put("P", v);
    return write_synced(b);
}

std::optional<std::string> state_store::apply_staged() {
    batch_->Delete("P");
    auto e = write_synced(*batch_);
    batch_->Clear();
    return e;
}

std::optional<std::string> state_store::reconcile(int64_t committed_seq) {
    std::string staged;
    auto st = db_->Get(rocksdb::ReadOptions(), "P", &staged);
    if (!st.ok() && !st.IsNotFound()) return "state store: " + st.ToString();
    if (st.ok()) {
        std::string_view in(staged);
        int64_t seq = 0;
        if (!get_i64(in, seq)) return "state store: a bad staged checkpoint";
        rocksdb::WriteBatch b;
        if (seq == committed_seq) {
            // Kafka committed the transaction but the job died before applying its state.
            b = rocksdb::WriteBatch(std::string(in));
        }
        b.Delete("P");
        if (auto e = write_synced(b)) return e;
    }
    std::string v;
    st = db_->Get(rocksdb::ReadOptions(), "Mseq", &v);
    if (!st.ok() && !st.IsNotFound()) return "state store: " + st.ToString();
    int64_t have = 0;
    std::string_view in(v);
    if (st.ok() && !get_i64(in, have)) return "state store: a bad transaction sequence";
    if (have != committed_seq)
        return "the state directory holds transaction " + std::to_string(have) + " but the group committed transaction " +
               std::to_string(committed_seq) + " (state from another run or group?); use a new --state-dir and group, or reset the group";
    return std::nullopt;
}

void state_store::erase_range(const std::string& begin, const std::string& end) { batch_->DeleteRange(begin, end); }

std::optional<std::string> state_store::job(std::string& out) {
    auto st = db_->Get(rocksdb::ReadOptions(), "Mjob", &out);
    if (st.IsNotFound()) out.clear();
    else if (!st.ok()) return "state store: " + st.ToString();
    return std::nullopt;
}

std::optional<std::string> state_store::worker_id(std::string& out) {
    auto st = db_->Get(rocksdb::ReadOptions(), "Mworker", &out);
    if (st.ok()) return std::nullopt;
    if (!st.IsNotFound()) return "state store: " + st.ToString();
    std::random_device rd;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    out = buf;
    rocksdb::WriteBatch b;
    b.Put("Mworker", out);
    return write_synced(b);
}

uint64_t state_store::size_bytes() const {
    uint64_t sst = 0, mem = 0;
    db_->GetIntProperty("rocksdb.live-sst-files-size", &sst);
    db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &mem);
    return sst + mem;
}

} // namespace brook::stream
