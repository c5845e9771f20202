#pragma once
// Errors as values for the Kafka client layer: a librdkafka / Kafka error code plus the message
// that says what went wrong. `outcome<T>` is a value or such an error; `status` is an outcome
// with nothing in it. Plain value types: copy them, keep them, pass them across threads.
#include <string>

#include "base/expected.h"

namespace brook::client {

struct error {
    // rd_kafka_resp_err_t: negative codes are librdkafka's own (transport, timeouts, bad
    // config), positive ones are Kafka protocol error codes as the broker sent them.
    int code = 0;
    std::string message;

    // No broker could be reached (connection refused, name not resolved, all brokers down),
    // or a metadata request got no answer at all within its timeout. Set by the layer that
    // knows: a timeout elsewhere (a slow CreateTopics) is not "unreachable".
    bool unreachable = false;

    // librdkafka's classification of a transactional error (rd_kafka_error_t), false for the
    // plain codes other calls return:
    //   retriable: the same call may be repeated (e.g. a commit that timed out);
    //   abortable: the transaction cannot commit; abort_transaction() and start over;
    //   fatal:     the producer is unusable (fenced by a newer instance with the same
    //              transactional.id, or an idempotence failure): destroy it and make a new one.
    bool retriable = false;
    bool abortable = false;
    bool fatal = false;

    // The code's librdkafka name without the leading underscores, e.g. "UNKNOWN_TOPIC_OR_PART".
    std::string code_name() const;
};

template <class T>
using outcome = brook::expected<T, error>;

struct ok {};
using status = outcome<ok>;

} // namespace brook::client
