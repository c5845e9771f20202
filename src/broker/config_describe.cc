#include "broker/config_describe.h"

namespace brook::broker {
namespace {

// The levels a broker property can be set at, highest precedence first (Kafka's synonym order).
std::vector<config_synonym> broker_levels(const config::property& p, const dynamic_config& dyn,
                                          const config::broker_config& statics) {
    std::vector<config_synonym> out;
    if (auto it = dyn.stored.broker.find(p.name); it != dyn.stored.broker.end())
        out.push_back({p.name, it->second, config_source::dynamic_broker});
    if (auto it = dyn.stored.cluster_default.find(p.name); it != dyn.stored.cluster_default.end())
        out.push_back({p.name, it->second, config_source::dynamic_default_broker});
    if (statics.set_explicitly.contains(std::string_view(p.name)))
        out.push_back({p.name, config::get_property(statics, p), config_source::static_broker});
    out.push_back({p.name, config::get_property(config::broker_config{}, p), config_source::default_config});
    return out;
}

} // namespace

std::vector<described_config> describe_topic_configs(const topic_info& t, const dynamic_config& dyn,
                                                     const config::broker_config& statics) {
    std::vector<described_config> out;
    for (const auto& tp : config::topic_properties()) {
        described_config d;
        d.name = tp.name;
        d.type = tp.type;
        d.doc = tp.doc;
        if (auto it = t.configs.find(tp.name); it != t.configs.end())
            d.synonyms.push_back({tp.name, it->second, config_source::dynamic_topic});
        const config::property* bp = tp.broker_synonym ? config::find_property(tp.broker_synonym) : nullptr;
        if (bp) {
            for (auto& s : broker_levels(*bp, dyn, statics)) d.synonyms.push_back(std::move(s));
        } else {
            // No broker-level setting in Brook: the default is Kafka's (or Brook's own key's).
            d.synonyms.push_back({tp.broker_synonym ? tp.broker_synonym : tp.name,
                                  tp.broker_default(config::broker_config{}), config_source::default_config});
        }
        d.source = d.synonyms.front().source;
        d.value = d.source == config_source::dynamic_topic ? d.synonyms.front().value
                                                           : std::optional<std::string>(tp.broker_default(dyn.effective));
        out.push_back(std::move(d));
    }
    for (const auto& [k, v] : t.configs) {
        if (config::find_topic_property(k)) continue;
        described_config d;
        d.name = k;
        d.value = v;
        d.source = config_source::dynamic_topic;
        d.synonyms.push_back({k, v, config_source::dynamic_topic});
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<described_config> describe_broker_configs(const dynamic_config& dyn, const config::broker_config& statics,
                                                      bool cluster_default) {
    std::vector<described_config> out;
    for (const auto& p : config::properties()) {
        described_config d;
        d.name = p.name;
        d.type = config::type_of(p);
        d.doc = p.doc;
        d.read_only = !p.live;
        if (cluster_default) {
            auto it = dyn.stored.cluster_default.find(p.name);
            if (it == dyn.stored.cluster_default.end()) continue;
            d.value = it->second;
            d.source = config_source::dynamic_default_broker;
            d.synonyms.push_back({p.name, it->second, config_source::dynamic_default_broker});
        } else {
            d.synonyms = broker_levels(p, dyn, statics);
            d.source = d.synonyms.front().source;
            d.value = config::get_property(dyn.effective, p);
        }
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace brook::broker
