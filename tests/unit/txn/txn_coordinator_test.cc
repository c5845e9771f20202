// The transaction coordinator's request paths: commit/abort, fencing, epoch exhaustion,
// KIP-360, CONCURRENT_TRANSACTIONS, bad input, timeouts and transactional id expiry.
#include "test_util.h"

namespace brook::txn::testing {
namespace {

constexpr int16_t max_epoch = 32767;

txn_status status_of(const txn_log_entry& e) { return static_cast<txn_status>(e.value->TransactionStatus); }

TEST(TxnCoordinator, CommitWritesRecordsThenMarkersThenCompletes) {
    txn_config cfg;
    cfg.coordinator_epoch = 7;
    harness h(cfg);
    auto init = h.init("tx");
    EXPECT_EQ(init.ErrorCode, 0);
    EXPECT_EQ(init.ProducerId, 1000);
    EXPECT_EQ(init.ProducerEpoch, 0);
    ASSERT_EQ(h.log.size(), 1u);
    EXPECT_EQ(status_of(h.last()), txn_status::empty);
    EXPECT_FALSE(h.last().value->TransactionPartitions.has_value());

    h.now += 10;
    auto add = h.add("tx", 1000, 0, {{"t", {1, 0}}, {"u", {0}}});
    EXPECT_EQ(harness::only_error(add), 0);
    ASSERT_EQ(add.ResultsByTopicV3AndBelow.size(), 2u);
    EXPECT_EQ(add.ResultsByTopicV3AndBelow[0].Name, "t");
    ASSERT_EQ(h.log.size(), 2u);
    auto ongoing = h.last();
    EXPECT_EQ(status_of(ongoing), txn_status::ongoing);
    EXPECT_EQ(ongoing.value->TransactionStartTimestampMs, h.now);
    ASSERT_TRUE(ongoing.value->TransactionPartitions.has_value());
    ASSERT_EQ(ongoing.value->TransactionPartitions->size(), 2u);
    EXPECT_EQ((*ongoing.value->TransactionPartitions)[0].PartitionIds, (std::vector<int32_t>{0, 1}));
    EXPECT_TRUE(h.c.in_transaction(producer_id(1000), producer_epoch(0), "t", 1));
    EXPECT_FALSE(h.c.in_transaction(producer_id(1000), producer_epoch(0), "t", 2));
    EXPECT_FALSE(h.c.in_transaction(producer_id(1000), producer_epoch(1), "t", 1));

    // Adding what is already there writes nothing.
    EXPECT_EQ(harness::only_error(h.add("tx", 1000, 0, {{"u", {0}}})), 0);
    EXPECT_EQ(h.log.size(), 2u);

    EXPECT_EQ(h.end("tx", 1000, 0, true), 0);
    EXPECT_EQ(status_of(h.last()), txn_status::prepare_commit);
    ASSERT_EQ(h.jobs.size(), 1u);
    const marker_job expected{"tx", producer_id(1000), producer_epoch(0), true, 7, {{"t", 0}, {"t", 1}, {"u", 0}}};
    EXPECT_EQ(h.jobs[0], expected);
    EXPECT_FALSE(h.c.in_transaction(producer_id(1000), producer_epoch(0), "t", 1));

    // Until the markers are written the producer waits.
    EXPECT_EQ(h.end("tx", 1000, 0, true), ec(error_code::concurrent_transactions));
    EXPECT_EQ(h.end("tx", 1000, 0, false), ec(error_code::invalid_txn_state));
    EXPECT_EQ(harness::only_error(h.add("tx", 1000, 0, {{"t", {0}}})), ec(error_code::concurrent_transactions));
    EXPECT_EQ(h.init("tx").ErrorCode, ec(error_code::concurrent_transactions));
    EXPECT_EQ(h.log.size(), 3u);

    h.write_markers();
    ASSERT_EQ(h.log.size(), 4u);
    auto done = h.last();
    EXPECT_EQ(status_of(done), txn_status::complete_commit);
    EXPECT_TRUE(done.value->TransactionPartitions.has_value());
    EXPECT_TRUE(done.value->TransactionPartitions->empty());
    // A stale job (already completed) does nothing.
    EXPECT_TRUE(h.c.markers_written("tx", producer_id(1000), producer_epoch(0), h.t()).empty());

    // Retrying the commit succeeds without a record; aborting it is an error.
    EXPECT_EQ(h.end("tx", 1000, 0, true), 0);
    EXPECT_EQ(h.end("tx", 1000, 0, false), ec(error_code::invalid_txn_state));
    EXPECT_EQ(h.log.size(), 4u);

    // The next transaction starts from CompleteCommit.
    h.now += 5;
    EXPECT_EQ(harness::only_error(h.add("tx", 1000, 0, {{"t", {3}}})), 0);
    EXPECT_EQ(h.last().value->TransactionStartTimestampMs, h.now);
    EXPECT_EQ(h.c.find("tx")->partitions.size(), 1u);
}

TEST(TxnCoordinator, AbortWithOffsetsMarksTheGroupsOffsetsPartition) {
    txn_config cfg;
    cfg.offsets_partition_for = [](std::string_view group) { return group == "g" ? 3 : 0; };
    harness h(cfg);
    auto init = h.init("tx");
    EXPECT_EQ(h.add_offsets("tx", init.ProducerId, 0, "g"), 0);
    EXPECT_TRUE(h.c.in_transaction(producer_id(init.ProducerId), producer_epoch(0), "__consumer_offsets", 3));
    EXPECT_EQ(h.end("tx", init.ProducerId, 0, false), 0);
    EXPECT_EQ(status_of(h.last()), txn_status::prepare_abort);
    ASSERT_EQ(h.jobs.size(), 1u);
    EXPECT_FALSE(h.jobs[0].commit);
    EXPECT_EQ(h.jobs[0].partitions, (std::vector<topic_partition>{{"__consumer_offsets", 3}}));
    EXPECT_EQ(h.end("tx", init.ProducerId, 0, false), ec(error_code::concurrent_transactions));
    h.write_markers();
    EXPECT_EQ(status_of(h.last()), txn_status::complete_abort);
    EXPECT_EQ(h.end("tx", init.ProducerId, 0, false), 0);
    EXPECT_EQ(h.end("tx", init.ProducerId, 0, true), ec(error_code::invalid_txn_state));
}

TEST(TxnCoordinator, EachInitProducerIdBumpsTheEpochAndFencesTheOldOne) {
    harness h;
    EXPECT_EQ(h.init("tx").ProducerEpoch, 0);
    auto second = h.init("tx");
    EXPECT_EQ(second.ProducerId, 1000); // the same id: no fresh id needed
    EXPECT_EQ(second.ProducerEpoch, 1);
    EXPECT_EQ(harness::only_error(h.add("tx", 1000, 0, {{"t", {0}}})), ec(error_code::producer_fenced));
    // Clients before AddPartitionsToTxn v2 do not know PRODUCER_FENCED.
    EXPECT_EQ(harness::only_error(h.add("tx", 1000, 0, {{"t", {0}}}, 1)), ec(error_code::invalid_producer_epoch));
    EXPECT_EQ(h.add_offsets("tx", 1000, 0, "g", 1), ec(error_code::invalid_producer_epoch));
    EXPECT_EQ(h.end("tx", 1000, 0, true, 2), ec(error_code::producer_fenced));
    EXPECT_EQ(h.end("tx", 1000, 0, true, 1), ec(error_code::invalid_producer_epoch));
    // A newer epoch than the coordinator's is no better.
    EXPECT_EQ(harness::only_error(h.add("tx", 1000, 2, {{"t", {0}}})), ec(error_code::producer_fenced));
    EXPECT_EQ(h.log.size(), 2u);
}

TEST(TxnCoordinator, InitDuringATransactionAbortsItUnderABumpedEpoch) {
    harness h;
    h.init("tx");
    h.add("tx", 1000, 0, {{"t", {0}}});
    h.now += 100;
    auto r = h.init("tx");
    EXPECT_EQ(r.ErrorCode, ec(error_code::concurrent_transactions));
    EXPECT_EQ(r.ProducerId, -1);
    EXPECT_EQ(r.ProducerEpoch, -1);
    auto rec = h.last();
    EXPECT_EQ(status_of(rec), txn_status::prepare_abort);
    EXPECT_EQ(rec.value->ProducerEpoch, 1);
    EXPECT_EQ(rec.value->TransactionLastUpdateTimestampMs, h.now);
    ASSERT_EQ(h.jobs.size(), 1u);
    EXPECT_FALSE(h.jobs[0].commit);
    EXPECT_EQ(h.jobs[0].epoch, producer_epoch(1));
    EXPECT_EQ(h.jobs[0].partitions, (std::vector<topic_partition>{{"t", 0}}));

    // The zombie cannot finish its transaction.
    EXPECT_EQ(h.end("tx", 1000, 0, true), ec(error_code::producer_fenced));
    // The retry waits until the abort is complete, then gets the next epoch.
    EXPECT_EQ(h.init("tx").ErrorCode, ec(error_code::concurrent_transactions));
    h.write_markers();
    EXPECT_EQ(status_of(h.last()), txn_status::complete_abort);
    auto retry = h.init("tx");
    EXPECT_EQ(retry.ErrorCode, 0);
    EXPECT_EQ(retry.ProducerId, 1000);
    EXPECT_EQ(retry.ProducerEpoch, 2);
}

TEST(TxnCoordinator, ExhaustedEpochRotatesToTheFreshProducerId) {
    harness h;
    h.init("tx");
    // Bump for real up to the last usable epoch (Short.MaxValue - 1).
    for (int i = 1; i <= max_epoch - 1; ++i) ASSERT_EQ(h.init("tx").ProducerEpoch, i);
    EXPECT_EQ(h.c.find("tx")->epoch, producer_epoch(max_epoch - 1));
    const int64_t fresh = h.next_pid;
    auto rotated = h.init("tx");
    EXPECT_EQ(rotated.ErrorCode, 0);
    EXPECT_EQ(rotated.ProducerId, fresh);
    EXPECT_EQ(rotated.ProducerEpoch, 0);
    EXPECT_EQ(h.last().value->ProducerId, fresh);
    EXPECT_EQ(harness::only_error(h.add("tx", 1000, max_epoch - 1, {{"t", {0}}})),
              ec(error_code::invalid_producer_id_mapping));
    EXPECT_EQ(harness::only_error(h.add("tx", fresh, 0, {{"t", {0}}})), 0);
    EXPECT_FALSE(h.c.in_transaction(producer_id(1000), producer_epoch(max_epoch - 1), "t", 0));
    EXPECT_TRUE(h.c.in_transaction(producer_id(fresh), producer_epoch(0), "t", 0));
}

TEST(TxnCoordinator, FencingAtTheLastEpochUsesShortMaxThenRotates) {
    harness h;
    protocol::TransactionLogValue v;
    v.ProducerId = 77;
    v.ProducerEpoch = max_epoch - 1;
    v.TransactionTimeoutMs = 60000;
    v.TransactionStatus = static_cast<int8_t>(txn_status::ongoing);
    v.TransactionPartitions = std::vector<protocol::TransactionLogValue::PartitionsSchema>{{"t", {0}, {}}};
    v.TransactionStartTimestampMs = h.now;
    v.TransactionLastUpdateTimestampMs = h.now;
    auto rec = txn_log_record("tx", v);
    ASSERT_EQ(h.c.replay(rec.key, std::span<const uint8_t>(*rec.value)), error_code::none);

    EXPECT_EQ(h.init("tx").ErrorCode, ec(error_code::concurrent_transactions));
    EXPECT_EQ(h.last().value->ProducerEpoch, max_epoch);
    h.write_markers();
    const int64_t fresh = h.next_pid;
    auto r = h.init("tx");
    EXPECT_EQ(r.ErrorCode, 0);
    EXPECT_EQ(r.ProducerId, fresh);
    EXPECT_EQ(r.ProducerEpoch, 0);
}

TEST(TxnCoordinator, Kip360ResumeAndRetry) {
    harness h;
    h.init("tx");         // epoch 0
    h.init("tx");         // epoch 1: a producer that is the current one
    auto resumed = h.init("tx", 60000, 4, 1000, 1);
    EXPECT_EQ(resumed.ErrorCode, 0);
    EXPECT_EQ(resumed.ProducerEpoch, 2);
    // The answer was lost: the same request again gets the same pair, no bump.
    auto retried = h.init("tx", 60000, 4, 1000, 1);
    EXPECT_EQ(retried.ErrorCode, 0);
    EXPECT_EQ(retried.ProducerEpoch, 2);
    // A producer that is neither current nor just bumped is fenced.
    EXPECT_EQ(h.init("tx", 60000, 4, 1000, 0).ErrorCode, ec(error_code::producer_fenced));
    EXPECT_EQ(h.init("tx", 60000, 3, 1000, 0).ErrorCode, ec(error_code::invalid_producer_epoch));
    EXPECT_EQ(h.init("tx", 60000, 4, 999, 2).ErrorCode, ec(error_code::producer_fenced));
    // Both or neither.
    EXPECT_EQ(h.init("tx", 60000, 4, 1000, -1).ErrorCode, ec(error_code::invalid_request));
    EXPECT_EQ(h.init("tx", 60000, 4, -1, 2).ErrorCode, ec(error_code::invalid_request));
    // A new transactional id accepts any pair (recovery from UNKNOWN_PRODUCER_ID).
    EXPECT_EQ(h.init("other", 60000, 4, 5, 5).ErrorCode, 0);
}

TEST(TxnCoordinator, Kip360RetryOfARotation) {
    harness h;
    h.init("tx");
    for (int i = 1; i <= max_epoch - 1; ++i) h.init("tx");
    const int64_t fresh = h.next_pid;
    auto rotated = h.init("tx", 60000, 4, 1000, max_epoch - 1);
    EXPECT_EQ(rotated.ProducerId, fresh);
    EXPECT_EQ(rotated.ProducerEpoch, 0);
    auto retried = h.init("tx", 60000, 4, 1000, max_epoch - 1);
    EXPECT_EQ(retried.ErrorCode, 0);
    EXPECT_EQ(retried.ProducerId, fresh);
    EXPECT_EQ(retried.ProducerEpoch, 0);
}

TEST(TxnCoordinator, BadInput) {
    txn_config cfg;
    cfg.max_timeout_ms = 120000;
    harness h(cfg, [](std::string_view topic, int32_t p) { return topic != "missing" && p < 4; });

    EXPECT_EQ(h.init(std::string()).ErrorCode, ec(error_code::invalid_request));
    EXPECT_EQ(h.init("tx", 120001).ErrorCode, ec(error_code::invalid_transaction_timeout));
    EXPECT_EQ(h.init("tx", 0).ErrorCode, ec(error_code::invalid_transaction_timeout));
    EXPECT_TRUE(h.log.empty());
    EXPECT_EQ(h.c.size(), 0u);

    // An idempotent producer gets the fresh id; nothing is kept.
    auto idem = h.init(std::nullopt);
    EXPECT_EQ(idem.ErrorCode, 0);
    EXPECT_EQ(idem.ProducerEpoch, 0);
    EXPECT_TRUE(h.log.empty());

    EXPECT_EQ(harness::only_error(h.add("nobody", 1, 0, {{"t", {0}}})), ec(error_code::invalid_producer_id_mapping));
    EXPECT_EQ(h.add_offsets("nobody", 1, 0, "g"), ec(error_code::invalid_producer_id_mapping));
    EXPECT_EQ(h.end("nobody", 1, 0, true), ec(error_code::invalid_producer_id_mapping));
    EXPECT_EQ(harness::only_error(h.add("", 1, 0, {{"t", {0}}})), ec(error_code::invalid_request));
    EXPECT_EQ(h.add_offsets("", 1, 0, "g"), ec(error_code::invalid_request));
    EXPECT_EQ(h.end("", 1, 0, true), ec(error_code::invalid_request));

    auto init = h.init("tx", 120000);
    ASSERT_EQ(init.ErrorCode, 0);
    const size_t records = h.log.size();
    EXPECT_EQ(harness::only_error(h.add("tx", init.ProducerId + 1, 0, {{"t", {0}}})),
              ec(error_code::invalid_producer_id_mapping));
    EXPECT_EQ(h.end("tx", init.ProducerId + 1, 0, true), ec(error_code::invalid_producer_id_mapping));
    // Nothing open: neither commit nor abort.
    EXPECT_EQ(h.end("tx", init.ProducerId, 0, true), ec(error_code::invalid_txn_state));
    EXPECT_EQ(h.end("tx", init.ProducerId, 0, false), ec(error_code::invalid_txn_state));

    // One unknown partition: it gets UNKNOWN_TOPIC_OR_PARTITION, the others are not attempted.
    auto mixed = h.add("tx", init.ProducerId, 0, {{"t", {0, 9}}, {"missing", {0}}});
    ASSERT_EQ(mixed.ResultsByTopicV3AndBelow.size(), 2u);
    const auto& t = mixed.ResultsByTopicV3AndBelow[0].ResultsByPartition;
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].PartitionErrorCode, ec(error_code::operation_not_attempted));
    EXPECT_EQ(t[1].PartitionErrorCode, ec(error_code::unknown_topic_or_partition));
    EXPECT_EQ(mixed.ResultsByTopicV3AndBelow[1].ResultsByPartition.at(0).PartitionErrorCode,
              ec(error_code::unknown_topic_or_partition));
    EXPECT_EQ(h.log.size(), records);
    EXPECT_EQ(h.c.find("tx")->status, txn_status::empty);
}

