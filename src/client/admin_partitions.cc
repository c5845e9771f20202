// admin::create_partitions and admin::delete_records: librdkafka's CreatePartitions and
// DeleteRecords admin calls, one topic / one partition per call.
#include <array>
#include <memory>

#include "client/admin.h"

namespace brook::client {

status admin::create_partitions(const std::string& topic, int total, int timeout_ms) {
    std::array<char, 512> err{};
    std::unique_ptr<rd_kafka_NewPartitions_t, decltype(&rd_kafka_NewPartitions_destroy)> np{
        rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), err.data(), err.size()),
        &rd_kafka_NewPartitions_destroy};
    if (!np) return make_error(RD_KAFKA_RESP_ERR__INVALID_ARG, err.data());
    rd_kafka_NewPartitions_t* arr[] = {np.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_ms);
    rd_kafka_AdminOptions_set_operation_timeout(opts.get(), timeout_ms, err.data(), err.size());
    rd_kafka_CreatePartitions(rk_.get(), arr, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev->get()), &n);
    for (size_t i = 0; i < n; ++i)
        if (auto rc = rd_kafka_topic_result_error(res[i])) {
            const char* s = rd_kafka_topic_result_error_string(res[i]);
            return make_error(rc, s ? s : "");
        }
    return ok{};
}

outcome<int64_t> admin::delete_records(const topic_partition& tp, int64_t before, int timeout_ms) {
    tpl_handle list{rd_kafka_topic_partition_list_new(1)};
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = before;
    std::unique_ptr<rd_kafka_DeleteRecords_t, decltype(&rd_kafka_DeleteRecords_destroy)> req{
        rd_kafka_DeleteRecords_new(list.get()), &rd_kafka_DeleteRecords_destroy};
    rd_kafka_DeleteRecords_t* arr[] = {req.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_DELETERECORDS, timeout_ms);
    rd_kafka_DeleteRecords(rk_.get(), arr, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_DELETERECORDS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    const auto* parts = rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev->get()));
    if (!parts || parts->cnt != 1) return make_error(RD_KAFKA_RESP_ERR__FAIL, "no DeleteRecords result for the partition");
    if (parts->elems[0].err) return make_error(parts->elems[0].err);
    return parts->elems[0].offset;
}

} // namespace brook::client
