#include "cli/common.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "cli/format.h"

namespace brook::cli {

void add_global_options(CLI::App* cmd, global_options& g) {
    cmd->add_option("-b,--brokers", g.brokers, "Kafka bootstrap servers HOST:PORT[,...]")
        ->envname("BROOK_BROKERS")
        ->capture_default_str();
    cmd->add_option("--format", g.format, "Output: text tables, or json (one object per row or record)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
}

client::config client_config(const global_options& g) { return client::base_config(g.brokers); }

int fail(const global_options& g, const std::string& what, const client::error& e) {
    if (e.unreachable)
        std::cerr << "brook: cannot reach the broker at " << g.brokers << " (check --brokers): " << e.message << "\n";
    else
        std::cerr << "brook: " << what << ": " << e.message << " (" << e.code_name() << ")\n";
    return exit_failed;
}

int usage(const std::string& message) {
    std::cerr << "brook: " << message << "\n";
    return exit_usage;
}

client::outcome<client::admin> connect_admin(const global_options& g) {
    auto a = client::admin::create(client_config(g));
    if (!a) return a.err();
    if (auto md = client::fetch_metadata(a->raw(), connect_timeout_ms); !md) return md.err();
    return a;
}

namespace {
std::string cell(const nlohmann::ordered_json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "-";
    if (v.is_array()) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ",") + cell(x);
        return out;
    }
    return dump_line(v);
}
} // namespace

void table::print(const global_options& g) const {
    if (g.json()) {
        for (const auto& r : rows) std::cout << dump_line(r) << "\n";
        return;
    }
    std::vector<std::vector<std::string>> text;
    std::vector<std::string> head;
    for (auto c : columns) {
        std::ranges::transform(c, c.begin(), [](unsigned char x) { return x == '_' ? '-' : std::toupper(x); });
        head.push_back(c);
    }
    text.push_back(head);
    for (const auto& r : rows) {
        std::vector<std::string> line;
        for (const auto& c : columns) line.push_back(r.contains(c) ? cell(r[c]) : "");
        text.push_back(std::move(line));
    }
    std::vector<size_t> width(columns.size(), 0);
    for (const auto& line : text)
        for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
    for (const auto& line : text) {
        std::string out;
        for (size_t i = 0; i < line.size(); ++i) {
            out += line[i];
            if (i + 1 < line.size()) out += std::string(width[i] - line[i].size() + 2, ' ');
        }
        std::cout << out << "\n";
    }
}

} // namespace brook::cli
