#include "records/control.h"

#include "base/endian.h"
#include "records/record.h"

namespace brook::records {

std::vector<uint8_t> build_control_batch(control_type type, producer_id pid, producer_epoch epoch,
                                         int32_t coordinator_epoch, timestamp_ms ts) {
    std::vector<uint8_t> key(4), value(6);
    store_be<int16_t>(key.data(), 0);
    store_be<int16_t>(key.data() + 2, static_cast<int16_t>(type));
    store_be<int16_t>(value.data(), 0);
    store_be<int32_t>(value.data() + 2, coordinator_epoch);
    return batch_builder()
        .producer(pid, epoch)
        .transactional()
        .control()
        .add_bytes(std::span<const uint8_t>(key), std::span<const uint8_t>(value), ts)
        .build();
}

std::vector<uint8_t> build_control_batch(producer_id pid, producer_epoch epoch, bool commit,
                                         int32_t coordinator_epoch, timestamp_ms ts) {
    return build_control_batch(commit ? control_type::commit : control_type::abort, pid, epoch, coordinator_epoch, ts);
}

std::optional<control_type> parse_control_key(std::span<const uint8_t> key) {
    if (key.size() < 4) return std::nullopt;
    if (load_be<int16_t>(key.data()) != 0) return std::nullopt; // only version 0 exists
    int16_t t = load_be<int16_t>(key.data() + 2);
    if (t != 0 && t != 1) return std::nullopt;
    return static_cast<control_type>(t);
}

result<control_record> parse_control_record(std::span<const uint8_t> key, std::span<const uint8_t> value) {
    if (key.size() < 4 || load_be<int16_t>(key.data()) < 0) return error_code::corrupt_message;
    int16_t type = load_be<int16_t>(key.data() + 2);
    if (type != int16_t(control_type::abort) && type != int16_t(control_type::commit))
        return error_code::unsupported_version;
    if (value.size() < 6 || load_be<int16_t>(value.data()) < 0) return error_code::corrupt_message;
    return control_record{type == int16_t(control_type::commit), load_be<int32_t>(value.data() + 2)};
}

} // namespace brook::records