TEST(TxnCoordinator, TimedOutTransactionIsAbortedByTick) {
    harness h;
    h.init("tx", 1000);
    const int64_t start = h.now;
    h.add("tx", 1000, 0, {{"t", {0}}});
    ASSERT_TRUE(h.c.next_deadline().has_value());
    EXPECT_EQ(h.c.next_deadline()->value(), start + 1001); // Kafka: strictly older than the timeout
    h.advance(1000);
    EXPECT_TRUE(h.jobs.empty());
    EXPECT_EQ(h.c.find("tx")->status, txn_status::ongoing);
    h.advance(1);
    EXPECT_EQ(status_of(h.last()), txn_status::prepare_abort);
    EXPECT_EQ(h.last().value->ProducerEpoch, 1);
    ASSERT_EQ(h.jobs.size(), 1u);
    EXPECT_EQ(h.jobs[0].epoch, producer_epoch(1));
    EXPECT_FALSE(h.jobs[0].commit);
    // Prepare* has no timer: the markers decide.
    EXPECT_FALSE(h.c.next_deadline().has_value());
    EXPECT_EQ(h.end("tx", 1000, 0, true), ec(error_code::producer_fenced));
    h.write_markers();
    EXPECT_EQ(status_of(h.last()), txn_status::complete_abort);
    // Now only the transactional id's expiry is scheduled.
    EXPECT_EQ(h.c.next_deadline()->value(), h.now + h.c.config().transactional_id_expiration_ms);
}

