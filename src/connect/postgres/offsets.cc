#include "connect/postgres/offsets.h"

#include <nlohmann/json.hpp>

#include "client/admin.h"
#include "client/consumer.h"

namespace brook::connect::pg {

offset_store::offset_store(std::string topic, std::string prefix, std::string slot) : topic_(std::move(topic)) {
    key_ = nlohmann::json::array({"brook-cdc", {{"server", prefix}, {"slot", slot}}}).dump();
}

client::record offset_store::record(const stored_position& p, int64_t ts_ms) const {
    client::record r;
    r.topic = topic_;
    r.partition = 0;
    r.key = key_;
    nlohmann::ordered_json v = {{"state", p.snapshot_in_progress ? "snapshot" : "streaming"},
                                {"lsn", p.at},
                                {"lsn_text", format_lsn(p.at)},
                                {"ts_ms", ts_ms}};
    r.value = v.dump();
    return r;
}

expected<std::optional<stored_position>> offset_store::read(const std::string& brokers, int timeout_ms) const {
    auto cfg = client::base_config(brokers);
    cfg.emplace_back("isolation.level", "read_committed");
    cfg.emplace_back("fetch.wait.max.ms", "50"); // an empty topic's end shows at the first fetch
    auto c = client::consumer::create(cfg);
    if (!c) return runtime_error("reading " + topic_ + ": " + c.err().message);
    if (auto s = c->assign({{{topic_, 0}, client::offset_beginning}}); !s)
        return runtime_error("reading " + topic_ + ": " + s.err().message);
    std::optional<stored_position> last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (std::chrono::steady_clock::now() > deadline)
            return runtime_error("reading " + topic_ + ": no end of the topic within " + std::to_string(timeout_ms) + " ms");
        auto ev = c->poll(200);
        if (!ev) return runtime_error("reading " + topic_ + ": " + ev.err().message);
        if (std::holds_alternative<client::partition_end>(*ev)) break;
        auto* r = std::get_if<client::record>(&*ev);
        if (!r || r->key != key_) continue;
        if (!r->value) {
            last.reset();
            continue;
        }
        auto v = nlohmann::json::parse(*r->value, nullptr, false);
        if (v.is_discarded() || !v.contains("lsn") || !v.contains("state"))
            return runtime_error(topic_ + " holds a record for this source that is not a position: " + *r->value);
        last = stored_position{v["state"] == "snapshot", v["lsn"].get<lsn>()};
    }
    return last;
}

} // namespace brook::connect::pg
