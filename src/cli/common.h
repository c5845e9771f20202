#pragma once
// What every `brook` client command shares: the global flags, exit codes, the one printer for
// tables and JSON rows, and turning client errors into a line that says what to fix.
// Runs on the main thread of a short-lived process.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "client/admin.h"
#include "client/config.h"
#include "client/error.h"

namespace brook::cli {

// 0 done, 1 a Kafka or broker error, 2 bad usage (CLI11's parse errors map to 2 as well).
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

struct global_options {
    std::string brokers = "localhost:9092";
    std::string format = "text"; // text | json
    bool json() const { return format == "json"; }
};

// Adds -b/--brokers (env BROOK_BROKERS) and --format to one command.
void add_global_options(CLI::App* cmd, global_options& g);

// The config every command starts from: bootstrap servers and fail-fast timeouts.
client::config client_config(const global_options& g);

// How long a command waits for the cluster to answer before calling it unreachable.
inline constexpr int connect_timeout_ms = 5000;
inline constexpr int request_timeout_ms = 15000;

// Prints "brook: <what failed>: <why>" to stderr, rewording unreachable-broker errors to name
// the address and the flag; returns exit_failed.
int fail(const global_options& g, const std::string& what, const client::error& e);
// A usage error found after parsing (e.g. a bad -c value): prints it, returns exit_usage.
int usage(const std::string& message);

// An admin client that has already reached the cluster once (so later calls fail on the
// operation, not on the address).
client::outcome<client::admin> connect_admin(const global_options& g);

// One table, printed as aligned text columns or as one JSON object per row.
struct table {
    std::vector<std::string> columns; // JSON keys; upper-cased for the text header
    std::vector<nlohmann::ordered_json> rows;
    void print(const global_options& g) const;
};

// Where `main` finds the command the user picked, run after CLI11 parsed the line.
using action = std::function<int()>;

} // namespace brook::cli
