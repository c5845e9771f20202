// DescribeCluster (KIP-700): the cluster id, this broker as the only broker and the controller.
// v1's EndpointType (KIP-919): this listener serves brokers' clients, so a request for the
// controllers' endpoints is MISMATCHED_ENDPOINT_TYPE, as a Kafka broker answers it.
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

constexpr int8_t broker_endpoint = 1;
constexpr int16_t mismatched_endpoint_type = 114; // Kafka's MISMATCHED_ENDPOINT_TYPE (KIP-919)

// Brook has no authorizer: everything Kafka allows on the cluster resource is allowed
// (AclOperation codes CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10,
// ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12), one bit each.
constexpr int32_t cluster_operations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

} // namespace

asio::awaitable<protocol::DescribeClusterResponse> handle_describe_cluster(request_context& ctx,
                                                                           protocol::DescribeClusterRequest& req) {
    protocol::DescribeClusterResponse resp;
    resp.ThrottleTimeMs = 0;
    resp.EndpointType = broker_endpoint;
    if (ctx.version() >= 1 && req.EndpointType != broker_endpoint) {
        resp.ErrorCode = mismatched_endpoint_type;
        resp.ErrorMessage = "this is a broker endpoint: controller endpoints are not served here";
        co_return resp;
    }
    resp.ErrorCode = 0;
    resp.ClusterId = ctx.b.cluster_id();
    resp.ControllerId = ctx.b.config().node_id;
    auto& me = resp.Brokers.emplace_back();
    me.BrokerId = ctx.b.config().node_id;
    me.Host = ctx.b.advertised().host;
    me.Port = ctx.b.advertised().port;
    if (req.IncludeClusterAuthorizedOperations) resp.ClusterAuthorizedOperations = cluster_operations;
    co_return resp;
}

} // namespace brook::broker
