#pragma once
// Sequential readers over a segment's .log file (private to storage).
//
// scan_file(): recovery reader — reads in large chunks and checks framing, magic and CRC of
// every batch (records::scan_batches), stopping at the first bad or incomplete one.
// header_walker: cheap reader for bytes already verified — reads only what it needs to
// step from batch header to batch header (lookups, fetch extents, producer-state replay).
// Small batches are read a window at a time (one pread covers many headers); after a large
// batch only the next header is read, so walking big batches costs a 61-byte pread each
// instead of copying their data.
// Both read through a file_handle owned by the caller; single-threaded.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "base/buffer.h"
#include "base/result.h"
#include "records/batch_header.h"
#include "records/validate.h"
#include "storage/file_handle.h"

namespace brook::storage {

struct scan_end {
    uint64_t valid_end = 0;             // position just after the last good batch
    error_code stop = error_code::none; // why the scan ended before `end`
};

// Calls fn(batch, position) for each good batch in [pos, end); fn returning false stops the
// scan there as if the batch were corrupt. I/O failures are errors.
result<scan_end> scan_file(const file_handle& f, uint64_t pos, uint64_t end,
                           const std::function<bool(const records::batch_view&, uint64_t)>& fn);

class header_walker {
public:
    struct item {
        records::batch_header header;
        uint64_t position;
    };
    header_walker(const file_handle& f, uint64_t pos, uint64_t end) : f_(f), pos_(pos), end_(end) {}
    // Next batch header, nullopt at the end; CORRUPT_MESSAGE if the framing is broken.
    result<std::optional<item>> next();

private:
    const file_handle& f_;
    uint64_t pos_;
    uint64_t end_;
    buffer buf_;
    size_t buf_len_ = 0;       // valid bytes in buf_
    uint64_t buf_pos_ = 0;     // file position of buf_[0]
    uint64_t last_size_ = 0;   // size of the batch just stepped over
};

} // namespace brook::storage
