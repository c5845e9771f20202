#include "stream/status.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "client/admin.h"

namespace brook::stream {
namespace {

constexpr int timeout_ms = 10000;
constexpr std::string_view group_prefix = "brook-sql-";

std::string ranges(const std::set<int32_t>& xs) {
    std::string s;
    for (auto it = xs.begin(); it != xs.end();) {
        auto end = it;
        while (std::next(end) != xs.end() && *std::next(end) == *end + 1) ++end;
        if (!s.empty()) s += ",";
        s += std::to_string(*it) + (end != it ? "-" + std::to_string(*end) : "");
        it = std::next(end);
    }
    return s.empty() ? "none" : s;
}

nlohmann::json describe_job(client::admin& a, const client::group_listing& g) {
    const std::string job = g.group.substr(group_prefix.size());
    const std::string repartition = g.group + "-repartition";
    nlohmann::json j = {{"job", job}, {"group", g.group}, {"state", g.state}};
    if (auto t = a.describe_topic(repartition, timeout_ms)) j["key_groups"] = t->partitions.size();
    else j["key_groups"] = nullptr;
    nlohmann::json workers = nlohmann::json::array();
    if (auto d = a.describe_group(g.group, timeout_ms)) {
        for (const auto& m : d->members) {
            std::set<int32_t> kgs;
            nlohmann::json sources = nlohmann::json::array();
            for (const auto& tp : m.assignment) {
                if (tp.topic == repartition) kgs.insert(tp.partition);
                else sources.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
            }
            // client.id = brook-sql-<worker>[@<metrics addr>]
            std::string worker = m.client_id, metrics;
            if (worker.rfind(group_prefix, 0) == 0) worker = worker.substr(group_prefix.size());
            if (auto at = worker.find('@'); at != std::string::npos) {
                metrics = "http://" + worker.substr(at + 1) + "/metrics";
                worker = worker.substr(0, at);
            }
            workers.push_back({{"worker", worker}, {"member_id", m.member_id}, {"client_id", m.client_id}, {"host", m.host},
                               {"key_groups", std::vector<int32_t>(kgs.begin(), kgs.end())}, {"source_partitions", sources},
                               {"metrics", metrics.empty() ? nlohmann::json(nullptr) : nlohmann::json(metrics)}});
        }
    } else {
        j["error"] = d.err().message;
    }
    j["workers"] = workers;
    nlohmann::json lag = nlohmann::json::array();
    int64_t source_lag = 0, repartition_lag = 0;
    if (auto l = a.group_lag(g.group, timeout_ms)) {
        for (const auto& pl : *l) {
            lag.push_back({{"topic", pl.tp.topic}, {"partition", pl.tp.partition}, {"committed", pl.committed},
                           {"log_end", pl.log_end}, {"lag", pl.lag}});
            (pl.tp.topic == repartition ? repartition_lag : source_lag) += pl.lag;
        }
    }
    j["lag"] = lag;
    j["source_lag"] = source_lag;
    j["repartition_lag"] = repartition_lag;
    return j;
}

void print_text(const nlohmann::json& jobs) {
    if (jobs.empty()) {
        std::cout << "no brook sql jobs (consumer groups named " << group_prefix << "*)\n";
        return;
    }
    for (const auto& j : jobs) {
        std::cout << "job " << j["job"].get<std::string>() << "  group " << j["group"].get<std::string>() << "  "
                  << j["state"].get<std::string>() << "  " << j["workers"].size() << " worker(s)  "
                  << (j["key_groups"].is_null() ? std::string("?") : std::to_string(j["key_groups"].get<int>())) << " key groups  lag: source "
                  << j["source_lag"].get<int64_t>() << ", repartition " << j["repartition_lag"].get<int64_t>() << "\n";
        if (j.contains("error")) std::cout << "  (members: " << j["error"].get<std::string>() << ")\n";
        for (const auto& w : j["workers"]) {
            std::set<int32_t> kgs(w["key_groups"].begin(), w["key_groups"].end());
            std::map<std::string, std::set<int32_t>> src;
            for (const auto& s : w["source_partitions"]) src[s["topic"].get<std::string>()].insert(s["partition"].get<int32_t>());
            std::cout << "  worker " << w["worker"].get<std::string>() << "  " << w["host"].get<std::string>() << "  key groups "
                      << ranges(kgs);
            for (const auto& [t, ps] : src) std::cout << "  " << t << " " << ranges(ps);
            if (!w["metrics"].is_null()) std::cout << "  " << w["metrics"].get<std::string>();
            std::cout << "\n";
        }
    }
}

} // namespace

int sql_status(const std::string& brokers, bool json) {
    auto a = client::admin::create(client::base_config(brokers));
    if (!a) {
        std::cerr << "brook sql status: " << a.err().message << "\n";
        return 1;
    }
    if (auto c = a->describe_cluster(timeout_ms); !c) {
        std::cerr << "brook sql status: " << (c.err().unreachable ? "cannot reach the brokers at " + brokers : c.err().message) << "\n";
        return 1;
    }
    auto groups = a->list_groups(timeout_ms);
    if (!groups) {
        std::cerr << "brook sql status: " << (groups.err().unreachable ? "cannot reach the brokers at " + brokers : groups.err().message) << "\n";
        return 1;
    }
    nlohmann::json jobs = nlohmann::json::array();
    std::vector<client::group_listing> ours;
    for (const auto& g : *groups)
        if (g.group.rfind(group_prefix, 0) == 0 && g.group.size() > group_prefix.size()) ours.push_back(g);
    std::sort(ours.begin(), ours.end(), [](const auto& x, const auto& y) { return x.group < y.group; });
    for (const auto& g : ours) jobs.push_back(describe_job(*a, g));
    if (json) std::cout << nlohmann::json{{"jobs", jobs}}.dump(2) << "\n";
    else print_text(jobs);
    return 0;
}

} // namespace brook::stream
