#pragma once
// clean_filter: what the log cleaner keeps of one stored batch, as Kafka's cleaner decides it
// (LogCleaner.cleanInto + MemoryRecords.filterTo + CleanedTransactionMetadata). Pure code over
// caller-owned bytes: the cleaner thread calls it; unit tests drive it directly.
//
// Per batch, in offset order:
//   - txn_tracker says whether a data batch belongs to an aborted transaction (its records all
//     go) and whether a transaction marker may go: an ABORT marker once no batch of its
//     transaction was seen in the pass (the data went in an earlier pass), a COMMIT marker once
//     no batch of its transaction was seen either; a marker that may go is first kept with a
//     delete horizon and removed by a pass after the horizon.
//   - a data record stays when its key's latest offset (offset_map) is not later than it, and
//     it is not a tombstone (null value) whose batch's delete horizon has passed. A keyless
//     record goes (Kafka rejects them on compacted topics).
//   - the last batch of every producer the partition still tracks stays, emptied if none of its
//     records stays, so that producer id, epoch and sequence (idempotence) survive.
//   - a batch that keeps records, or keeps tombstones/a removable marker for the first time, is
//     rewritten: same base offset, lastOffsetDelta, producer id/epoch/base sequence, leader
//     epoch, flags and codec (recompressed); timestamps kept. A first-time tombstone or marker
//     batch gets Kafka's delete horizon (KIP-534): attribute bit 0x40 set and baseTimestamp =
//     now + delete.retention.ms, record timestamp deltas recomputed against it.
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"
#include "records/batch_header.h"
#include "storage/offset_map.h"
#include "storage/txn_index.h"

namespace brook::storage {

inline constexpr int16_t delete_horizon_flag = 0x40; // batch attribute bit (Kafka, KIP-534)

// The batch's delete horizon, if the cleaner already set one.
inline std::optional<timestamp_ms> delete_horizon(const records::batch_header& h) {
    if (!(h.attributes & delete_horizon_flag)) return std::nullopt;
    return h.base_timestamp;
}

// Kafka's CleanedTransactionMetadata: follows transactions across the batches of one pass.
class txn_tracker {
public:
    // `aborted`: every aborted transaction (txnindex entries) that may overlap the pass, any order.
    explicit txn_tracker(std::vector<aborted_txn_entry> aborted);
    // A data batch: true when it belongs to an aborted transaction.
    bool on_data_batch(const records::batch_header& h);
    // A control batch whose record is `commit` (nullopt: empty or not a marker): true when the
    // marker may be removed. When an ABORT marker must stay because batches of its transaction
    // were seen in this pass, `keep_entry` receives its txnindex entry for the cleaned segment.
    bool on_marker(const records::batch_header& h, std::optional<bool> commit,
                   std::optional<aborted_txn_entry>& keep_entry);

private:
    void consume_up_to(offset o);
    struct ongoing_abort {
        aborted_txn_entry entry;
        bool seen_batch = false;
    };
    std::deque<aborted_txn_entry> pending_; // by first offset
    std::unordered_map<producer_id, ongoing_abort> aborted_;
    std::unordered_set<producer_id> committed_;
};

// The last batch of a producer the partition still tracks (Kafka: lastRecordsOfActiveProducers).
struct producer_last_batch {
    std::optional<offset> last_data_offset; // last offset of its last data batch; none: only markers
    producer_epoch epoch;
};

struct filter_context {
    const offset_map* map = nullptr;
    timestamp_ms now{0};
    int64_t delete_retention_ms = 0;
    const std::unordered_map<producer_id, producer_last_batch>* producers = nullptr;
};

struct filtered_batch {
    enum class outcome { dropped, kept, rewritten };
    outcome what = outcome::dropped;
    std::vector<uint8_t> bytes;      // rewritten: the new batch
    int32_t records_in = 0;
    int32_t records_out = 0;
    std::optional<timestamp_ms> horizon; // of the batch as it is stored from now on
    // The batch keeps tombstones or a removable marker that a pass at or after `horizon` removes.
    bool removal_pending = false;
    std::optional<aborted_txn_entry> txn_entry; // a kept ABORT marker's txnindex entry
};

// Decides one stored batch (`batch` = exactly its bytes, CRC already checked; `h` its header).
// CORRUPT_MESSAGE when its records cannot be parsed or decompressed.
result<filtered_batch> filter_batch(std::span<const uint8_t> batch, const records::batch_header& h,
                                    const filter_context& ctx, txn_tracker& txns);

// Calls fn(key, offset) for every keyed record of a data batch (the offset-map pass).
// CORRUPT_MESSAGE when its records cannot be parsed or decompressed.
template <class Fn>
error_code for_each_key(std::span<const uint8_t> batch, const records::batch_header& h, Fn&& fn);

// Whether a data batch holds a record without a key (refused on compacted topics, as Kafka's
// LogValidator does). CORRUPT_MESSAGE when its records cannot be parsed or decompressed.
result<bool> has_keyless_record(std::span<const uint8_t> batch, const records::batch_header& h);

// The records payload of a batch (decompressed when needed), for the helpers above.
result<std::vector<uint8_t>> batch_payload(std::span<const uint8_t> batch, const records::batch_header& h);

} // namespace brook::storage

#include "records/record.h"

namespace brook::storage {

template <class Fn>
error_code for_each_key(std::span<const uint8_t> batch, const records::batch_header& h, Fn&& fn) {
    std::vector<uint8_t> owned;
    std::span<const uint8_t> in = batch.subspan(records::batch_header_size);
    if (h.codec() != records::compression::none) {
        auto p = batch_payload(batch, h);
        if (!p) return p.error();
        owned = std::move(*p);
        in = owned;
    }
    for (int32_t i = 0; i < h.records_count; ++i) {
        auto r = records::parse_record(in);
        if (!r) return r.error();
        if (r->key) fn(*r->key, h.base_offset + r->offset_delta);
        in = in.subspan(r->size_bytes);
    }
    return error_code::none;
}

} // namespace brook::storage
