// `brook topic add-partitions` (CreatePartitions) and `brook topic trim` (DeleteRecords).
// Flags follow rpk: `rpk topic add-partitions -n`, `rpk topic trim-prefix -p -o`.
#include <algorithm>
#include <charconv>
#include <memory>

#include "cli/cli.h"

namespace brook::cli {
namespace {

struct add_partitions_options {
    global_options g;
    std::string name;
    int add = 0;
};

int run_add_partitions(const add_partitions_options& o) {
    const std::string what = "add partitions to topic " + o.name;
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, what, a.err());
    auto t = a->describe_topic(o.name, request_timeout_ms);
    if (!t) return fail(o.g, what, t.err());
    const int before = static_cast<int>(t->partitions.size());
    if (auto s = a->create_partitions(o.name, before + o.add, request_timeout_ms); !s) return fail(o.g, what, s.err());
    table out{{"topic", "partitions_before", "partitions"}, {{{"topic", o.name}, {"partitions_before", before}, {"partitions", before + o.add}}}};
    out.print(o.g);
    return exit_ok;
}

struct trim_options {
    global_options g;
    std::string name;
    std::vector<int32_t> partitions; // empty: every partition
    std::string offset;
};

int run_trim(const trim_options& o) {
    // "end" is DeleteRecords' -1: everything up to the high watermark.
    int64_t before = -1;
    if (o.offset != "end") {
        auto [ptr, ec] = std::from_chars(o.offset.data(), o.offset.data() + o.offset.size(), before);
        if (ec != std::errc() || ptr != o.offset.data() + o.offset.size() || before < 0)
            return usage("bad -o value '" + o.offset + "': expected an offset >= 0 or 'end'");
    }
    const std::string what = "trim topic " + o.name;
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, what, a.err());
    auto t = a->describe_topic(o.name, request_timeout_ms);
    if (!t) return fail(o.g, what, t.err());
    std::vector<int32_t> parts = o.partitions;
    if (parts.empty())
        for (const auto& p : t->partitions) parts.push_back(p.partition);
    int rc = exit_ok;
    table out{{"topic", "partition", "log_start", "error"}, {}};
    for (int32_t p : parts) {
        auto start = a->delete_records({o.name, p}, before, request_timeout_ms);
        out.rows.push_back({{"topic", o.name}, {"partition", p}, {"log_start", start ? *start : -1},
                            {"error", start ? "" : start.err().code_name()}});
        if (!start) rc = fail(o.g, what + " partition " + std::to_string(p), start.err());
    }
    out.print(o.g);
    return rc;
}

} // namespace

void add_topic_admin_commands(CLI::App* topic, action& picked) {
    auto ap = std::make_shared<add_partitions_options>();
    auto* add = topic->add_subcommand("add-partitions", "Add partitions to a topic (existing records stay where they are)");
    add->add_option("name", ap->name, "Topic name")->required();
    add->add_option("-n,--num", ap->add, "How many partitions to add")->required()->check(CLI::PositiveNumber);
    add_global_options(add, ap->g);
    add->callback([ap, &picked] { picked = [ap] { return run_add_partitions(*ap); }; });

    auto tr = std::make_shared<trim_options>();
    auto* trim = topic->add_subcommand(
        "trim", "Delete the records below an offset (DeleteRecords): the partitions' log start moves there");
    trim->add_option("name", tr->name, "Topic name")->required();
    trim->add_option("-p,--partitions", tr->partitions, "Partition (repeatable; default every partition)")
        ->check(CLI::NonNegativeNumber);
    trim->add_option("-o,--offset", tr->offset, "New log start offset, or 'end' (the high watermark)")->required();
    add_global_options(trim, tr->g);
    trim->callback([tr, &picked] { picked = [tr] { return run_trim(*tr); }; });
}

} // namespace brook::cli
