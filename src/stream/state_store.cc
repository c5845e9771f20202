#include "stream/state_store.h"

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
        if (k[0] != 'M') {
            if (!pane(k, v)) return "state store: a window pane does not decode (state of another version?)";
            continue;
        }
        meta.present = true;
        if (k == "Mjob") { meta.job.assign(v); continue; }
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

std::optional<std::string> state_store::commit(const checkpoint_meta& meta) {
    batch_->Put("Mjob", meta.job);
    std::string v;
    put_i64(v, meta.watermark);
    batch_->Put("Mwm", v);
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
    rocksdb::WriteOptions wo;
    wo.sync = true; // a checkpoint is durable before the job reads past it
    auto st = db_->Write(wo, batch_.get());
    batch_->Clear();
    if (!st.ok()) return "state store write: " + st.ToString();
    return std::nullopt;
}

uint64_t state_store::size_bytes() const {
    uint64_t sst = 0, mem = 0;
    db_->GetIntProperty("rocksdb.live-sst-files-size", &sst);
    db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &mem);
    return sst + mem;
}

} // namespace brook::stream
