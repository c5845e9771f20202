// `brook produce TOPIC`: stdin lines become records, idempotent with acks=all.
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "cli/format.h"
#include "client/producer.h"

namespace brook::cli {
namespace {

struct produce_options {
    global_options g;
    std::string topic;
    std::string key_separator; // empty: the whole line is the value, no key
    std::vector<std::string> headers;
    int partition = -1;
    std::string compression = "none";
    std::vector<std::string> client_configs;
};

int run_produce(const produce_options& o) {
    std::vector<client::header> headers;
    for (const auto& h : o.headers) {
        auto kv = parse_key_value(h);
        if (!kv) return usage("bad -H value '" + h + "': expected key=value");
        headers.push_back({kv->first, kv->second});
    }
    auto cfg = client_config(o.g);
    cfg.emplace_back("compression.codec", o.compression);
    for (const auto& x : o.client_configs) {
        auto kv = parse_key_value(x);
        if (!kv) return usage("bad -X value '" + x + "': expected key=value");
        cfg.push_back(*kv);
    }
    const std::string what = "produce to " + o.topic;
    // The topic must exist: otherwise librdkafka waits out message.timeout.ms for it.
    {
        auto a = connect_admin(o.g);
        if (!a) return fail(o.g, what, a.err());
        auto t = a->describe_topic(o.topic, request_timeout_ms);
        if (!t) return fail(o.g, what, t.err());
        if (o.partition >= static_cast<int>(t->partitions.size()))
            return usage("--partition " + std::to_string(o.partition) + ": topic " + o.topic + " has " +
                         std::to_string(t->partitions.size()) + " partition(s)");
    }
    auto p = client::producer::create(cfg);
    if (!p) return fail(o.g, what, p.err());

    uint64_t sent = 0, delivered = 0, failed = 0;
    std::optional<client::error> first_error;
    auto tally = [&](const std::vector<client::delivery>& ds) {
        for (const auto& d : ds) {
            if (d.failed) {
                ++failed;
                if (!first_error) first_error = d.failed;
            } else {
                ++delivered;
            }
        }
    };
    std::string line;
    while (std::getline(std::cin, line)) {
        client::record r;
        r.topic = o.topic;
        r.partition = o.partition;
        r.headers = headers;
        if (auto at = o.key_separator.empty() ? std::string::npos : line.find(o.key_separator);
            at != std::string::npos) {
            r.key = line.substr(0, at);
            r.value = line.substr(at + o.key_separator.size());
        } else {
            r.value = line;
        }
        auto id = p->send(r);
        if (!id) {
            tally(p->flush(request_timeout_ms));
            return fail(o.g, what, id.err());
        }
        ++sent;
        if (sent % 1000 == 0) tally(p->poll(0));
    }
    // Everything sent must be reported before we can say how it went.
    while (p->in_flight() > 0 || delivered + failed < sent) {
        auto ds = p->flush(1000);
        tally(ds);
        if (ds.empty() && p->in_flight() == 0) break;
    }
    if (o.g.json())
        std::cout << dump_line({{"topic", o.topic}, {"produced", delivered}, {"failed", failed}}) << "\n";
    else
        std::cerr << "produced " << delivered << " record(s) to " << o.topic
                  << (failed ? ", " + std::to_string(failed) + " failed" : "") << "\n";
    if (first_error) return fail(o.g, what, *first_error);
    return exit_ok;
}

} // namespace

void add_produce_command(CLI::App& app, action& picked) {
    auto o = std::make_shared<produce_options>();
    auto* cmd = app.add_subcommand("produce", "Produce stdin lines to a topic (idempotent, acks=all)");
    cmd->add_option("topic", o->topic, "Topic name")->required();
    cmd->add_option("-k,--key-separator", o->key_separator, "Split each line into key and value at the first SEP");
    cmd->add_option("-H,--header", o->headers, "Header key=value on every record (repeatable)");
    cmd->add_option("--partition", o->partition, "Partition to write to (default: by key hash)")->check(CLI::NonNegativeNumber);
    cmd->add_option("-z,--compression", o->compression, "none, gzip, snappy, lz4 or zstd")
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
        ->capture_default_str();
    cmd->add_option("-X,--client-config", o->client_configs, "librdkafka producer property key=value (repeatable)");
    add_global_options(cmd, o->g);
    cmd->callback([o, &picked] { picked = [o] { return run_produce(*o); }; });
}

} // namespace brook::cli
