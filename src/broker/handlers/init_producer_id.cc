#include "broker/handlers/handlers.h"

namespace brook::broker {

// Non-transactional producers only (idempotence). A producer that asks again — including
// KIP-360's re-initialisation with its old id and epoch — gets a fresh id at epoch 0, as
// Kafka's coordinator does for a null transactional id.
asio::awaitable<protocol::InitProducerIdResponse> handle_init_producer_id(request_context& ctx,
                                                                          protocol::InitProducerIdRequest& req) {
    protocol::InitProducerIdResponse resp;
    resp.ThrottleTimeMs = 0;
    if (req.TransactionalId.has_value()) {
        // Transactions are not served yet; FindCoordinator is not advertised either, so a
        // transactional client fails before it gets here.
        resp.ErrorCode = to_wire(error_code::coordinator_not_available);
        co_return resp;
    }
    auto id = co_await ctx.b.allocate_producer_id();
    if (!id) {
        resp.ErrorCode = to_wire(id.error());
        co_return resp;
    }
    resp.ErrorCode = 0;
    resp.ProducerId = id->value();
    resp.ProducerEpoch = 0;
    co_return resp;
}

} // namespace brook::broker
