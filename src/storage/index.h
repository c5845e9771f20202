#pragma once
// Sparse per-segment indexes, held in memory as sorted vectors; the files are written behind
// them, holding no descriptor (Kafka keeps its indexes mapped and closed the same way): a few
// thousand partitions must not cost three descriptors each. Both are rebuildable from the
// .log, so they are never fsynced on the data path; a sealed segment's are synced by the
// flusher after its roll (recovery trusts the indexes of segments below the recovery point).
//
// `.index` (offset index) file format: a sequence of 8-byte entries, big-endian,
//   relative_offset uint32   batch base offset - segment base offset
//   position        uint32   byte position of that batch in the .log
// strictly increasing in both fields; one entry roughly every index_interval_bytes of log.
//
// `.timeindex` (time index) file format: a sequence of 12-byte entries, big-endian,
//   timestamp       int64    largest batch max timestamp seen so far in the segment
//   relative_offset uint32   last offset of the batch that carried that timestamp
// timestamps strictly increasing, offsets non-decreasing; appended together with the offset
// index (only when the max timestamp grew) and once more when the segment stops being active.
//
// A file that breaks these rules loads as !valid(); the owning segment then rebuilds it.
// The file is a prefix of the entries in memory: new entries are written by flush() (the
// segment calls it when it is sealed or closed) and by append() once `flush_every` entries
// wait, each time opening the file, writing and closing it again. An index file behind its
// log is what recovery expects (it scans the log from the last entry it finds).
// A write that fails (ENOSPC, EIO) never makes the index disagree with the log: the entry is
// kept in memory and the file is abandoned (unlinked, or emptied if that fails too), so that the
// next open rebuilds it from the .log; from then on the index lives in memory only.
// Owned by one segment, hence one shard thread; not thread-safe.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "storage/file_handle.h"

namespace brook::storage {

struct offset_index_entry {
    uint32_t relative_offset = 0;
    uint32_t position = 0;
    static constexpr size_t size = 8;
    bool operator==(const offset_index_entry&) const = default;
};

struct time_index_entry {
    int64_t timestamp = 0;
    uint32_t relative_offset = 0;
    static constexpr size_t size = 12;
    bool operator==(const time_index_entry&) const = default;
};

template <class Entry>
class index_file {
public:
    // Entries waiting in memory before append() writes them out on its own.
    static constexpr size_t flush_every = 256;

    // Loads `path` (creating it empty if absent); no descriptor stays open. I/O failures are
    // errors; a malformed file is not (see valid()).
    static result<index_file> open(const std::filesystem::path& path);

    bool valid() const { return valid_; }
    const std::vector<Entry>& entries() const { return entries_; }
    bool empty() const { return entries_.empty(); }
    const Entry& back() const { return entries_.back(); }

    // Always takes the entry; a failed file write abandons the file (see above), so the caller
    // has nothing to undo.
    void append(const Entry& e);
    // Writes the entries the file does not have yet. Never fails (see abandon above).
    void flush();
    // Entries in memory that the file does not have yet.
    size_t unflushed() const { return entries_.size() - std::min(written_, entries_.size()); }
    // Keeps the first n entries (file and memory).
    error_code truncate(size_t n);
    // Writes out what is unflushed and opens the file for an fdatasync on another thread (the
    // flusher's; fdatasync through any descriptor syncs the inode). Null when abandoned or never
    // on disk: nothing to sync. A file that cannot be opened is abandoned.
    std::shared_ptr<file_handle> file_for_sync();
    // Writes out and fdatasyncs the file; one that cannot be synced is abandoned (see above),
    // never an error.
    void sync();
    // Gives up the file (unlinked or emptied): the next open rebuilds it from the .log.
    void abandon(const char* why = "kept");
    // Drops everything, making the index valid again (start of a rebuild).
    error_code reset() { valid_ = true; return truncate(0); }

private:
    std::filesystem::path path_;
    std::vector<Entry> entries_;
    size_t written_ = 0; // entries_[0, written_) are in the file
    bool valid_ = true;
    bool abandoned_ = false;
    bool junk_in_file_ = false; // loaded !valid(): the file holds bytes that are not entries_
};

using offset_index = index_file<offset_index_entry>;
using time_index = index_file<time_index_entry>;

// Last entry with relative_offset <= rel (nullopt: start at position 0).
std::optional<offset_index_entry> floor_entry(const offset_index& idx, uint32_t rel);
// Last entry with timestamp < ts (nullopt: start at the segment base).
std::optional<time_index_entry> last_before(const time_index& idx, int64_t ts);

} // namespace brook::storage
