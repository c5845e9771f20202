#pragma once
// What a coordinator runtime needs of the broker for its internal-topic partition (partition 0
// of `topic`, on `shard`): the log, the fetch wake-up after an append, and the shard's group
// commit. Shared by group_service and txn_service; every callback runs on `shard`.
#include <string>

#include "coord/runtime.h"

namespace brook::broker {

class broker;

coord::environment partition_environment(broker& b, unsigned shard, std::string topic);

} // namespace brook::broker
