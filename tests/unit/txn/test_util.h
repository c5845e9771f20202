#pragma once
// Test driver for txn_coordinator: a fake clock, a fake __transaction_state log (every record
// the coordinator asked to append), the marker jobs it asked for, and a producer id allocator.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "txn/txn_coordinator.h"

namespace brook::txn::testing {

using namespace brook::protocol;

inline int16_t ec(error_code e) { return static_cast<int16_t>(e); }

struct harness {
    explicit harness(txn_config cfg = {}, txn_coordinator::partition_exists_fn exists = {})
        : c(std::move(cfg), std::move(exists)) {}

    txn_coordinator c;
    int64_t now{1'000'000};
    int64_t next_pid{1000};
    std::vector<coord::log_record> log;
    std::vector<marker_job> jobs;

    timestamp_ms t() const { return timestamp_ms(now); }
    void absorb(effects fx) {
        for (auto& r : fx.records) log.push_back(std::move(r));
        for (auto& j : fx.markers) jobs.push_back(std::move(j));
    }
    void advance(int64_t ms) {
        now += ms;
        absorb(c.tick(t()));
    }

    InitProducerIdResponse init(std::optional<std::string> id, int32_t timeout_ms = 60000, int16_t version = 4,
                                int64_t pid = -1, int16_t epoch = -1) {
        InitProducerIdRequest req;
        req.TransactionalId = std::move(id);
        req.TransactionTimeoutMs = timeout_ms;
        req.ProducerId = pid;
        req.ProducerEpoch = epoch;
        auto r = c.init_producer_id({version}, req, t(), producer_id(next_pid++));
        absorb(std::move(r.fx));
        return r.response;
    }

    AddPartitionsToTxnResponse add(const std::string& id, int64_t pid, int16_t epoch,
                                   std::vector<std::pair<std::string, std::vector<int32_t>>> topics,
                                   int16_t version = 3) {
        AddPartitionsToTxnRequest req;
        req.V3AndBelowTransactionalId = id;
        req.V3AndBelowProducerId = pid;
        req.V3AndBelowProducerEpoch = epoch;
        for (auto& [name, parts] : topics) req.V3AndBelowTopics.push_back({name, parts, {}});
        auto r = c.add_partitions_to_txn({version}, req, t());
        absorb(std::move(r.fx));
        return r.response;
    }
    // The one error every partition of the response carries (fails the test if they differ).
    static int16_t only_error(const AddPartitionsToTxnResponse& r) {
        std::optional<int16_t> e;
        for (const auto& t : r.ResultsByTopicV3AndBelow)
            for (const auto& p : t.ResultsByPartition) {
                if (e) {
                    EXPECT_EQ(*e, p.PartitionErrorCode);
                }
                e = p.PartitionErrorCode;
            }
        EXPECT_TRUE(e.has_value());
        return e.value_or(-999);
    }

    int16_t add_offsets(const std::string& id, int64_t pid, int16_t epoch, const std::string& group,
                        int16_t version = 3) {
        auto r = c.add_offsets_to_txn({version}, {id, pid, epoch, group, {}}, t());
        absorb(std::move(r.fx));
        return r.response.ErrorCode;
    }

    int16_t end(const std::string& id, int64_t pid, int16_t epoch, bool commit, int16_t version = 3) {
        auto r = c.end_txn({version}, {id, pid, epoch, commit, {}}, t());
        absorb(std::move(r.fx));
        return r.response.ErrorCode;
    }

    // Every pending marker job is written: report each back to the coordinator.
    void write_markers() {
        auto pending = std::move(jobs);
        jobs.clear();
        for (const auto& j : pending) absorb(c.markers_written(j.transactional_id, j.pid, j.epoch, t()));
    }

    // The last record of the log, decoded.
    txn_log_entry last() const {
        EXPECT_FALSE(log.empty());
        const auto& r = log.back();
        std::optional<std::span<const uint8_t>> v;
        if (r.value) v = std::span<const uint8_t>(*r.value);
        auto d = decode_txn_record(r.key, v);
        EXPECT_TRUE(d.has_value());
        return std::get<txn_log_entry>(*d);
    }

    // A fresh coordinator fed `records` through replay().
    static txn_coordinator replayed(const std::vector<coord::log_record>& records, txn_config cfg = {}) {
        txn_coordinator fresh(std::move(cfg));
        for (const auto& r : records) {
            std::optional<std::span<const uint8_t>> v;
            if (r.value) v = std::span<const uint8_t>(*r.value);
            EXPECT_EQ(fresh.replay(r.key, v), error_code::none);
        }
        return fresh;
    }
};

} // namespace brook::txn::testing
