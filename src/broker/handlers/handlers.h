#pragma once
// One handler per Kafka API: a function from the decoded request to the response, named
// after the API. Version checks happen once, in the dispatcher; a handler only branches on
// the version where the API's semantics differ between versions.
#include <boost/asio/awaitable.hpp>

#include <optional>

#include "broker/request_context.h"
#include "protocol/messages.h"

namespace brook::broker {

namespace asio = boost::asio;

protocol::ApiVersionsResponse handle_api_versions(request_context& ctx, const protocol::ApiVersionsRequest& req);
asio::awaitable<protocol::MetadataResponse> handle_metadata(request_context& ctx, protocol::MetadataRequest& req);
// Empty for acks=0: the client expects no response.
asio::awaitable<std::optional<protocol::ProduceResponse>> handle_produce(request_context& ctx, protocol::ProduceRequest& req);
asio::awaitable<protocol::FetchResponse> handle_fetch(request_context& ctx, protocol::FetchRequest& req);
asio::awaitable<protocol::ListOffsetsResponse> handle_list_offsets(request_context& ctx, protocol::ListOffsetsRequest& req);
asio::awaitable<protocol::CreateTopicsResponse> handle_create_topics(request_context& ctx, protocol::CreateTopicsRequest& req);
asio::awaitable<protocol::DeleteTopicsResponse> handle_delete_topics(request_context& ctx, protocol::DeleteTopicsRequest& req);
asio::awaitable<protocol::CreatePartitionsResponse> handle_create_partitions(request_context& ctx, protocol::CreatePartitionsRequest& req);
asio::awaitable<protocol::DeleteRecordsResponse> handle_delete_records(request_context& ctx, protocol::DeleteRecordsRequest& req);
asio::awaitable<protocol::OffsetForLeaderEpochResponse> handle_offset_for_leader_epoch(request_context& ctx, protocol::OffsetForLeaderEpochRequest& req);
asio::awaitable<protocol::DescribeClusterResponse> handle_describe_cluster(request_context& ctx, protocol::DescribeClusterRequest& req);
asio::awaitable<protocol::DescribeLogDirsResponse> handle_describe_log_dirs(request_context& ctx, protocol::DescribeLogDirsRequest& req);
asio::awaitable<protocol::DescribeProducersResponse> handle_describe_producers(request_context& ctx, protocol::DescribeProducersRequest& req);

// Configs (handlers/describe_configs.cc, alter_configs.cc, incremental_alter_configs.cc).
asio::awaitable<protocol::DescribeConfigsResponse> handle_describe_configs(request_context& ctx, protocol::DescribeConfigsRequest& req);
asio::awaitable<protocol::AlterConfigsResponse> handle_alter_configs(request_context& ctx, protocol::AlterConfigsRequest& req);
asio::awaitable<protocol::IncrementalAlterConfigsResponse> handle_incremental_alter_configs(request_context& ctx, protocol::IncrementalAlterConfigsRequest& req);

// Client quotas (handlers/client_quotas.cc).
asio::awaitable<protocol::DescribeClientQuotasResponse> handle_describe_client_quotas(request_context& ctx, protocol::DescribeClientQuotasRequest& req);
asio::awaitable<protocol::AlterClientQuotasResponse> handle_alter_client_quotas(request_context& ctx, protocol::AlterClientQuotasRequest& req);

// Transactions (handlers/transactions.cc).
asio::awaitable<protocol::InitProducerIdResponse> handle_init_producer_id(request_context& ctx, protocol::InitProducerIdRequest& req);
asio::awaitable<protocol::AddPartitionsToTxnResponse> handle_add_partitions_to_txn(request_context& ctx, protocol::AddPartitionsToTxnRequest& req);
asio::awaitable<protocol::AddOffsetsToTxnResponse> handle_add_offsets_to_txn(request_context& ctx, protocol::AddOffsetsToTxnRequest& req);
asio::awaitable<protocol::EndTxnResponse> handle_end_txn(request_context& ctx, protocol::EndTxnRequest& req);
asio::awaitable<protocol::DescribeTransactionsResponse> handle_describe_transactions(request_context& ctx, protocol::DescribeTransactionsRequest& req);
asio::awaitable<protocol::ListTransactionsResponse> handle_list_transactions(request_context& ctx, protocol::ListTransactionsRequest& req);
asio::awaitable<protocol::TxnOffsetCommitResponse> handle_txn_offset_commit(request_context& ctx, protocol::TxnOffsetCommitRequest& req);

// One transactional batch of a produce request, checked against its producer's transaction.
struct txn_write_check {
    producer_id pid;
    producer_epoch epoch;
    std::string topic;
    int32_t partition = 0;
    error_code error = error_code::none; // set when the partition is not in the transaction
};
// Sets `error` on every check whose partition the producer's open transaction does not hold
// (INVALID_TXN_STATE; INVALID_PRODUCER_EPOCH for a fenced epoch).
asio::awaitable<void> verify_transactional_writes(request_context& ctx, const std::string& transactional_id,
                                                  std::span<txn_write_check> checks);

// Consumer groups (handlers/groups.cc).
asio::awaitable<protocol::FindCoordinatorResponse> handle_find_coordinator(request_context& ctx, protocol::FindCoordinatorRequest& req);
asio::awaitable<protocol::JoinGroupResponse> handle_join_group(request_context& ctx, protocol::JoinGroupRequest& req);
asio::awaitable<protocol::SyncGroupResponse> handle_sync_group(request_context& ctx, protocol::SyncGroupRequest& req);
asio::awaitable<protocol::HeartbeatResponse> handle_heartbeat(request_context& ctx, protocol::HeartbeatRequest& req);
asio::awaitable<protocol::LeaveGroupResponse> handle_leave_group(request_context& ctx, protocol::LeaveGroupRequest& req);
asio::awaitable<protocol::OffsetCommitResponse> handle_offset_commit(request_context& ctx, protocol::OffsetCommitRequest& req);
asio::awaitable<protocol::OffsetFetchResponse> handle_offset_fetch(request_context& ctx, protocol::OffsetFetchRequest& req);
asio::awaitable<protocol::DescribeGroupsResponse> handle_describe_groups(request_context& ctx, protocol::DescribeGroupsRequest& req);
asio::awaitable<protocol::ListGroupsResponse> handle_list_groups(request_context& ctx, protocol::ListGroupsRequest& req);
asio::awaitable<protocol::DeleteGroupsResponse> handle_delete_groups(request_context& ctx, protocol::DeleteGroupsRequest& req);
asio::awaitable<protocol::OffsetDeleteResponse> handle_offset_delete(request_context& ctx, protocol::OffsetDeleteRequest& req);

// Shared by Metadata and Produce: the topic, auto-created when allowed. Null with the error
// to report otherwise.
struct topic_lookup {
    std::shared_ptr<const topic_info> topic;
    error_code error = error_code::none;
};
asio::awaitable<topic_lookup> find_or_create_topic(request_context& ctx, const std::string& name, bool allow_auto_create);

} // namespace brook::broker
