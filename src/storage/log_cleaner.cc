#include "storage/log_cleaner.h"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace brook::storage {

log_cleaner::log_cleaner(options o) : opts_(o) {
    opts_.threads = std::max(opts_.threads, 1u);
    const size_t budget = opts_.dedupe_buffer_bytes / opts_.threads;
    for (unsigned i = 0; i < opts_.threads; ++i) threads_.emplace_back([this, budget] { run(budget); });
}

log_cleaner::~log_cleaner() { stop(); }

void log_cleaner::submit(clean_plan plan, done_fn done) {
    std::lock_guard lk(mu_);
    if (stop_) return;
    queue_.push_back(job{std::move(plan), std::move(done), {}});
    cv_.notify_one();
}

void log_cleaner::dispose(std::vector<std::unique_ptr<segment>> retired) {
    if (retired.empty()) return;
    std::lock_guard lk(mu_);
    if (stop_) return; // destroyed here, on the caller's thread
    queue_.push_back(job{{}, {}, std::move(retired)});
    cv_.notify_one();
}

log_cleaner::totals_t log_cleaner::totals() const {
    std::lock_guard lk(mu_);
    return totals_;
}

void log_cleaner::stop() {
    {
        std::lock_guard lk(mu_);
        if (stop_.exchange(true)) return;
        queue_.clear();
        cv_.notify_all();
    }
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

void log_cleaner::run(size_t budget) {
    // Allocated per pass up to the budget (offset_map::reset), so an idle cleaner holds nothing.
    offset_map map(budget, opts_.load_factor);
    for (;;) {
        job j;
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
            if (stop_) return;
            j = std::move(queue_.front());
            queue_.pop_front();
        }
        if (j.plan.segments.empty()) continue; // a dispose job: `retired` goes out of scope here
        auto r = clean_log(j.plan, map, &stop_, opts_.io_bytes_per_second);
        map.reset(0); // give the slots back between passes
        if (stop_) return;
        {
            std::lock_guard lk(mu_);
            if (r) {
                ++totals_.passes;
                totals_.bytes_read += r->stats.bytes_read;
                totals_.bytes_written += r->stats.bytes_written;
                totals_.peak_memory_bytes = std::max(totals_.peak_memory_bytes, r->stats.peak_memory_bytes());
            } else {
                ++totals_.failures;
            }
        }
        if (r) {
            const auto& s = r->stats;
            spdlog::info("cleaner: {}: {} segments -> {}, {:.1f} MB -> {:.1f} MB, {} of {} records kept, map {} keys "
                         "in {:.1f} MiB, peak {:.1f} MiB, {:.2f} s, dirty up to {}",
                         j.plan.name, r->replaced.size(), r->created.size(), s.bytes_read / 1e6, s.bytes_written / 1e6,
                         s.records_kept, s.records_read, s.map_keys, s.map_memory_bytes / 1048576.0,
                         s.peak_memory_bytes() / 1048576.0, s.seconds, r->cleaned_upto());
        } else {
            spdlog::warn("cleaner: {}: pass failed: {}", j.plan.name, error_name(r.error()));
        }
        j.done(std::move(r));
    }
}

} // namespace brook::storage
