#pragma once
// The state machine driven the way the store drives it: plan a write against the state, and
// apply its records after a round trip through the `_schemas` byte format.
#include <gtest/gtest.h>

#include "fake_type.h"
#include "registry/writes.h"

namespace brook::registry::testing {

inline type_set fake_types() {
    std::vector<std::unique_ptr<schema_type>> t;
    t.push_back(std::make_unique<fake_type>(schema_kind::avro));
    t.push_back(std::make_unique<fake_type>(schema_kind::json));
    return type_set(std::move(t));
}

struct harness {
    type_set types = fake_types();
    state st{types};
    std::vector<encoded_record> log; // everything appended, as bytes

    // Applies a plan's records (encoded, decoded, applied) and returns its reply, or the error.
    std::variant<nlohmann::ordered_json, api_error> run(plan_outcome p) {
        if (auto* e = std::get_if<api_error>(&p)) return *e;
        auto& pl = std::get<plan>(p);
        for (const auto& r : pl.records) {
            auto bytes = encode(r);
            log.push_back(bytes);
            auto d = decode(bytes.key, bytes.value);
            EXPECT_TRUE(d.record) << d.error;
            if (d.record) {
                auto w = st.apply(*d.record);
                EXPECT_FALSE(w) << *w;
            }
        }
        return pl.reply;
    }
    static std::string schema(const std::string& fields_json, const std::string& extra = "") {
        return "{\"fields\": " + fields_json + (extra.empty() ? "" : ", " + extra) + "}";
    }
    std::variant<nlohmann::ordered_json, api_error> reg(const std::string& subject, const std::string& text,
                                                         std::vector<schema_reference> refs = {},
                                                         schema_kind kind = schema_kind::avro, bool normalize = false,
                                                         std::optional<int> id = std::nullopt,
                                                         std::optional<int> version = std::nullopt) {
        register_request r{subject, kind, text, std::move(refs), id, version, normalize};
        return run(plan_register(st, r));
    }
    // The id a registration got (fails the test on an error).
    int id_of(const std::variant<nlohmann::ordered_json, api_error>& r) {
        if (auto* e = std::get_if<api_error>(&r)) {
            ADD_FAILURE() << e->code << " " << e->message;
            return -1;
        }
        return std::get<nlohmann::ordered_json>(r)["id"].get<int>();
    }
    static int code(const std::variant<nlohmann::ordered_json, api_error>& r) {
        auto* e = std::get_if<api_error>(&r);
        return e ? e->code : 0;
    }
};

} // namespace brook::registry::testing
