#pragma once
// Key groups: how a windowed job's state is split so that workers of one job can share it
// (docs/sql-scale-out.md). A group key belongs to key group hash(key) mod N, N being the job's
// `pipeline.max-parallelism` (fixed when the job's topics are created). Key group g is
// partition g of the job's repartition topic and of its changelog topic, so the consumer
// group's assignment of repartition partitions is the assignment of key groups.
//
// Repartition records (value, binary, little-endian; the key is the encoded group key):
//   'D' row:  event time, source partition, that partition's watermark after the row, group-key
//             values, aggregate arguments, and (when the job has a 'late-data.topic') the source
//             record itself so a late row can be written out as it came in;
//   'W' mark: a source partition's watermark and whether it is idle or finished, written by
//             the worker reading that partition to every key group at each checkpoint (and at
//             once when it goes idle, active again or finished).
// key_group_clock is one key group's view of the source partitions and its watermark, by the
// rules of watermark.h (min over active partitions; all idle: max; all finished: end of time).
// Decoders never trust their input: false on truncated or malformed bytes. Plain values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/record.h"
#include "stream/value.h"

namespace brook::stream {

inline constexpr int default_max_parallelism = 16;

// FNV-1a of the encoded group key: the same in every process and version.
int32_t key_group_of(std::string_view encoded_key, int32_t groups);

struct source_mark {
    int32_t partition = 0;
    int64_t watermark = 0;
    bool idle = false;
    bool finished = false;
};

struct routed_row {
    int64_t ts = 0;
    int32_t source_partition = 0;
    int64_t source_watermark = 0;
    std::vector<value> keys;
    std::vector<value> args;
    std::optional<client::record> original; // only when late rows are written somewhere
};

std::string encode_routed_row(const routed_row& r);
std::string encode_mark(const source_mark& m);
// 'D' → row filled, returns 'D'; 'W' → mark filled, returns 'W'; 0 when the bytes do not decode.
char decode_routed(std::string_view in, routed_row& row, source_mark& mark);

class key_group_clock {
public:
    explicit key_group_clock(int32_t source_partitions = 0);
    void on_row(int32_t p, int64_t watermark);
    void on_mark(const source_mark& m);
    // The key group's watermark (never regresses); end_of_time once every partition finished.
    int64_t advance();
    int64_t current() const { return current_; }
    bool all_finished() const;
    bool changed() const { return changed_; }
    void clear_changed() { changed_ = false; }

    // Changelog form: the current watermark and every partition's state.
    std::string encode() const;
    bool decode(std::string_view in);

private:
    struct part {
        int64_t watermark;
        bool idle = false;
        bool finished = false;
    };
    std::vector<part> parts_;
    int64_t current_;
    bool changed_ = false;
};

} // namespace brook::stream
