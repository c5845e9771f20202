// admin::describe_configs / alter_configs over librdkafka's DescribeConfigs and AlterConfigs.
// (librdkafka 2.0 has no IncrementalAlterConfigs; single-key edits are read-modify-write.)
#include <memory>

#include "client/admin.h"

namespace brook::client {
namespace {

using resource_handle = std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)>;

resource_handle make_resource(config_resource kind, const std::string& name) {
    return {rd_kafka_ConfigResource_new(kind == config_resource::topic ? RD_KAFKA_RESOURCE_TOPIC : RD_KAFKA_RESOURCE_BROKER,
                                        name.c_str()),
            &rd_kafka_ConfigResource_destroy};
}

// The first resource of a result (we always send one), or its error with the broker's message.
outcome<const rd_kafka_ConfigResource_t*> only_resource(const rd_kafka_ConfigResource_t** res, size_t n) {
    if (n < 1) return make_error(RD_KAFKA_RESP_ERR__FAIL, "the broker answered with no resource");
    if (auto rc = rd_kafka_ConfigResource_error(res[0])) {
        const char* s = rd_kafka_ConfigResource_error_string(res[0]);
        return make_error(rc, s ? s : "");
    }
    return res[0];
}

} // namespace

outcome<std::vector<config_entry>> admin::describe_configs(config_resource kind, const std::string& name, int timeout_ms) {
    auto r = make_resource(kind, name);
    rd_kafka_ConfigResource_t* arr[] = {r.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms);
    rd_kafka_DescribeConfigs(rk_.get(), arr, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev->get()), &n);
    auto one = only_resource(res, n);
    if (!one) return one.err();
    size_t cnt = 0;
    auto** entries = rd_kafka_ConfigResource_configs(*one, &cnt);
    std::vector<config_entry> out;
    for (size_t i = 0; i < cnt; ++i) {
        config_entry e;
        e.name = rd_kafka_ConfigEntry_name(entries[i]);
        if (const char* v = rd_kafka_ConfigEntry_value(entries[i])) e.value = v;
        e.source = rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[i]));
        e.read_only = rd_kafka_ConfigEntry_is_read_only(entries[i]);
        e.sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[i]);
        e.is_default = rd_kafka_ConfigEntry_is_default(entries[i]);
        out.push_back(std::move(e));
    }
    return out;
}

status admin::alter_configs(config_resource kind, const std::string& name, const config& configs, int timeout_ms) {
    auto r = make_resource(kind, name);
    for (const auto& [k, v] : configs)
        if (auto rc = rd_kafka_ConfigResource_set_config(r.get(), k.c_str(), v.c_str())) return make_error(rc);
    rd_kafka_ConfigResource_t* arr[] = {r.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeout_ms);
    rd_kafka_AlterConfigs(rk_.get(), arr, 1, opts.get(), queue_.get());
    auto ev = wait(RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, timeout_ms);
    if (!ev) return ev.err();
    size_t n = 0;
    auto** res = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev->get()), &n);
    auto one = only_resource(res, n);
    if (!one) return one.err();
    return ok{};
}

} // namespace brook::client
