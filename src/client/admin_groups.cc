// admin: the calls that change consumer groups (DeleteGroups, AlterConsumerGroupOffsets).
#include <memory>

#include "client/admin.h"

namespace brook::client {

outcome<std::vector<group_status>> admin::delete_groups(const std::vector<std::string>& groups, int timeout_ms) {
    std::vector<std::unique_ptr<rd_kafka_DeleteGroup_t, decltype(&rd_kafka_DeleteGroup_destroy)>> owned;
    std::vector<rd_kafka_DeleteGroup_t*> arr;
    for (const auto& g : groups) {
        owned.emplace_back(rd_kafka_DeleteGroup_new(g.c_str()), &rd_kafka_DeleteGroup_destroy);
        arr.push_back(owned.back().get());
    }
    auto opts = options(RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms);
    rd_kafka_DeleteGroups(rk_.get(), arr.data(), arr.size(), opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_DELETEGROUPS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev->get()), &n);
    std::vector<group_status> out;
    for (const auto& g : groups) {
        group_status s{g, make_error(RD_KAFKA_RESP_ERR__FAIL, "no answer for group '" + g + "'")};
        for (size_t i = 0; i < n; ++i)
            if (g == rd_kafka_group_result_name(res[i])) {
                s.failed.reset();
                if (const auto* e = rd_kafka_group_result_error(res[i])) s.failed = make_error(e);
            }
        out.push_back(std::move(s));
    }
    return out;
}

status admin::alter_group_offsets(const std::string& group, const std::vector<partition_offset>& offsets, int timeout_ms) {
    tpl_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()))};
    for (const auto& po : offsets)
        rd_kafka_topic_partition_list_add(list.get(), po.tp.topic.c_str(), po.tp.partition)->offset = po.offset;
    std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t, decltype(&rd_kafka_AlterConsumerGroupOffsets_destroy)> req{
        rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()), &rd_kafka_AlterConsumerGroupOffsets_destroy};
    rd_kafka_AlterConsumerGroupOffsets_t* arr[] = {req.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms);
    rd_kafka_AlterConsumerGroupOffsets(rk_.get(), arr, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(ev->get()), &n);
    if (n != 1) return make_error(RD_KAFKA_RESP_ERR__FAIL, "no answer for group '" + group + "'");
    if (const auto* e = rd_kafka_group_result_error(res[0])) return make_error(e);
    const auto* parts = rd_kafka_group_result_partitions(res[0]);
    for (int i = 0; parts && i < parts->cnt; ++i)
        if (parts->elems[i].err)
            return make_error(parts->elems[i].err,
                              std::string("offset of ") + parts->elems[i].topic + "/" + std::to_string(parts->elems[i].partition));
    return ok{};
}

} // namespace brook::client
