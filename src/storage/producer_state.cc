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
    auto it = producers_.find(h.pid);
    if (it == producers_.end()) {
        if (h.base_sequence() != 0) {
            r.k = producer_check::kind::error;
            r.error = error_code::out_of_order_sequence_number;
        }
        return r;
    }
    const producer_entry& e = it->second;
    if (h.epoch < e.epoch) {
        r.k = producer_check::kind::error;
        r.error = error_code::invalid_producer_epoch;
        return r;
    }
    if (h.epoch > e.epoch) {
        if (h.base_sequence() != 0) {
            r.k = producer_check::kind::error;
            r.error = error_code::out_of_order_sequence_number;
        }
        return r;
    }
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
    if (h.base_sequence != expected) {
        r.k = producer_check::kind::error;
        r.error = error_code::out_of_order_sequence_number;
    }
    return r;
}

void producer_state::update(const records::batch_header& h) {
    if (!h.has_producer_id()) return;
    producer_entry& e = producers_[h.pid];
    if (h.epoch != e.epoch) {
        e.epoch = h.epoch;
        e.batches.clear();
    }
    if (h.is_control() || h.base_sequence() < 0) return;
    e.batches.push_back({h.base_sequence, h.last_sequence(), h.base_offset, h.last_offset(), h.max_timestamp});
    while (e.batches.size() > max_batches) e.batches.pop_front();
}

std::vector<uint8_t> producer_state::encode_snapshot() const {
    std::vector<uint8_t> out;
    out.reserve(64 + producers_.size() * (14 + max_batches * batch_record));
    out.resize(4);
    std::memcpy(out.data(), snapshot_magic, 4);
    put<int16_t>(out, 1);
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
    if (r.get<int16_t>() != 1) return error_code::corrupt_message;
    uint32_t crc = r.get<uint32_t>();
    if (crc != crc32c(bytes.subspan(snapshot_header))) return error_code::corrupt_message;
    producer_state st;
    int32_t count = r.get<int32_t>();
    if (count < 0) return error_code::corrupt_message;
    for (int32_t i = 0; i < count && r.ok; ++i) {
        producer_id id(r.get<int64_t>());
        producer_entry e;
        e.epoch = producer_epoch(r.get<int16_t>());
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
