#pragma once
// `brook sql run JOB.sql`: the command's registration on the binary's CLI11 app (src/app's
// main.cc calls it, as it does for serve and the client commands). Usage from main():
//   brook::stream::sql_command sql(app);
//   CLI11 parse ...
//   if (auto rc = sql.run()) return *rc;
// Exit codes: 0 done, 1 a job failed (broker, topic or record), 2 bad SQL or usage.
#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

namespace brook::stream {

class sql_command {
public:
    explicit sql_command(CLI::App& app);
    sql_command(const sql_command&) = delete;
    sql_command& operator=(const sql_command&) = delete;
    // The exit code when `brook sql ...` was picked, nullopt otherwise. After a successful parse.
    std::optional<int> run() const;

private:
    std::string file_;
    std::string brokers_ = "localhost:9092";
    std::string state_dir_;
    std::string metrics_addr_;
    std::string status_brokers_ = "localhost:9092";
    std::string status_format_ = "text";
    std::function<int()> picked_;
};

// Parses, plans and runs every INSERT INTO of a script (one thread per job) until they finish
// or SIGINT/SIGTERM stops them. Errors in the SQL print as FILE:LINE:COL: error: ... (exit 2).
// With state_dir, job N (1-based, in file order) checkpoints into state_dir/N-<sink table>.
// With metrics_addr (HOST:PORT), serves GET /metrics (job_metrics.h) there while the jobs run.
int run_sql_file(const std::string& path, const std::string& brokers, const std::string& state_dir = "",
                 const std::string& metrics_addr = "");

} // namespace brook::stream
