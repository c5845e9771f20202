#pragma once
// txn_index: the aborted-transaction index of one segment, `<20-digit base>.txnindex` (Kafka's
// TransactionIndex). One entry per aborted transaction whose ABORT marker is in this segment, in
// marker order. File format: a sequence of 34-byte entries, big-endian,
//   version            int16  (= 0)
//   producer_id        int64
//   first_offset       int64  first offset of the transaction (may be in an earlier segment)
//   last_offset        int64  offset of the abort marker (strictly increasing)
//   last_stable_offset int64  the partition's LSO just after the marker (not clamped to the
//                             log start): a reader that reaches an entry with lso >= its upper
//                             bound can stop, no later marker ends a transaction starting below it
//
// Guarantees: entries() mirrors the file; a file that breaks the rules (size not a multiple of
// 34, a version other than 0, last offsets not increasing) or is missing loads as
// needs_rebuild() with no entries, and the owner (partition_log recovery) rebuilds it with
// reset() + append(). Written with pwrite on the data path, made durable by sync() when the
// segment rolls (and at close); the fd is held only while there are writes to sync.
// Owned by one segment, hence one shard thread; not thread-safe.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"
#include "storage/file_handle.h"

namespace brook::storage {

struct aborted_txn_entry {
    producer_id pid;
    offset first_offset;
    offset last_offset;
    offset last_stable_offset;
    static constexpr size_t size = 34;
    bool operator==(const aborted_txn_entry&) const = default;
};

class txn_index {
public:
    txn_index() = default;
    // A new, empty index file (a leftover one is emptied).
    static result<txn_index> create(std::filesystem::path path);
    // Loads `path`. I/O failures are errors; a missing or malformed file is needs_rebuild().
    static result<txn_index> load(std::filesystem::path path);

    bool needs_rebuild() const { return needs_rebuild_; }
    bool missing() const { return missing_; } // the file was absent at load()
    const std::vector<aborted_txn_entry>& entries() const { return entries_; }

    // Appends one entry (its last_offset must exceed the previous entry's). The entry is kept
    // in memory even when the write fails (KAFKA_STORAGE_ERROR); the file is then abandoned:
    // sync() deletes it, so that the next open rebuilds it from the log.
    error_code append(const aborted_txn_entry& e);
    // Drops the entries with last_offset >= o (recovery replays them).
    error_code truncate_from(offset o);
    // Empties the file, clearing needs_rebuild() (start of a rebuild).
    error_code reset();
    // fdatasyncs what was written since the last sync, then lets the fd go.
    error_code sync();
    // The same, handed off: the file written since the last sync, for the caller to fdatasync
    // (on another thread), and the index lets it go; null when nothing is unsynced. A file
    // that a failed write left short is deleted here instead (rebuilt at the next open).
    // For a sealed segment, whose index is never written again.
    std::shared_ptr<file_handle> take_unsynced();
    void remove_file();
    const std::filesystem::path& path() const { return path_; }

private:
    explicit txn_index(std::filesystem::path path) : path_(std::move(path)) {}
    error_code ensure_open();

    std::filesystem::path path_;
    std::shared_ptr<file_handle> file_; // open while writes are unsynced
    std::vector<aborted_txn_entry> entries_;
    bool needs_rebuild_ = false;
    bool missing_ = false;
    bool broken_ = false; // a write failed: the file is short of entries_
    bool dirty_ = false;
};

} // namespace brook::storage
