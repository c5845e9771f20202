#pragma once
// A schema type for the core's tests only (never shipped): a schema is a JSON object
// {"fields": {"name": {"type": "int", "default": ...}}, "doc": "...", "refs": ["Name"]}.
// Identity is the minified JSON with sorted keys; normalize also drops "doc". A reader field
// missing in the writer needs a default; a field whose type differs is a mismatch. "refs"
// must each be the name of a resolved reference.
#include <nlohmann/json.hpp>

#include "registry/schema_type.h"

namespace brook::registry::testing {

class fake_schema : public parsed_schema {
public:
    fake_schema(schema_kind k, nlohmann::json j) : kind_(k), j_(std::move(j)) {}
    schema_kind kind() const override { return kind_; }
    std::string canonical() const override { return j_.dump(); }
    std::string normalized() const override {
        auto j = j_;
        j.erase("doc");
        return j.dump();
    }
    const nlohmann::json& json() const { return j_; }

private:
    schema_kind kind_;
    nlohmann::json j_;
};

class fake_type : public schema_type {
public:
    explicit fake_type(schema_kind k = schema_kind::avro) : kind_(k) {}
    schema_kind kind() const override { return kind_; }
    parse_outcome parse(std::string_view text, const std::vector<resolved_reference>& refs) const override {
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object()) return {nullptr, "not a JSON object"};
        if (j.contains("refs"))
            for (const auto& name : j["refs"]) {
                bool found = false;
                for (const auto& r : refs) found = found || r.name == name.get<std::string>();
                if (!found) return {nullptr, "unknown reference " + name.dump()};
            }
        return {std::make_shared<fake_schema>(kind_, std::move(j)), ""};
    }
    std::vector<incompatibility> check(const parsed_schema& reader, const parsed_schema& writer,
                                       const check_options&) const override {
        const auto& r = static_cast<const fake_schema&>(reader).json();
        const auto& w = static_cast<const fake_schema&>(writer).json();
        std::vector<incompatibility> out;
        auto rf = r.value("fields", nlohmann::json::object());
        auto wf = w.value("fields", nlohmann::json::object());
        for (auto& [name, f] : rf.items()) {
            if (!wf.contains(name)) {
                if (!f.contains("default"))
                    out.push_back({"READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/" + name,
                                   "The field '" + name + "' has no default value and is missing in the writer", name});
            } else if (f.value("type", "") != wf[name].value("type", "")) {
                out.push_back({"TYPE_MISMATCH", "/fields/" + name, "The type of field '" + name + "' changed", name});
            }
        }
        return out;
    }

private:
    schema_kind kind_;
};

} // namespace brook::registry::testing
