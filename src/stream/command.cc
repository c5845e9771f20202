#include "stream/command.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "stream/job.h"
#include "stream/catalog.h"
#include "stream/parser.h"
#include "stream/planner.h"
#include "stream/watermark.h"

namespace brook::stream {
namespace {

std::atomic<bool> stop_requested{false};
extern "C" void on_sql_stop_signal(int) { stop_requested = true; }

// FILE:LINE:COL: error: MESSAGE, then the line and a caret under the column.
void print_sql_error(const std::string& path, const std::string& text, const sql_error& e) {
    std::cerr << path << ":" << e.pos.line << ":" << e.pos.col << ": error: " << e.message << "\n";
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (n != e.pos.line) continue;
        std::cerr << "  " << line << "\n  " << std::string(size_t(std::max(0, e.pos.col - 1)), ' ') << "^\n";
        break;
    }
}

std::string describe_watermark(int64_t wm) {
    if (wm == no_watermark) return "none yet";
    return format_timestamp(wm);
}

} // namespace

int run_sql_file(const std::string& path, const std::string& brokers, const std::string& state_dir) {
    std::ifstream f(path);
    if (!f) {
        std::cerr << "brook sql: cannot read " << path << "\n";
        return 2;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    auto stmts = parse_script(text);
    if (!stmts) {
        print_sql_error(path, text, stmts.err());
        return 2;
    }
    auto plan = plan_script(*stmts, brokers);
    if (!plan) {
        print_sql_error(path, text, plan.err());
        return 2;
    }
    for (const auto& w : plan->warnings) std::cerr << path << ": " << w << "\n";
    if (plan->jobs.empty()) {
        std::cerr << path << ": nothing to run: the file has no INSERT INTO statement\n";
        return 2;
    }

    std::signal(SIGINT, on_sql_stop_signal);
    std::signal(SIGTERM, on_sql_stop_signal);
    const bool tty = isatty(STDERR_FILENO) != 0;
    std::mutex print_mu;
    std::vector<int> rcs(plan->jobs.size(), 0);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < plan->jobs.size(); ++i) {
        threads.emplace_back([&, i] {
            const job_plan& jp = plan->jobs[i];
            job_options o;
            o.stop = &stop_requested;
            if (!state_dir.empty()) o.state_dir = state_dir + "/" + std::to_string(i + 1) + "-" + jp.sink.name;
            if (auto it = plan->cat.settings.find("execution.checkpointing.interval"); it != plan->cat.settings.end())
                o.checkpoint_interval_ms = *parse_duration_ms(it->second);
            o.on_progress = [&](const job_progress& p) {
                if (!tty && !p.finished) return;
                std::lock_guard lock(print_mu);
                std::cerr << (tty && !p.finished ? "\r\033[K" : "") << "brook sql: " << jp.name << ": "
                          << p.records_in << " records in, " << p.rows_out << " rows out, " << p.late_rows
                          << " late, " << p.open_windows << " open windows, watermark " << describe_watermark(p.watermark)
                          << (state_dir.empty() ? "" : ", state " + std::to_string(p.state_bytes) + " B")
                          << (p.finished ? (stop_requested ? " (stopped)\n" : " (finished)\n") : "") << std::flush;
            };
            rcs[i] = run_job(jp, o);
            if (rcs[i] != 0) stop_requested = true; // one failed job stops the file's others
        });
    }
    for (auto& t : threads) t.join();
    int rc = 0;
    for (int x : rcs) rc = std::max(rc, x);
    return rc;
}

sql_command::sql_command(CLI::App& app) {
    auto* sql = app.add_subcommand("sql", "Event-time SQL windows over Kafka topics (Flink SQL's surface)");
    sql->require_subcommand(1);
    auto* run = sql->add_subcommand("run", "Run the SET / CREATE TABLE / INSERT INTO statements of a file; one job per INSERT");
    run->add_option("file", file_, "The job file (JOB.sql)")->required();
    run->add_option("-b,--brokers", brokers_, "Default 'properties.bootstrap.servers' of the file's tables")
        ->envname("BROOK_BROKERS")
        ->capture_default_str();
    run->add_option("--state-dir", state_dir_,
                    "Checkpoint window state, offsets and watermarks here (RocksDB); a job started again resumes from it");
    run->callback([this] { picked_ = [this] { return run_sql_file(file_, brokers_, state_dir_); }; });
}

std::optional<int> sql_command::run() const {
    if (!picked_) return std::nullopt;
    return picked_();
}

} // namespace brook::stream
