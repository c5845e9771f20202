#include "client/admin.h"

#include <algorithm>
#include <array>
#include <map>

namespace brook::client {

outcome<admin> admin::create(const config& cfg) {
    auto conf = make_conf(cfg);
    if (!conf) return conf.err();
    // Admin requests ride on a producer handle, as librdkafka's own tools do.
    auto rk = make_kafka(RD_KAFKA_PRODUCER, std::move(*conf));
    if (!rk) return rk.err();
    queue_handle q{rd_kafka_queue_new(rk->get())};
    return admin(std::move(*rk), std::move(q));
}

options_handle admin::options(rd_kafka_admin_op_t op, int timeout_ms) {
    options_handle o{rd_kafka_AdminOptions_new(rk_.get(), op)};
    std::array<char, 256> err{};
    rd_kafka_AdminOptions_set_request_timeout(o.get(), timeout_ms, err.data(), err.size());
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS)
        rd_kafka_AdminOptions_set_operation_timeout(o.get(), timeout_ms, err.data(), err.size());
    return o;
}

outcome<event_handle> admin::wait(rd_kafka_event_type_t type, int timeout_ms) {
    // librdkafka enforces the request timeout itself; the slack only covers its bookkeeping.
    event_handle ev{rd_kafka_queue_poll(queue_.get(), timeout_ms + 2000)};
    if (!ev) return make_error(RD_KAFKA_RESP_ERR__TIMED_OUT);
    if (auto rc = rd_kafka_event_error(ev.get())) return make_error(rc, rd_kafka_event_error_string(ev.get()));
    if (rd_kafka_event_type(ev.get()) != type) return make_error(RD_KAFKA_RESP_ERR__FAIL, "unexpected admin event");
    return ev;
}

outcome<cluster_info> admin::describe_cluster(int timeout_ms) {
    auto md = fetch_metadata(rk_.get(), timeout_ms);
    if (!md) return md.err();
    cluster_info c;
    const rd_kafka_metadata_t* m = md->get();
    for (int i = 0; i < m->broker_cnt; ++i)
        c.brokers.push_back({m->brokers[i].id, m->brokers[i].host, m->brokers[i].port});
    for (int i = 0; i < m->topic_cnt; ++i) {
        const auto& t = m->topics[i];
        topic_info ti{t.topic, {}};
        for (int p = 0; p < t.partition_cnt; ++p) {
            const auto& pm = t.partitions[p];
            partition_info pi{pm.id, pm.leader, {pm.replicas, pm.replicas + pm.replica_cnt},
                              {pm.isrs, pm.isrs + pm.isr_cnt}, std::nullopt};
            if (pm.err) pi.err = make_error(pm.err);
            ti.partitions.push_back(std::move(pi));
        }
        std::ranges::sort(ti.partitions, {}, &partition_info::partition);
        c.topics.push_back(std::move(ti));
    }
    std::ranges::sort(c.brokers, {}, &broker_info::id);
    std::ranges::sort(c.topics, {}, &topic_info::name);
    // Both come from the metadata cache just filled, so they cost no extra round trip.
    if (char* id = rd_kafka_clusterid(rk_.get(), 0)) {
        c.cluster_id = id;
        rd_kafka_mem_free(rk_.get(), id);
    }
    c.controller = rd_kafka_controllerid(rk_.get(), 0);
    return c;
}

outcome<topic_info> admin::describe_topic(const std::string& name, int timeout_ms) {
    auto c = describe_cluster(timeout_ms);
    if (!c) return c.err();
    for (auto& t : c->topics)
        if (t.name == name) return std::move(t);
    return make_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic '" + name + "' does not exist");
}

outcome<watermarks> admin::query_watermarks(const topic_partition& tp, int timeout_ms) {
    watermarks w;
    auto rc = rd_kafka_query_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition, &w.log_start, &w.high,
                                               timeout_ms);
    if (rc) return make_error(rc);
    return w;
}

status admin::create_topic(const new_topic& t, int timeout_ms) {
    std::array<char, 512> err{};
    std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> nt{
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err.data(), err.size()),
        &rd_kafka_NewTopic_destroy};
    if (!nt) return make_error(RD_KAFKA_RESP_ERR__INVALID_ARG, err.data());
    for (const auto& [k, v] : t.configs)
        if (auto rc = rd_kafka_NewTopic_set_config(nt.get(), k.c_str(), v.c_str())) return make_error(rc);
    rd_kafka_NewTopic_t* arr[] = {nt.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms);
    rd_kafka_CreateTopics(rk_.get(), arr, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev->get()), &n);
    for (size_t i = 0; i < n; ++i)
        if (auto rc = rd_kafka_topic_result_error(res[i])) {
            const char* s = rd_kafka_topic_result_error_string(res[i]);
            return make_error(rc, s ? s : "");
        }
    return ok{};
}

