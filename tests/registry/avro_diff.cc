// brook_avro_diff: the Brook side of the Avro differential test (avro_diff.py). Reads JSON
// lines {"reader": "<schema text>", "writer": "<schema text>"} on stdin and writes one JSON
// line per pair: {"compatible": true|false, "types": [incompatibility types in order]}, or
// {"error": "<parse error>"} when a schema does not parse.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "registry/schema_type.h"

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
            }
        }
        std::cout << out.dump() << '\n';
    }
    return 0;
}
