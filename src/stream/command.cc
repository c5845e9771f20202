#include "stream/command.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "http/router.h"
#include "http/standalone.h"
#include "stream/job.h"
#include "stream/job_metrics.h"
#include "stream/status.h"
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

int run_sql_file(const std::string& path, const std::string& brokers, const std::string& state_dir, const std::string& metrics_addr) {
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

    // --metrics-addr: a one-thread HTTP listener; the jobs publish into `metrics`.
    job_metrics metrics;
    http::router routes;
    std::unique_ptr<http::standalone_server> metrics_http;
    std::string advertised_metrics;
    if (!metrics_addr.empty()) {
        routes.add("GET", "/metrics", [&metrics](http::request&) -> boost::asio::awaitable<http::response> {
            const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
            co_return http::text_response(metrics.render(now), std::string(http::metrics::exposition::content_type));
        });
        try {
            metrics_http = std::make_unique<http::standalone_server>(metrics_addr, routes);
        } catch (const std::exception& e) {
            std::cerr << "brook sql: --metrics-addr " << metrics_addr << ": " << e.what() << "\n";
            return 2;
        }
        advertised_metrics = metrics_addr.substr(0, metrics_addr.rfind(':') + 1) + std::to_string(metrics_http->port());
        std::cerr << "brook sql: metrics on http://" << advertised_metrics << "/metrics\n";
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
            const std::string label = std::to_string(i + 1) + "-" + jp.sink.name;
            if (!state_dir.empty()) o.state_dir = state_dir + "/" + label;
            o.metrics_addr = advertised_metrics;
            if (metrics_http) o.on_checkpoint = [&metrics, label](int64_t ms) { metrics.observe_checkpoint(label, double(ms) / 1000.0); };
            if (auto it = plan->cat.settings.find("execution.checkpointing.interval"); it != plan->cat.settings.end())
                o.checkpoint_interval_ms = *parse_duration_ms(it->second);
            o.on_progress = [&, label](const job_progress& p) {
                if (metrics_http) metrics.publish(label, p);
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
    if (metrics_http) metrics_http->stop();
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
    run->add_option("--metrics-addr", metrics_addr_,
                    "Serve each job's metrics at http://HOST:PORT/metrics (Prometheus text format; port 0: any free port)");
    run->callback([this] { picked_ = [this] { return run_sql_file(file_, brokers_, state_dir_, metrics_addr_); }; });
    auto* status = sql->add_subcommand("status", "Show the running exactly-once windowed jobs: workers, key groups, lag, metrics endpoints");
    status->add_option("-b,--brokers", status_brokers_, "Bootstrap brokers")->envname("BROOK_BROKERS")->capture_default_str();
    status->add_option("--format", status_format_, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    status->callback([this] { picked_ = [this] { return sql_status(status_brokers_, status_format_ == "json"); }; });
}

std::optional<int> sql_command::run() const {
    if (!picked_) return std::nullopt;
    return picked_();
}

} // namespace brook::stream
