#pragma once
// The standard Prometheus process metrics (process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds, process_start_time_seconds), read from
// /proc/self (CPU from getrusage) at scrape time. Linux only; a metric whose source cannot be
// read is left out.
// Any thread; costs a few small file reads and one directory walk.
#include "http/metrics.h"

namespace brook::http::metrics {

void write_process_metrics(exposition& out);

} // namespace brook::http::metrics
