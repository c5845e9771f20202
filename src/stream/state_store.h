#pragma once
// A job's checkpointed state in RocksDB under --state-dir: the window panes the operator drained
// since the previous checkpoint, plus the checkpoint's metadata (the next offset to read and the
// watermark of every partition, the operator's watermark, and what job the state belongs to),
// written together in one synced WriteBatch so a restarted job resumes from a consistent point.
// Key space: 'A'/'S' pane keys (window_operator_state.cc), 'M' metadata, 'P' a staged checkpoint.
// Exactly-once jobs stage a checkpoint (the whole batch, kept under 'P', synced) before the
// Kafka transaction that carries its outputs commits, and apply it after; a restart finds at most
// one staged checkpoint and applies or drops it by what Kafka committed (reconcile).
// Errors are strings (RocksDB's status text). One thread (the job's) uses a store.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rocksdb {
class DB;
class WriteBatch;
} // namespace rocksdb

namespace brook::stream {

struct checkpoint_meta {
    bool present = false;          // false: the store is new
    std::string job;               // what the state is of (job_fingerprint)
    std::map<int32_t, int64_t> next_offsets;
    std::map<int32_t, int64_t> partition_watermarks;
    int64_t watermark = 0;
    int64_t txn_seq = 0;           // exactly-once: the transaction this state matches (0: none)
};

class state_store {
public:
    // Opens (creating) the RocksDB database in dir; nullptr and a message on failure.
    static std::unique_ptr<state_store> open(const std::string& dir, std::string& error);
    ~state_store();

    // Reads the metadata and hands every pane to pane(key, bytes) (false: corrupt, stop).
    std::optional<std::string> load(checkpoint_meta& meta, const std::function<bool(std::string_view, std::string_view)>& pane);

    void put(const std::string& key, const std::string& bytes);
    void erase(const std::string& key);
    // Writes the pending puts/erases with meta, atomically and synced, and starts a new batch.
    std::optional<std::string> commit(const checkpoint_meta& meta);
    // Exactly-once: writes the pending batch with meta under 'P' (synced) without applying it;
    // apply_staged() then applies it and removes 'P' in one synced write.
    std::optional<std::string> stage(const checkpoint_meta& meta);
    std::optional<std::string> apply_staged();
    // Before load(): a staged checkpoint is applied if Kafka committed its transaction
    // (committed_seq == its txn_seq) and dropped otherwise; then the applied state's txn_seq
    // must equal committed_seq, or the state and the group disagree (an error naming both).
    std::optional<std::string> reconcile(int64_t committed_seq);
    // Key-grouped jobs (keyed_job.cc): the store mirrors the panes of the key groups this
    // worker owns under a 'K' + key-group prefix; a key group given up is dropped at once.
    void erase_range(const std::string& begin, const std::string& end);
    // The 'Mjob' of the last commit ("" when none), and a stable id of this state directory's
    // worker (made once, kept in 'Mworker').
    std::optional<std::string> job(std::string& out);
    std::optional<std::string> worker_id(std::string& out);
    // RocksDB's estimate of live data (SST files + memtables), in bytes.
    uint64_t size_bytes() const;

private:
    void add_meta(const checkpoint_meta& meta);
    std::optional<std::string> write_synced(rocksdb::WriteBatch& b);
    state_store(std::unique_ptr<rocksdb::DB> db, std::unique_ptr<rocksdb::WriteBatch> batch);
    std::unique_ptr<rocksdb::DB> db_;
    std::unique_ptr<rocksdb::WriteBatch> batch_;
};

} // namespace brook::stream
