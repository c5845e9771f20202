#pragma once
// What the single-process job (job.cc) and the key-grouped worker (keyed_job*.cc) share: the
// bound on every client call, the clock, client configs from a table's properties, the source's
// description, the late-data record and the part of a state fingerprint that names the window.
// Private to src/stream; pure functions or calls on the caller's admin.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/admin.h"
#include "client/config.h"
#include "client/record.h"
#include "stream/planner.h"

namespace brook::stream {

inline constexpr int timeout_ms = 10000; // every librdkafka call a job makes

int64_t now_ms(); // steady clock

// cfg followed by the table's properties.* (other than bootstrap.servers and group.id).
client::config with_properties(client::config cfg, const kafka_options& k);

// The source topic of plan, or the message saying why not (cluster unreachable, no topic).
std::optional<std::string> describe_source(client::admin& a, const job_plan& plan, client::topic_info& out);

// A bounded source's end offset of every partition, as it is now.
std::optional<std::string> end_offsets(client::admin& a, const kafka_options& src, const client::topic_info& topic,
                                       std::map<int32_t, int64_t>& out);

// A late row for 'late-data.topic': the source record as it was, with headers naming the windows
// it missed, the watermark it met and where it came from.
client::record late_record(const client::record& in, const std::string& topic, const std::vector<window>& missed, int64_t wm);

// "window <kind>/<size>/<slide>/<gap>/<offset>/<grace>, N keys, M aggregates": what a state
// directory's fingerprint says of the window (stored: the text must not change).
std::string window_fingerprint(const job_plan& p);

} // namespace brook::stream
