#pragma once
// The cleaner's crash protocol (Kafka's .cleaned -> .swap -> replace, per directory here).
//
//   <partition>/.cleaned/   a pass's output being written (cleaner thread); manifest.json last
//   <partition>/.swap/      the same directory, renamed by the owner shard once it checked that
//                           every segment it replaces is still there: the commit point
//   manifest.json           {"version":1,"replaced":[bases],"created":[bases],"cleaned_upto":N}
//
// complete_swap() then unlinks the replaced segments that no created one takes the place of,
// renames each created file over the old one (`<base>.log` etc.), fsyncs the partition
// directory and removes `.swap`. Every step is idempotent, so at open recover_interrupted_clean()
// finishes a `.swap` (the rename made it durable, and it holds every record that survives) and
// deletes a `.cleaned` (the old segments are still all there). A kill -9 at any point thus
// leaves either the old segments or the cleaned ones, each whole.
//
// File-system calls only; called by the owner shard (commit, complete) or at open.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"

namespace brook::storage {

struct clean_manifest {
    std::vector<offset> replaced;
    std::vector<offset> created;
    offset cleaned_upto;
};

std::filesystem::path cleaned_dir(const std::filesystem::path& partition_dir);
std::filesystem::path swap_dir(const std::filesystem::path& partition_dir);

error_code write_manifest(const std::filesystem::path& dir, const clean_manifest& m);
result<clean_manifest> read_manifest(const std::filesystem::path& dir);

// Renames `.cleaned` to `.swap` and makes that durable.
error_code commit_swap(const std::filesystem::path& partition_dir);
// Applies `.swap` (see above) and removes it; none when there is no `.swap`.
error_code complete_swap(const std::filesystem::path& partition_dir);
// Removes `.cleaned` (an unfinished or refused pass).
void discard_cleaned(const std::filesystem::path& partition_dir);
// At open, before the segments are listed: finishes `.swap`, discards `.cleaned`.
error_code recover_interrupted_clean(const std::filesystem::path& partition_dir);

// The cleaner's checkpoint (`cleaner.checkpoint`: the first dirty offset, decimal). Losing it
// only makes the next pass treat the whole log as dirty, so it is written without fsync.
std::optional<offset> read_clean_checkpoint(const std::filesystem::path& partition_dir);
void write_clean_checkpoint(const std::filesystem::path& partition_dir, offset o);

} // namespace brook::storage
