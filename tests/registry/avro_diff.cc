// brook_avro_diff: the Brook side of the Avro differential test (avro_diff.py). Reads JSON
// lines {"reader": "<schema text>", "writer": "<schema text>"} on stdin and writes one JSON
// line per pair: {"compatible": true|false, "types": [incompatibility types in order],
// "roundtrip": [problems], "pcf": [reader's, writer's Parsing Canonical Form]}, or
// {"error": "<parse error>"} when a schema does not parse. "roundtrip" lists where a text form
// failed to parse back to itself (canonical and normalized forms must be fixed points).
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "registry/avro/avro_schema.h"
#include "registry/avro/canonical.h"
#include "registry/schema_type.h"

namespace {

// The canonical and normalized forms parse back to the same forms.
void roundtrip(const brook::registry::schema_type& avro, const brook::registry::parsed_schema& s, const char* who,
               nlohmann::json& problems) {
    for (bool normalized : {false, true}) {
        std::string form = normalized ? s.normalized() : s.canonical();
        auto again = avro.parse(form, {});
        std::string what = std::string(who) + (normalized ? " normalized" : " canonical");
        if (!again.schema) problems.push_back(what + " does not parse: " + again.error);
        else if ((normalized ? again.schema->normalized() : again.schema->canonical()) != form)
            problems.push_back(what + " is not a fixed point: " + form);
    }
}

std::string pcf(const brook::registry::parsed_schema& s) {
    return brook::registry::avro::parsing_canonical_form(dynamic_cast<const brook::registry::avro::avro_parsed_schema&>(s).root());
}

} // namespace

int main() {
    auto avro = brook::registry::make_avro_type();
    std::string line;
    while (std::getline(std::cin, line)) {
        nlohmann::json out;
        auto in = nlohmann::json::parse(line, nullptr, false);
        if (in.is_discarded() || !in.contains("reader") || !in.contains("writer")) {
            out["error"] = "bad input line";
        } else {
            auto reader = avro->parse(in["reader"].get<std::string>(), {});
            auto writer = avro->parse(in["writer"].get<std::string>(), {});
            if (!reader.schema) out["error"] = "reader: " + reader.error;
            else if (!writer.schema) out["error"] = "writer: " + writer.error;
            else {
                auto got = avro->check(*reader.schema, *writer.schema, {});
                out["compatible"] = got.empty();
                out["types"] = nlohmann::json::array();
                for (const auto& i : got) out["types"].push_back(i.type);
                out["roundtrip"] = nlohmann::json::array();
                roundtrip(*avro, *reader.schema, "reader", out["roundtrip"]);
                roundtrip(*avro, *writer.schema, "writer", out["roundtrip"]);
                out["pcf"] = {pcf(*reader.schema), pcf(*writer.schema)};
            }
        }
        std::cout << out.dump() << '\n';
    }
    return 0;
}
