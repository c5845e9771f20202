#include "http/process_metrics.h"

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace brook::http::metrics {
namespace {

// Fields of /proc/self/stat after the command (which may hold spaces, so split after ')').
std::vector<std::string> stat_fields() {
    std::ifstream f("/proc/self/stat");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto close = all.rfind(')');
    std::vector<std::string> out;
    if (close == std::string::npos) return out;
    std::istringstream in(all.substr(close + 2));
    for (std::string s; in >> s;) out.push_back(s);
    return out; // out[0] is field 3 (state)
}

double boot_time_seconds() {
    std::ifstream f("/proc/stat");
    for (std::string line; std::getline(f, line);)
        if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
    return 0;
}

} // namespace

void write_process_metrics(exposition& out) {
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    auto f = stat_fields();
    // Field numbers from proc(5): starttime 22, rss 24 (index = n - 3).
    if (f.size() > 21 && ticks > 0) {
        // getrusage, not stat's utime/stime: those count whole clock ticks (10 ms).
        rusage ru{};
        ::getrusage(RUSAGE_SELF, &ru);
        auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
        out.family("process_cpu_seconds_total", metric_type::counter, "Total user and system CPU time spent in seconds.");
        out.sample({}, secs(ru.ru_utime) + secs(ru.ru_stime));
        out.family("process_start_time_seconds", metric_type::gauge,
                   "Start time of the process since unix epoch in seconds.");
        out.sample({}, boot_time_seconds() + std::stod(f[19]) / ticks);
        out.family("process_resident_memory_bytes", metric_type::gauge, "Resident memory size in bytes.");
        out.sample({}, std::stod(f[21]) * page);
    }
    std::error_code ec;
    double fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
    if (!ec) {
        out.family("process_open_fds", metric_type::gauge, "Number of open file descriptors.");
        out.sample({}, fds - 1); // less the descriptor of the walk itself
    }
}

void write_disk_metrics(exposition& out, std::string_view path) {
    struct statvfs vfs{};
    if (::statvfs(std::string(path).c_str(), &vfs) != 0) return;
    const double unit = static_cast<double>(vfs.f_frsize);
    out.family("brook_disk_free_bytes", metric_type::gauge,
               "Bytes available to the broker on the filesystem holding the data directory (statvfs f_bavail).");
    out.sample({{"path", path}}, static_cast<double>(vfs.f_bavail) * unit);
    out.family("brook_disk_total_bytes", metric_type::gauge, "Size of the filesystem holding the data directory.");
    out.sample({{"path", path}}, static_cast<double>(vfs.f_blocks) * unit);
}

} // namespace brook::http::metrics