outcome<std::vector<topic_status>> admin::delete_topics(const std::vector<std::string>& names, int timeout_ms) {
    std::vector<std::unique_ptr<rd_kafka_DeleteTopic_t, decltype(&rd_kafka_DeleteTopic_destroy)>> owned;
    std::vector<rd_kafka_DeleteTopic_t*> arr;
    for (const auto& n : names) {
        owned.emplace_back(rd_kafka_DeleteTopic_new(n.c_str()), &rd_kafka_DeleteTopic_destroy);
        arr.push_back(owned.back().get());
    }
    auto opts = options(RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_ms);
    rd_kafka_DeleteTopics(rk_.get(), arr.data(), arr.size(), opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_DELETETOPICS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev->get()), &n);
    std::map<std::string, std::optional<error>> by_name;
    for (size_t i = 0; i < n; ++i) {
        std::optional<error> e;
        if (auto rc = rd_kafka_topic_result_error(res[i])) {
            const char* s = rd_kafka_topic_result_error_string(res[i]);
            e = make_error(rc, s ? s : "");
        }
        by_name[rd_kafka_topic_result_name(res[i])] = e;
    }
    std::vector<topic_status> out;
    for (const auto& name : names) out.push_back({name, by_name.count(name) ? by_name[name] : std::nullopt});
    return out;
}

outcome<std::vector<group_listing>> admin::list_groups(int timeout_ms) {
    auto opts = options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms);
    rd_kafka_ListConsumerGroups(rk_.get(), opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    const auto* result = rd_kafka_event_ListConsumerGroups_result(ev->get());
    size_t nerr = 0;
    auto** errs = rd_kafka_ListConsumerGroups_result_errors(result, &nerr);
    if (nerr > 0) return make_error(errs[0]);
    size_t n = 0;
    auto** valid = rd_kafka_ListConsumerGroups_result_valid(result, &n);
    std::vector<group_listing> out;
    for (size_t i = 0; i < n; ++i)
        out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                       rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(valid[i])),
                       rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
    std::ranges::sort(out, {}, &group_listing::group);
    return out;
}

namespace {
std::vector<topic_partition> to_vector(const rd_kafka_topic_partition_list_t* l) {
    std::vector<topic_partition> out;
    for (int i = 0; l && i < l->cnt; ++i) out.push_back({l->elems[i].topic, l->elems[i].partition});
    std::ranges::sort(out);
    return out;
}
} // namespace

outcome<group_description> admin::describe_group(const std::string& group, int timeout_ms) {
    const char* groups[] = {group.c_str()};
    auto opts = options(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms);
    rd_kafka_DescribeConsumerGroups(rk_.get(), groups, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev->get()), &n);
    if (n != 1) return make_error(RD_KAFKA_RESP_ERR__FAIL, "no description for group '" + group + "'");
    const auto* g = res[0];
    if (const auto* e = rd_kafka_ConsumerGroupDescription_error(g)) return make_error(e);
    auto state = rd_kafka_ConsumerGroupDescription_state(g);
    if (state == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD)
        return make_error(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, "group '" + group + "' does not exist");
    group_description d;
    d.group = group;
    d.state = rd_kafka_consumer_group_state_name(state);
    if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) d.assignor = a;
    if (const auto* c = rd_kafka_ConsumerGroupDescription_coordinator(g)) d.coordinator = rd_kafka_Node_id(c);
    for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(g); ++i) {
        const auto* m = rd_kafka_ConsumerGroupDescription_member(g, i);
        group_member gm{rd_kafka_MemberDescription_consumer_id(m), rd_kafka_MemberDescription_client_id(m),
                        rd_kafka_MemberDescription_host(m), {}};
        if (const auto* a = rd_kafka_MemberDescription_assignment(m))
            gm.assignment = to_vector(rd_kafka_MemberAssignment_partitions(a));
        d.members.push_back(std::move(gm));
    }
    return d;
}

outcome<std::vector<partition_lag>> admin::group_lag(const std::string& group, int timeout_ms) {
    // A null partition list asks for every partition the group has committed.
    std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t, decltype(&rd_kafka_ListConsumerGroupOffsets_destroy)> req{
        rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr), &rd_kafka_ListConsumerGroupOffsets_destroy};
    rd_kafka_ListConsumerGroupOffsets_t* arr[] = {req.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms);
    rd_kafka_ListConsumerGroupOffsets(rk_.get(), arr, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev->get()), &n);
    if (n != 1) return make_error(RD_KAFKA_RESP_ERR__FAIL, "no offsets for group '" + group + "'");
    if (const auto* e = rd_kafka_group_result_error(res[0])) return make_error(e);
    const auto* parts = rd_kafka_group_result_partitions(res[0]);
    std::vector<partition_lag> out;
    for (int i = 0; parts && i < parts->cnt; ++i) {
        const auto& p = parts->elems[i];
        if (p.err) return make_error(p.err);
        partition_lag l{{p.topic, p.partition}, p.offset >= 0 ? p.offset : -1, 0, 0};
        auto w = query_watermarks(l.tp, timeout_ms);
        if (!w) return w.err();
        l.log_end = w->high;
        l.lag = w->high - (l.committed >= 0 ? l.committed : w->log_start);
        out.push_back(std::move(l));
    }
    std::ranges::sort(out, {}, &partition_lag::tp);
    return out;
}

outcome<std::vector<int64_t>> admin::offsets_for_time(const std::string& topic, const std::vector<int32_t>& partitions,
                                                      int64_t timestamp_ms, int timeout_ms) {
    tpl_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()))};
    for (int32_t p : partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = timestamp_ms;
    if (auto rc = rd_kafka_offsets_for_times(rk_.get(), list.get(), timeout_ms)) return make_error(rc);
    std::vector<int64_t> out;
    for (int i = 0; i < list->cnt; ++i) {
        const auto& e = list->elems[i];
        if (e.err) return make_error(e.err);
        out.push_back(e.offset); // -1 (end) when no record is that late: librdkafka's OFFSET_END
    }
    return out;
}

} // namespace brook::client
