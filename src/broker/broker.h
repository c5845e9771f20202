#pragma once
// The broker: per-shard state, topic lifecycle, and the Kafka request entry point.
//
// Threads: one shard_state per shard, touched only by that shard. Topic creation and
// deletion and producer-id allocation are serialised on shard 0 (the "controller" of
// this single-node cluster), which then updates every shard by posting to it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/broker_config.h"
#include "net/connection.h"
#include "net/shard_set.h"
#include "storage/log_cleaner.h"
#include "storage/client_quota_store.h"
#include "storage/dynamic_config_store.h"
#include "storage/topic_store.h"
#include "txn/producer_id_allocator.h"
#include "broker/controller_lock.h"
#include "broker/fault_injector.h"
#include "broker/free_space.h"
#include "broker/group_service.h"
#include "broker/offline_partitions.h"
#include "broker/page_warmer.h"
#include "broker/partition_opener.h"
#include "broker/quota_manager.h"
#include "broker/shard_state.h"
#include "broker/txn_service.h"

namespace brook::broker {

struct advertised_address {
    std::string host;
    int32_t port = 0;
};

class broker {
public:
    broker(config::broker_config cfg, net::shard_set& shards);
    ~broker();

    // Start-up (before serving): loads topics and opens every partition on its owner shard,
    // running recovery. Blocks; throws std::runtime_error on an unusable data directory.
    void load();
    // Starts per-shard housekeeping (retention, age-based roll).
    void start_housekeeping();
    // After the listener stopped: closes every log (sync + snapshots) on its shard. Blocks.
    void close_logs();

    net::frame_handler frame_handler();

    const config::broker_config& config() const { return cfg_; }
    unsigned shard_count() const { return shards_.size(); }
    shard_state& shard(unsigned id) { return *states_[id]; }
    asio::io_context& context(unsigned id) { return shards_.context(id); }
    void set_advertised(advertised_address a) { advertised_ = std::move(a); }
    const advertised_address& advertised() const { return advertised_; }
    const std::string& cluster_id() const { return cluster_id_; }
    group_service& groups() { return *groups_; }
    txn_service& transactions() { return *txns_; }
    // Reads cold file ranges off the shard threads (fetch of data not in the page cache).
    page_warmer& warmer() { return warmer_; }
    // Faults injected through the admin API (/v1/faults); shared by every shard.
    fault_injector& faults() { return faults_; }
    // Partitions that exist but cannot be served (failed to open); shared by every shard.
    offline_partitions& offline() { return offline_; }
    const offline_partitions& offline() const { return offline_; }
    // The disk-full policy (free_space.h); checked on shard 0's timer.
    const free_space& disk() const { return disk_; }

    // Topic lifecycle; callable from any shard (hops to shard 0 and back). After success,
    // every shard's snapshot has the change.
    struct create_spec {
        std::string name;
        int32_t partitions = -1; // -1: num.partitions
        std::map<std::string, std::string> configs;
        bool validate_only = false;
    };
    struct create_outcome {
        error_code error = error_code::none;
        std::string message;
        std::shared_ptr<const topic_info> topic;
    };
    asio::awaitable<create_outcome> create_topic(create_spec spec);
    asio::awaitable<error_code> delete_topic(std::string name);
    // CreatePartitions of one topic (broker_add_partitions.cc): grows it to `count`
    // partitions. The new partitions are opened on helper threads and installed on their owner
    // shards, and the count is stored in topic metadata, before any shard's snapshot shows it;
    // a failed open or store changes nothing. Errors as Kafka reports them, with its messages.
    struct add_partitions_spec {
        std::string name;
        int32_t count = 0;
        bool validate_only = false;
    };
    asio::awaitable<create_outcome> add_partitions(add_partitions_spec spec);
    // The topic with this id in the calling shard's snapshot (Metadata v12 by id), or null.
    std::shared_ptr<const topic_info> topic_by_id(unsigned shard, const std::array<uint8_t, 16>& id) const;
    asio::awaitable<result<producer_id>> allocate_producer_id();

