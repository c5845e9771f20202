#pragma once
// The reasons of a rebalance storm (group_coordinator.h's storm_alert) as one short line:
// grouped by client.id (a restarting client gets a new member id each time), most frequent
// first, at most a few. describe() embeds it; the broker logs it as the `reasons` field.
#include <string>

namespace brook::group {

struct storm_alert;
std::string storm_reasons(const storm_alert& a);

} // namespace brook::group
