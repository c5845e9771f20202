#include "client/error.h"

#include <librdkafka/rdkafka.h>

namespace brook::client {

std::string error::code_name() const {
    std::string n = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code));
    auto i = n.find_first_not_of('_');
    return i == std::string::npos ? n : n.substr(i);
}

} // namespace brook::client
