#pragma once
// The standard Prometheus process metrics (process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds, process_start_time_seconds), read from
// /proc/self (CPU from getrusage) at scrape time. Linux only; a metric whose source cannot be
// read is left out.
// Any thread; costs a few small file reads and one directory walk.
#include <string_view>

#include "http/metrics.h"

namespace brook::http::metrics {

void write_process_metrics(exposition& out);

// brook_disk_free_bytes / brook_disk_total_bytes{path} of the filesystem holding `path`
// (statvfs at scrape time, one syscall). Free is what an unprivileged process may still
// write (f_bavail, like df's "Avail"), not counting the root-reserved blocks, because that is
// what the broker can use before appends fail. Left out if statvfs fails (path gone).
void write_disk_metrics(exposition& out, std::string_view path);

} // namespace brook::http::metrics
