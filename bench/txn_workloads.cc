// TX: what transactions cost. Rows, all 1 partition, 100 B records, acks=all:
//   TX/idem    idempotent producer, no transactions (the baseline, as P2 but at TX's size)
//   TX/100     transactional producer, commit every 100 records
//   TX/1000    transactional producer, commit every 1,000 records
//   TX/rc      read_committed catch-up read of TX/1000's topic, against
//   TX/ru      read_uncommitted of the same topic (the extra cost is LSO + aborted-list work)
//   TX/rc-abort read_committed of a topic where every 10th transaction of 1,000 aborted
// Figures are ratios against TX/idem and TX/ru measured in the same run.
#include "workloads.h"

#include <fmt/format.h>

#include <chrono>
#include <random>

namespace brook::bench {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr size_t record_size = 100;

struct delivery_count {
  uint64_t delivered = 0;
  uint64_t errors = 0;
  std::string first_error;
};

void count_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<delivery_count*>(opaque);
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (st->errors++ == 0) st->first_error = rd_kafka_err2str(m->err);
    return;
  }
  ++st->delivered;
}

std::string take_error(rd_kafka_error_t* e) {
  std::string s = rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  return s;
}

// Produces `records` to partition 0 of `topic`; with txn_size > 0 as transactions of that many
// records, every `abort_every`-th of them aborted (0: none).
run_result produce_in_transactions(const bench_context& ctx, const std::string& workload, const std::string& topic,
                                   uint64_t records, uint64_t txn_size, uint64_t abort_every) {
  if (auto e = ensure_topic(ctx.bootstrap, topic, 1, ctx.create_topics); !e.empty()) return failed(workload, ctx, e);
  delivery_count st;
  std::string err;
  config_list conf = {{"acks", "all"}, {"linger.ms", "5"}, {"enable.idempotence", "true"}};
  if (txn_size > 0) conf.emplace_back("transactional.id", "bench-" + topic);
  kafka_handle rk = make_producer(ctx.bootstrap, conf, count_delivery, &st, &err);
  if (!rk) return failed(workload, ctx, err);
  if (txn_size > 0) {
    if (auto* e = rd_kafka_init_transactions(rk.get(), 30000)) return failed(workload, ctx, take_error(e));
  }
  topic_handle rkt(rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr));
  std::vector<char> payload(record_size);
  std::mt19937 rng(7);
  for (auto& c : payload) c = static_cast<char>(rng());

  resource_probe probe(ctx);
  const auto t0 = clock_type::now();
  uint64_t txns = 0;
  for (uint64_t i = 0; i < records; ++i) {
    if (txn_size > 0 && i % txn_size == 0) {
      if (auto* e = rd_kafka_begin_transaction(rk.get())) return failed(workload, ctx, take_error(e));
    }
    while (rd_kafka_produce(rkt.get(), 0, 0, payload.data(), payload.size(), nullptr, 0, nullptr) != 0) {
      auto e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return failed(workload, ctx, rd_kafka_err2str(e));
      rd_kafka_poll(rk.get(), 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk.get(), 0);
    if (txn_size > 0 && (i + 1) % txn_size == 0) {
      ++txns;
      const bool abort = abort_every > 0 && txns % abort_every == 0;
      // commit flushes the transaction's records first; abort drops what is still queued, so
      // flush before it to abort exactly txn_size written records.
      if (abort) rd_kafka_flush(rk.get(), 60000);
      auto* e = abort ? rd_kafka_abort_transaction(rk.get(), 60000) : rd_kafka_commit_transaction(rk.get(), 60000);
      if (e) return failed(workload, ctx, take_error(e));
    }
  }
  rd_kafka_resp_err_t ferr = rd_kafka_flush(rk.get(), 120000);
  const auto t1 = clock_type::now();

  run_result r;
  r.workload = workload;
  r.target = ctx.target;
  r.note = txn_size == 0 ? "idempotent, acks=all, linger 5"
                         : fmt::format("transactions of {}{}", txn_size,
                                       abort_every ? fmt::format(", every {}th aborted", abort_every) : "");
  r.records = st.delivered;
  r.bytes = st.delivered * record_size;
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  r.errors = st.errors;
  probe.finish(r);
  if (ferr != RD_KAFKA_RESP_ERR_NO_ERROR || st.errors > 0) {
    r.ok = false;
    r.error = ferr != RD_KAFKA_RESP_ERR_NO_ERROR ? std::string(rd_kafka_err2str(ferr))
                                                 : fmt::format("{} delivery errors, first: {}", st.errors, st.first_error);
  }
  return r;
}

}  // namespace

std::vector<run_result> tx(const bench_context& ctx) {
  const uint64_t n = ctx.count(1'000'000, 100'000);
  std::vector<run_result> rows;
  rows.push_back(produce_in_transactions(ctx, "TX/idem", ctx.topic("TX-idem"), n, 0, 0));
  rows.push_back(produce_in_transactions(ctx, "TX/100", ctx.topic("TX-100"), n, 100, 0));
  rows.push_back(produce_in_transactions(ctx, "TX/1000", ctx.topic("TX-1000"), n, 1000, 0));
  if (!rows.back().ok) return rows;
  rows.push_back(consume_all(ctx, "TX/ru", ctx.topic("TX-1000"), n, record_size,
                             {.isolation_level = "read_uncommitted", .contiguous = false,
                              .note = "TX/1000's topic, read_uncommitted"}));
  rows.push_back(consume_all(ctx, "TX/rc", ctx.topic("TX-1000"), n, record_size,
                             {.isolation_level = "read_committed", .contiguous = false,
                              .note = "TX/1000's topic, read_committed"}));
  auto load = produce_in_transactions(ctx, "TX/abort-load", ctx.topic("TX-abort"), n, 1000, 10);
  rows.push_back(load);
  if (!load.ok) return rows;
  const uint64_t committed = n - (n / 1000 / 10) * 1000;
  rows.push_back(consume_all(ctx, "TX/rc-abort", ctx.topic("TX-abort"), committed, record_size,
                             {.isolation_level = "read_committed", .contiguous = false,
                              .note = "read_committed, every 10th transaction aborted"}));
  return rows;
}

}  // namespace brook::bench