TEST(TxnCoordinator, IdleTransactionalIdExpires) {
    txn_config cfg;
    cfg.transactional_id_expiration_ms = 10000;
    harness h(cfg);
    h.init("idle");
    h.init("busy", 900000);
    h.add("busy", 1001, 0, {{"t", {0}}});
    EXPECT_EQ(h.c.next_deadline()->value(), h.now + 10000);
    h.advance(9999);
    EXPECT_NE(h.c.find("idle"), nullptr);
    const size_t records = h.log.size();
    h.advance(1);
    ASSERT_EQ(h.log.size(), records + 1);
    auto tomb = h.last();
    EXPECT_EQ(tomb.transactional_id, "idle");
    EXPECT_FALSE(tomb.value.has_value());
    EXPECT_EQ(h.c.find("idle"), nullptr);
    EXPECT_NE(h.c.find("busy"), nullptr); // an open transaction never expires
    // The id starts over with a new producer id.
    const int64_t fresh = h.next_pid;
    auto again = h.init("idle");
    EXPECT_EQ(again.ProducerId, fresh);
    EXPECT_EQ(again.ProducerEpoch, 0);
}

TEST(TxnCoordinator, DescribeAndList) {
    harness h;
    h.init("a");
    h.init("b");
    h.now += 50;
    h.add("b", 1001, 0, {{"t", {2, 1}}, {"s", {0}}});
    h.now += 100;

    DescribeTransactionsRequest dreq;
    dreq.TransactionalIds = {"b", "nope", ""};
    auto d = h.c.describe_transactions({0}, dreq);
    ASSERT_EQ(d.TransactionStates.size(), 3u);
    const auto& b = d.TransactionStates[0];
    EXPECT_EQ(b.ErrorCode, 0);
    EXPECT_EQ(b.TransactionalId, "b");
    EXPECT_EQ(b.TransactionState, "Ongoing");
    EXPECT_EQ(b.TransactionTimeoutMs, 60000);
    EXPECT_EQ(b.TransactionStartTimeMs, h.now - 100);
    EXPECT_EQ(b.ProducerId, 1001);
    ASSERT_EQ(b.Topics.size(), 2u);
    EXPECT_EQ(b.Topics[0].Topic, "s");
    EXPECT_EQ(b.Topics[1].Partitions, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(d.TransactionStates[1].ErrorCode, ec(error_code::transactional_id_not_found));
    EXPECT_EQ(d.TransactionStates[2].ErrorCode, ec(error_code::invalid_request));

    ListTransactionsRequest all;
    auto l = h.c.list_transactions({1}, all, h.t());
    ASSERT_EQ(l.TransactionStates.size(), 2u);
    EXPECT_EQ(l.TransactionStates[0].TransactionalId, "a");
    EXPECT_EQ(l.TransactionStates[0].TransactionState, "Empty");

    ListTransactionsRequest by_state;
    by_state.StateFilters = {"Ongoing", "Bogus"};
    l = h.c.list_transactions({1}, by_state, h.t());
    ASSERT_EQ(l.TransactionStates.size(), 1u);
    EXPECT_EQ(l.TransactionStates[0].TransactionalId, "b");
    EXPECT_EQ(l.UnknownStateFilters, (std::vector<std::string>{"Bogus"}));
    by_state.StateFilters = {"Bogus"}; // only unknown states: matches nothing, as in Kafka
    l = h.c.list_transactions({1}, by_state, h.t());
    EXPECT_TRUE(l.TransactionStates.empty());
    EXPECT_EQ(l.UnknownStateFilters, (std::vector<std::string>{"Bogus"}));

    ListTransactionsRequest by_pid;
    by_pid.ProducerIdFilters = {1000};
    l = h.c.list_transactions({1}, by_pid, h.t());
    ASSERT_EQ(l.TransactionStates.size(), 1u);
    EXPECT_EQ(l.TransactionStates[0].TransactionalId, "a");

    ListTransactionsRequest by_duration;
    by_duration.StateFilters = {"Ongoing"};
    by_duration.DurationFilter = 100; // running for exactly 100 ms: not longer
    EXPECT_TRUE(h.c.list_transactions({1}, by_duration, h.t()).TransactionStates.empty());
    by_duration.DurationFilter = 99;
    EXPECT_EQ(h.c.list_transactions({1}, by_duration, h.t()).TransactionStates.size(), 1u);
}

} // namespace
} // namespace brook::txn::testing
