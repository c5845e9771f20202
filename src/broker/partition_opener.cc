#include "broker/partition_opener.h"

#include "storage/io_error.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

namespace brook::broker {

std::vector<result<std::unique_ptr<storage::partition_log>>> open_logs(std::vector<open_job>& jobs, unsigned threads) {
    std::vector<std::optional<result<std::unique_ptr<storage::partition_log>>>> slots(jobs.size());
    std::vector<std::string> failures(jobs.size());
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i = next.fetch_add(1); i < jobs.size(); i = next.fetch_add(1)) {
            auto& j = jobs[i];
            storage::clear_last_io_error();
            slots[i].emplace(storage::partition_log::open(j.dir, j.cfg, j.opts));
            if (!*slots[i]) failures[i] = storage::last_io_error();
        }
    };
    const unsigned n = static_cast<unsigned>(std::clamp<size_t>(jobs.size(), 1, std::max(threads, 1u)));
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
    worker();
    pool.clear(); // joins
    std::vector<result<std::unique_ptr<storage::partition_log>>> out;
    out.reserve(jobs.size());
    for (auto& s : slots) out.push_back(std::move(*s));
    for (size_t i = 0; i < jobs.size(); ++i) jobs[i].failure = std::move(failures[i]);
    return out;
}

std::string open_failure_cause(const open_job& j, error_code e) {
    if (e == error_code::inconsistent_topic_id)
        return "its directory " + j.dir.string() + " belongs to another topic id (partition.meta); left untouched";
    return "cannot open " + j.dir.string() + ": " + std::string(error_name(e)) +
           (j.failure.empty() ? " (the storage error above says why)" : " (" + j.failure + ")");
}

} // namespace brook::broker