    // Dynamic configuration (AlterConfigs, IncrementalAlterConfigs; broker_configs.cc).
    // Callable from any shard (hops to shard 0). `edit` runs on the controller, under the lock
    // that serialises topic changes, on the current entries of the resource (the topic's own
    // configs, or the broker's dynamic entries at one scope) and changes them in place or
    // returns the error to answer; `effective` is the broker config in force, for defaults.
    // The result is validated as a whole, persisted (unless validate_only), and applied on
    // every shard before the call returns: partition logs get their new log_config and every
    // shard's snapshot its new topics and dynamic config.
    struct config_outcome {
        error_code error = error_code::none;
        std::string message;
    };
    using config_edit =
        std::function<config_outcome(std::map<std::string, std::string>& entries, const config::broker_config& effective)>;
    asio::awaitable<config_outcome> alter_topic_configs(std::string topic, config_edit edit, bool validate_only);
    // cluster_default: resource name "" (DYNAMIC_DEFAULT_BROKER_CONFIG); else this broker's own.
    asio::awaitable<config_outcome> alter_broker_configs(bool cluster_default, config_edit edit, bool validate_only);

    // Client quotas (client_quotas_admin.cc): the set in force and the rate sensors, shared by
    // every shard (quota_manager.h).
    quota_manager& quotas() { return quotas_; }
    // AlterClientQuotas: checks every entry, then (unless validate_only) applies the accepted
    // ones in order on the controller under its lock, persists the set and puts it in force on
    // every shard before returning. One outcome per entry, in order.
    struct quota_alteration {
        quota_entity entity;
        std::vector<quota_op> ops;
        std::optional<config_outcome> refused; // found wrong while decoding (a type named twice)
    };
    asio::awaitable<std::vector<config_outcome>> alter_client_quotas(std::vector<quota_alteration> alterations,
                                                                     bool validate_only);

    // Topic config over the broker config in force (controller: shard 0, or load()).
    storage::log_config resolve_log_config(const std::map<std::string, std::string>& topic_configs) const;

private:
    void resolve_topic(topic_info& t) const;
    // load(): the persisted client quotas (entries a newer or older Brook wrote that this one
    // refuses are skipped with a warning).
    void load_client_quotas(const std::filesystem::path& data);
    // Posts `snap` (and `dyn` when set) to every shard and gives each owned partition of the
    // topics in `changed` its topic's log_config.
    asio::awaitable<void> publish_configs(topic_snapshot snap, std::vector<std::shared_ptr<const topic_info>> changed,
                                          std::shared_ptr<const dynamic_config> dyn);
    create_outcome create_on_controller(const create_spec& spec);
    // The open jobs of a topic's partitions, each with its owner shard's descriptor cache.
    std::vector<open_job> open_jobs(const topic_info& t) const;
    create_outcome check_add_partitions(const add_partitions_spec& spec) const;
    // Undoes create_on_controller after its partitions could not all be opened.
    void roll_back_create(const topic_info& t);
    asio::awaitable<void> housekeeping(unsigned shard);
    // Every log.cleaner.backoff.ms: hands the shard's compacted partitions that are due to the
    // cleaner threads; a pass's result is swapped in on the owner shard.
    asio::awaitable<void> cleaner_loop(unsigned shard);
    void submit_clean(unsigned shard, const std::shared_ptr<partition>& p);

    config::broker_config cfg_;
    net::shard_set& shards_;
    std::vector<std::unique_ptr<shard_state>> states_;
    advertised_address advertised_;
    std::string cluster_id_;
    // Controller state: shard 0 only; create/delete run one at a time under the lock.
    std::unique_ptr<controller_lock> controller_lock_;
    std::unique_ptr<storage::topic_store> store_;
    std::unique_ptr<storage::dynamic_config_store> dynamic_store_;
    std::unique_ptr<storage::client_quota_store> quota_store_;
    quota_manager quotas_;
    std::shared_ptr<const dynamic_config> dynamic_; // controller's copy of what shards see
    std::unique_ptr<txn::producer_id_allocator> pids_;
    topic_map controller_topics_;
    std::unique_ptr<group_service> groups_;
    std::unique_ptr<txn_service> txns_;
    fault_injector faults_;
    offline_partitions offline_;
    // Helper threads for blocking topic work off shard 0 (opening a new topic's partitions,
    // removing a deleted one's directories).
    asio::thread_pool topic_work_{1};
    free_space disk_;
    page_warmer warmer_{2}; // two reads in flight keep a disk busy without crowding two cores
    std::unique_ptr<storage::log_cleaner> cleaner_; // null when log.cleaner.enable=false
};

} // namespace brook::broker
