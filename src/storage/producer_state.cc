#include "storage/producer_state.h"

#include <algorithm>
#include <cstring>
#include <spdlog/spdlog.h>

#include "base/crc32c.h"
#include "base/endian.h"
#include "storage/file_handle.h"
#include "storage/segment.h"

namespace brook::storage {
namespace {

constexpr char snapshot_magic[4] = {'B', 'P', 'S', '1'};
constexpr size_t snapshot_header = 4 + 2 + 4; // magic, version, crc
constexpr size_t batch_record = 4 + 4 + 8 + 8 + 8;
constexpr int16_t snapshot_version = 2;

sequence next_sequence(sequence s) { return sequence(s() == INT32_MAX ? 0 : s() + 1); }

template <class T>
void put(std::vector<uint8_t>& out, T v) {
    size_t at = out.size();
    out.resize(at + sizeof(T));
    store_be<T>(out.data() + at, v);
}

struct reader {
    std::span<const uint8_t> in;
    size_t pos = 0;
    bool ok = true;
    template <class T>
    T get() {
        if (in.size() - pos < sizeof(T)) {
            ok = false;
            return T{};
        }
        T v = load_be<T>(in.data() + pos);
        pos += sizeof(T);
        return v;
    }
};

} // namespace

producer_check producer_state::check(const records::batch_header& h) const {
    producer_check r;
    if (!h.has_producer_id() || h.is_control()) return r;
    // A batch without a sequence is the broker's own (a coordinator's transactional offset
    // commit): only its epoch is checked, as Kafka does for coordinator appends.
    const bool sequenced = h.base_sequence() >= 0;
    auto it = producers_.find(h.pid);
    // A producer this partition has no record of (new, expired, or its batches deleted by
    // retention) is accepted at any sequence, as Kafka does since KIP-360: refusing it would be
    // fatal to librdkafka's idempotent producer after an idle day. A retry of a batch from
    // before the expiry is then stored again — the price Kafka pays too.
    if (it == producers_.end()) return r;
    const producer_entry& e = it->second;
    auto fail = [&r](error_code err) {
        r.k = producer_check::kind::error;
        r.error = err;
        return r;
    };
    // Checked after the sequence, as Kafka does: a non-transactional batch while a transaction
    // of this producer is open.
    const bool breaks_txn = e.txn_first_offset && !h.is_transactional();
    if (h.epoch < e.epoch) return fail(error_code::invalid_producer_epoch);
    if (h.epoch > e.epoch) {
        if (sequenced && h.base_sequence() != 0) return fail(error_code::out_of_order_sequence_number);
        return breaks_txn ? fail(error_code::invalid_txn_state) : r;
    }
    if (!sequenced) return breaks_txn ? fail(error_code::invalid_txn_state) : r;
    for (const auto& b : e.batches) {
        if (b.first_seq == h.base_sequence && b.last_seq == h.last_sequence()) {
            r.k = producer_check::kind::duplicate;
            r.original = b;
            return r;
        }
    }
    // A known producer whose window is empty (e.g. after an epoch bump with no batch yet)
    // starts at 0 like an unknown one.
    sequence expected = e.batches.empty() ? sequence(0) : next_sequence(e.batches.back().last_seq);
    if (h.base_sequence != expected) return fail(error_code::out_of_order_sequence_number);
    return breaks_txn ? fail(error_code::invalid_txn_state) : r;
}

void producer_state::update(const records::batch_header& h, timestamp_ms now) {
    if (!h.has_producer_id() || h.is_control()) return;
    producer_entry& e = producers_[h.pid];
    if (h.epoch != e.epoch) {
        e.epoch = h.epoch;
        e.batches.clear();
    }
    e.last_append = now;
    if (h.is_transactional() && !e.txn_first_offset) open_txn(h.pid, e, h.base_offset);
    if (h.base_sequence() < 0) return;
    e.batches.push_back({h.base_sequence, h.last_sequence(), h.base_offset, h.last_offset(), h.max_timestamp});
    while (e.batches.size() > max_batches) e.batches.pop_front();
}

void producer_state::open_txn(producer_id pid, producer_entry& e, offset first) {
    e.txn_first_offset = first;
    open_txns_.emplace(first, pid);
}

void producer_state::close_txn(producer_id pid, producer_entry& e) {
    if (!e.txn_first_offset) return;
    open_txns_.erase({*e.txn_first_offset, pid});
    e.txn_first_offset.reset();
}

error_code producer_state::check_marker(producer_id pid, producer_epoch epoch, int32_t coordinator_epoch) const {
    auto it = producers_.find(pid);
    if (it == producers_.end()) return error_code::none;
    if (epoch < it->second.epoch) return error_code::invalid_producer_epoch;
    if (coordinator_epoch < it->second.coordinator_epoch) return error_code::transaction_coordinator_fenced;
    return error_code::none;
}

std::optional<completed_txn> producer_state::apply_marker(producer_id pid, producer_epoch epoch, bool commit,
                                                          int32_t coordinator_epoch, offset at, timestamp_ms now) {
    producer_entry& e = producers_[pid];
    std::optional<completed_txn> done;
    if (e.txn_first_offset) done = completed_txn{pid, *e.txn_first_offset, at, !commit};
    close_txn(pid, e);
    // A bumped epoch (the coordinator's timeout abort) restarts the sequence window, as a data
    // batch with a new epoch does.
    if (epoch != e.epoch) {
        e.epoch = epoch;
        e.batches.clear();
    }
    e.coordinator_epoch = coordinator_epoch;
    e.last_append = now;
    return done;
}

size_t producer_state::expire(timestamp_ms now, int64_t expiration_ms) {
    size_t n = 0;
    for (auto it = producers_.begin(); it != producers_.end();) {
        const producer_entry& e = it->second;
        if (!e.txn_first_offset && now - e.last_append >= expiration_ms) {
            it = producers_.erase(it);
            ++n;
        } else {
            ++it;
        }
    }
    return n;
}

std::vector<uint8_t> producer_state::encode_snapshot() const {
    std::vector<uint8_t> out;
    out.reserve(64 + producers_.size() * (14 + max_batches * batch_record));
    out.resize(4);
    std::memcpy(out.data(), snapshot_magic, 4);
    put<int16_t>(out, snapshot_version);
    put<uint32_t>(out, 0); // crc, filled below
    // Sorted so that equal states give equal files.
    std::vector<producer_id> ids;
    for (const auto& [id, _] : producers_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    put<int32_t>(out, static_cast<int32_t>(ids.size()));
    for (auto id : ids) {
        const auto& e = producers_.at(id);
        put<int64_t>(out, id());
        put<int16_t>(out, e.epoch());
        put<int64_t>(out, e.last_append());
        put<int32_t>(out, e.coordinator_epoch);
        put<int64_t>(out, e.txn_first_offset ? (*e.txn_first_offset)() : int64_t(-1));
        put<int32_t>(out, static_cast<int32_t>(e.batches.size()));
        for (const auto& b : e.batches) {
            put<int32_t>(out, b.first_seq());
            put<int32_t>(out, b.last_seq());
            put<int64_t>(out, b.first_offset());
            put<int64_t>(out, b.last_offset());
            put<int64_t>(out, b.max_timestamp());
        }
    }
    uint32_t crc = crc32c(std::span<const uint8_t>(out).subspan(snapshot_header));
    store_be<uint32_t>(out.data() + 6, crc);
    return out;
}

result<producer_state> producer_state::decode_snapshot(std::span<const uint8_t> bytes) {
    if (bytes.size() < snapshot_header + 4 || std::memcmp(bytes.data(), snapshot_magic, 4) != 0)
        return error_code::corrupt_message;
    reader r{bytes, 4};
    int16_t version = r.get<int16_t>();
    if (version != 1 && version != snapshot_version) return error_code::corrupt_message;
    uint32_t crc = r.get<uint32_t>();
    if (crc != crc32c(bytes.subspan(snapshot_header))) return error_code::corrupt_message;
    producer_state st;
    int32_t count = r.get<int32_t>();
    if (count < 0) return error_code::corrupt_message;
    for (int32_t i = 0; i < count && r.ok; ++i) {
        producer_id id(r.get<int64_t>());
        producer_entry e;
        e.epoch = producer_epoch(r.get<int16_t>());
        if (version >= 2) {
            e.last_append = timestamp_ms(r.get<int64_t>());
            e.coordinator_epoch = r.get<int32_t>();
            int64_t first = r.get<int64_t>();
            if (first < -1) return error_code::corrupt_message;
            if (first >= 0) e.txn_first_offset = offset(first);
        }
        int32_t n = r.get<int32_t>();
        if (n < 0 || size_t(n) > max_batches || (bytes.size() - r.pos) < size_t(n) * batch_record)
            return error_code::corrupt_message;
        for (int32_t j = 0; j < n; ++j) {
            producer_batch b;
            b.first_seq = sequence(r.get<int32_t>());
            b.last_seq = sequence(r.get<int32_t>());
            b.first_offset = offset(r.get<int64_t>());
            b.last_offset = offset(r.get<int64_t>());
            b.max_timestamp = timestamp_ms(r.get<int64_t>());
            e.batches.push_back(b);
        }
        // v1 did not record the time of the last append: the newest batch's timestamp is the
        // best there is (Kafka's own notion of it).
        if (version == 1 && !e.batches.empty()) e.last_append = e.batches.back().max_timestamp;
        if (!r.ok) break;
        if (e.txn_first_offset) st.open_txns_.emplace(*e.txn_first_offset, id);
        st.producers_[id] = std::move(e);
    }
    if (!r.ok || r.pos != bytes.size()) return error_code::corrupt_message;
    return st;
}

std::filesystem::path producer_state::snapshot_path(const std::filesystem::path& dir, offset at) {
    return dir / (offset_file_stem(at) + ".snapshot");
}

error_code producer_state::write_snapshot(const std::filesystem::path& dir, offset at) const {
    auto bytes = encode_snapshot();
    return write_file_atomic(snapshot_path(dir, at), bytes);
}

std::vector<offset> producer_state::list_snapshots(const std::filesystem::path& dir) {
    std::vector<offset> out;
    std::error_code ec;
    for (const auto& de : std::filesystem::directory_iterator(dir, ec)) {
        if (de.path().extension() != ".snapshot") continue;
        if (auto o = parse_offset_stem(de.path().stem().string())) out.push_back(*o);
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace brook::storage
