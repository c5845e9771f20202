#pragma once
// Helpers for the Avro schema type's tests: parse through the public schema_type interface
// (as the registry core does) and read the error or the text forms.
#include <memory>
#include <string>
#include <vector>

#include "registry/avro/avro_schema.h"
#include "registry/schema_type.h"

namespace brook::registry::avro::test {

inline const schema_type& avro() {
    static const std::unique_ptr<schema_type> t = make_avro_type();
    return *t;
}

inline std::vector<resolved_reference> refs(std::vector<std::string> texts) {
    std::vector<resolved_reference> out;
    for (auto& t : texts) {
        std::string n = std::to_string(out.size() + 1);
        out.push_back({"ref" + n, "subject" + n, 1, std::move(t)});
    }
    return out;
}

inline std::shared_ptr<const parsed_schema> parse_ok(const std::string& text, std::vector<std::string> ref_texts = {}) {
    auto r = avro().parse(text, refs(std::move(ref_texts)));
    if (!r.schema) ADD_FAILURE() << "parse failed: " << r.error << "\n  schema: " << text;
    return r.schema;
}

inline std::string parse_error(const std::string& text, std::vector<std::string> ref_texts = {}) {
    auto r = avro().parse(text, refs(std::move(ref_texts)));
    if (r.schema) ADD_FAILURE() << "parse succeeded: " << text;
    return r.error;
}

inline std::string canonical(const std::string& text, std::vector<std::string> ref_texts = {}) {
    auto s = parse_ok(text, std::move(ref_texts));
    return s ? s->canonical() : "<parse failed>";
}

inline std::string normalized(const std::string& text, std::vector<std::string> ref_texts = {}) {
    auto s = parse_ok(text, std::move(ref_texts));
    return s ? s->normalized() : "<parse failed>";
}

} // namespace brook::registry::avro::test
