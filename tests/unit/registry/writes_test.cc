#include <gtest/gtest.h>

#include "harness.h"
#include "registry/compat.h"

namespace brook::registry {
namespace {

using testing::harness;

const std::string A = harness::schema(R"({"a": {"type": "int"}})");
const std::string AB_default = harness::schema(R"({"a": {"type": "int"}, "b": {"type": "int", "default": 0}})");
const std::string AB_required = harness::schema(R"({"a": {"type": "int"}, "b": {"type": "int"}})");
const std::string B = harness::schema(R"({"b": {"type": "int"}})");

TEST(Register, FirstSchemaGetsIdOneVersionOne) {
    harness h;
    EXPECT_EQ(h.id_of(h.reg("s", A)), 1);
    auto v = h.st.get("s", -1, false);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->version, 1);
    EXPECT_EQ(v->id, 1);
    EXPECT_EQ(h.log.size(), 1u);
}

TEST(Register, SameSchemaAgainReturnsItsIdAndWritesNothing) {
    harness h;
    h.reg("s", A);
    // Whitespace and key order do not make a new schema.
    EXPECT_EQ(h.id_of(h.reg("s", "  {\"fields\":{\"a\":{\"type\":\"int\"}}}\n")), 1);
    EXPECT_EQ(h.log.size(), 1u);
    EXPECT_EQ(h.st.versions("s", false, false), std::vector<int>{1});
}

TEST(Register, IdsAreGlobalVersionsPerSubject) {
    harness h;
    EXPECT_EQ(h.id_of(h.reg("s1", A)), 1);
    EXPECT_EQ(h.id_of(h.reg("s2", B)), 2);
    EXPECT_EQ(h.id_of(h.reg("s2", harness::schema(R"({"b": {"type": "int"}, "c": {"type": "int", "default": 1}})"))), 3);
    EXPECT_EQ(h.id_of(h.reg("s3", A)), 1) << "the same schema under another subject keeps its id";
    EXPECT_EQ(h.st.get("s3", -1, false)->version, 1);
    EXPECT_EQ(h.st.get("s2", -1, false)->version, 2);
}

TEST(Register, IncompatibleIsRefusedWithReasonsAndWritesNothing) {
    harness h;
    h.reg("s", A);
    auto r = h.reg("s", AB_required);
    ASSERT_EQ(harness::code(r), 409);
    const auto& msg = std::get<api_error>(r).message;
    EXPECT_NE(msg.find("errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("{oldSchemaVersion: 1}"), std::string::npos) << msg;
    EXPECT_NE(msg.find("compatibility: 'BACKWARD'"), std::string::npos) << msg;
    EXPECT_EQ(h.log.size(), 1u);
    EXPECT_EQ(h.id_of(h.reg("s", AB_default)), 2);
}

TEST(Register, ForwardChecksOldReadsNew) {
    harness h;
    h.run(plan_set_config(h.st, "s", "FORWARD", std::nullopt));
    h.reg("s", AB_required);
    // Old {a, b} reads new {a}: b has no default in the old schema.
    EXPECT_EQ(harness::code(h.reg("s", A)), 409);
    h.run(plan_set_config(h.st, "s", "BACKWARD", std::nullopt));
    EXPECT_EQ(harness::code(h.reg("s", A)), 0);
}

TEST(Register, FullChecksBothWays) {
    harness h;
    h.run(plan_set_config(h.st, std::nullopt, "FULL", std::nullopt));
    h.reg("s", A);
    EXPECT_EQ(harness::code(h.reg("s", AB_required)), 409);
    EXPECT_EQ(harness::code(h.reg("s", AB_default)), 0);
}

TEST(Register, TransitiveChecksEveryLiveVersionOnly) {
    harness h;
    h.run(plan_set_config(h.st, "s", "NONE", std::nullopt));
    h.reg("s", A);
    h.reg("s", B);
    const auto BC = harness::schema(R"({"b": {"type": "int"}, "c": {"type": "int", "default": 1}})");
    h.run(plan_set_config(h.st, "s", "BACKWARD_TRANSITIVE", std::nullopt));
    auto r = h.reg("s", BC);
    ASSERT_EQ(harness::code(r), 409) << "v1 {a} cannot be read by {b, c}";
    EXPECT_NE(std::get<api_error>(r).message.find("{oldSchemaVersion: 1}"), std::string::npos);
    h.run(plan_set_config(h.st, "s", "BACKWARD", std::nullopt));
    EXPECT_EQ(harness::code(h.reg("s", BC)), 0) << "the latest alone, {b}, is readable";
}

TEST(Register, TransitiveIgnoresSoftDeletedVersions) {
    harness h;
    h.run(plan_set_config(h.st, "s", "NONE", std::nullopt));
    h.reg("s", A);
    h.reg("s", B);
    h.run(plan_set_config(h.st, "s", "FULL_TRANSITIVE", std::nullopt));
    const auto BC = harness::schema(R"({"b": {"type": "int"}, "c": {"type": "int", "default": 1}})");
    EXPECT_EQ(harness::code(h.reg("s", BC)), 409);
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "s", 1, false))), 0);
    EXPECT_EQ(harness::code(h.reg("s", BC)), 0);
}

TEST(Register, SchemaTypeMayChangeOnlyUnderNone) {
    harness h;
    h.reg("s", A);
    auto r = h.reg("s", A, {}, schema_kind::json);
    ASSERT_EQ(harness::code(r), 409);
    EXPECT_NE(std::get<api_error>(r).message.find("SCHEMA_TYPE_CHANGED"), std::string::npos);
    h.run(plan_set_config(h.st, "s", "NONE", std::nullopt));
    EXPECT_EQ(h.id_of(h.reg("s", A, {}, schema_kind::json)), 2) << "same text, other type: another schema";
}

TEST(Register, BadInput) {
    harness h;
    EXPECT_EQ(harness::code(h.reg("s", "not json")), 42201);
    EXPECT_EQ(harness::code(h.reg("", A)), 42208);
    EXPECT_EQ(harness::code(h.reg("back\\slash and space", A)), 0) << "any printable name is fine";
    EXPECT_EQ(harness::code(h.reg(std::string("ctl") + '\x01', A)), 42208);
    EXPECT_EQ(harness::code(h.reg("caf\xc3\xa9", A)), 0) << "UTF-8 is fine";
    EXPECT_EQ(harness::code(h.reg("bad\xff", A)), 42208) << "not UTF-8";
    EXPECT_EQ(harness::code(h.reg("cut\xc3", A)), 42208) << "truncated UTF-8";
    EXPECT_EQ(harness::code(h.reg("s", A, {}, schema_kind::protobuf)), 42201) << "a type not served";
    EXPECT_EQ(harness::code(h.reg("s", A, {}, schema_kind::avro, false, std::nullopt, 5)), 42202)
        << "outside IMPORT a version may only be the next one";
    EXPECT_EQ(harness::code(h.reg("s", A, {}, schema_kind::avro, false, 7)), 42205) << "an id outside IMPORT";
    EXPECT_EQ(h.log.size(), 2u);
}

TEST(Register, NormalizeComparesNormalizedForms) {
    harness h;
    const auto with_doc = harness::schema(R"({"a": {"type": "int"}})", R"("doc": "hello")");
    EXPECT_EQ(h.id_of(h.reg("s", A)), 1);
    EXPECT_EQ(h.id_of(h.reg("s", with_doc, {}, schema_kind::avro, true)), 1) << "normalize drops doc";
    EXPECT_EQ(h.id_of(h.reg("s", with_doc)), 2) << "without normalize doc counts";
    h.run(plan_set_config(h.st, "t", std::nullopt, true));
    EXPECT_EQ(h.id_of(h.reg("t", A)), 1);
    EXPECT_EQ(h.id_of(h.reg("t", with_doc)), 1) << "the subject's normalize config applies";
}

TEST(Versions, SoftThenPermanentDeleteAndNumbersNotReused) {
    harness h;
    h.run(plan_set_config(h.st, std::nullopt, "NONE", std::nullopt));
    h.reg("s", A);
    h.reg("s", B);
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "s", 2, true))), 40407);
    auto soft = h.run(plan_delete_version(h.st, "s", 2, false));
    ASSERT_EQ(harness::code(soft), 0);
    EXPECT_EQ(std::get<nlohmann::ordered_json>(soft).get<int>(), 2);
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "s", 2, false))), 40406);
    EXPECT_FALSE(h.st.get("s", 2, false));
    EXPECT_TRUE(h.st.get("s", 2, true));
    EXPECT_EQ(h.st.get("s", -1, false)->version, 1);
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "s", 2, true))), 0);
    EXPECT_FALSE(h.st.get("s", 2, true));
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "s", 9, false))), 40402);
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "nope", 1, false))), 40401);
    h.reg("s", harness::schema(R"({"z": {"type": "int"}})"));
    EXPECT_EQ(h.st.get("s", -1, false)->version, 3) << "version 2 is never reused";
    EXPECT_EQ(h.st.get("s", -1, false)->id, 3) << "nor is id 2";
    EXPECT_FALSE(h.st.schema(2)) << "a permanently deleted schema is gone by id";
}

TEST(Subjects, SoftAndPermanentDelete) {
    harness h;
    h.run(plan_set_config(h.st, std::nullopt, "NONE", std::nullopt));
    h.reg("s", A);
    h.reg("s", B);
    h.run(plan_set_config(h.st, "s", "FULL", std::nullopt));
    EXPECT_EQ(harness::code(h.run(plan_delete_subject(h.st, "s", true))), 40405);
    auto soft = h.run(plan_delete_subject(h.st, "s", false));
    ASSERT_EQ(harness::code(soft), 0);
    EXPECT_EQ(std::get<nlohmann::ordered_json>(soft), nlohmann::ordered_json::parse("[1,2]"));
    EXPECT_FALSE(h.st.has_subject("s", false));
    EXPECT_TRUE(h.st.has_subject("s", true));
    EXPECT_EQ(h.st.subjects("", false, false), std::vector<std::string>{});
    EXPECT_EQ(h.st.subjects("", false, true), std::vector<std::string>{"s"});
    EXPECT_EQ(harness::code(h.run(plan_delete_subject(h.st, "s", false))), 40404);
    EXPECT_TRUE(h.st.schema(1)) << "soft-deleted schemas still decode by id";
    auto hard = h.run(plan_delete_subject(h.st, "s", true));
    ASSERT_EQ(harness::code(hard), 0);
    EXPECT_EQ(std::get<nlohmann::ordered_json>(hard), nlohmann::ordered_json::parse("[1,2]"));
    EXPECT_FALSE(h.st.has_subject("s", true));
    EXPECT_FALSE(h.st.config(std::string("s"))) << "a subject deleted for good loses its config";
    EXPECT_EQ(harness::code(h.run(plan_delete_subject(h.st, "s", false))), 40401);
    h.reg("s", A);
    EXPECT_EQ(h.st.get("s", -1, false)->version, 3);
}

TEST(Subjects, ReregisterAfterSoftDeleteMakesANewVersionWithTheSameId) {
    harness h;
    h.reg("s", A);
    h.run(plan_delete_subject(h.st, "s", false));
    EXPECT_EQ(h.id_of(h.reg("s", A)), 1);
    EXPECT_EQ(h.st.versions("s", false, false), std::vector<int>{2});
}

TEST(References, MustResolveAndProtectWhatTheyReference) {
    harness h;
    const auto dep = harness::schema(R"({"d": {"type": "int"}})");
    h.reg("dep", dep);
    const auto user = harness::schema(R"({"u": {"type": "int"}})", R"("refs": ["Dep"])");
    EXPECT_EQ(harness::code(h.reg("user", user)), 42201) << "the reference is not declared";
    EXPECT_EQ(harness::code(h.reg("user", user, {{"Dep", "dep", 5}})), 42201) << "no version 5";
    EXPECT_EQ(harness::code(h.reg("user", user, {{"Dep", "nope", 1}})), 42201) << "no such subject";
    EXPECT_EQ(h.id_of(h.reg("user", user, {{"Dep", "dep", 1}})), 2);
    EXPECT_EQ(h.id_of(h.reg("user2", user, {{"Dep", "dep", -1}})), 2) << "latest resolves to version 1: same schema";
    EXPECT_EQ(h.st.schema(2)->references, (std::vector<schema_reference>{{"Dep", "dep", 1}}));
    EXPECT_EQ(h.st.referenced_by("dep", 1), std::vector<int>{2});
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "dep", 1, false))), 42206);
    EXPECT_EQ(harness::code(h.run(plan_delete_subject(h.st, "dep", false))), 42206);
    h.run(plan_delete_subject(h.st, "user", false));
    h.run(plan_delete_subject(h.st, "user2", false));
    EXPECT_EQ(harness::code(h.run(plan_delete_subject(h.st, "dep", false))), 0) << "only live referrers protect";
}

TEST(Modes, ReadOnlyRefusesWritesSubjectOverrideWins) {
    harness h;
    h.reg("s", A);
    h.run(plan_set_mode(h.st, std::nullopt, "READONLY", false));
    EXPECT_EQ(harness::code(h.reg("s", AB_default)), 42205);
    EXPECT_EQ(harness::code(h.run(plan_delete_version(h.st, "s", 1, false))), 42205);
    EXPECT_EQ(harness::code(h.run(plan_delete_subject(h.st, "s", false))), 42205);
    h.run(plan_set_mode(h.st, "s", "readwrite", false));
    EXPECT_EQ(h.id_of(h.reg("s", AB_default)), 2);
    EXPECT_EQ(harness::code(h.run(plan_set_mode(h.st, std::nullopt, "SIDEWAYS", false))), 42204);
    EXPECT_EQ(harness::code(h.run(plan_delete_mode(h.st, std::string("other")))), 40409);
    auto del = h.run(plan_delete_mode(h.st, std::string("s")));
    EXPECT_EQ(std::get<nlohmann::ordered_json>(del)["mode"], "READWRITE");
    EXPECT_EQ(h.st.effective_mode("s"), mode::readonly);
}

TEST(Modes, ImportTakesExplicitIdsAndRefusesConflicts) {
    harness h;
    h.reg("s", A);
    EXPECT_EQ(harness::code(h.run(plan_set_mode(h.st, std::nullopt, "IMPORT", false))), 42205) << "subjects exist";
    EXPECT_EQ(harness::code(h.run(plan_set_mode(h.st, "new", "IMPORT", false))), 0) << "an empty subject may import";
    EXPECT_EQ(h.id_of(h.reg("new", B, {}, schema_kind::avro, false, 100, 7)), 100);
    EXPECT_EQ(h.st.get("new", -1, false)->version, 7);
    EXPECT_EQ(harness::code(h.reg("new", AB_required, {}, schema_kind::avro, false, 100)), 42207)
        << "id 100 is another schema";
    EXPECT_EQ(harness::code(h.reg("new", B, {}, schema_kind::avro, false, 101)), 42207)
        << "the schema already has id 100 here";
    EXPECT_EQ(h.id_of(h.reg("new", AB_required, {}, schema_kind::avro, false, 50)), 50)
        << "no compatibility check while importing";
    EXPECT_EQ(harness::code(h.run(plan_set_mode(h.st, std::nullopt, "IMPORT", true))), 0) << "force";
    h.run(plan_delete_mode(h.st, std::nullopt));
    h.run(plan_delete_mode(h.st, std::string("new")));
    EXPECT_EQ(h.id_of(h.reg("other", harness::schema(R"({"q": {"type": "int"}})"))), 101) << "after the highest id";
}

TEST(Config, SetGetDelete) {
    harness h;
    EXPECT_EQ(harness::code(h.run(plan_set_config(h.st, std::nullopt, "SIDEWAYS", std::nullopt))), 42203);
    EXPECT_EQ(harness::code(h.run(plan_set_config(h.st, std::nullopt, std::nullopt, std::nullopt))), 42203);
    auto set = h.run(plan_set_config(h.st, "s", "full_transitive", true));
    EXPECT_EQ(std::get<nlohmann::ordered_json>(set).dump(), R"({"compatibility":"FULL_TRANSITIVE","normalize":true})");
    EXPECT_EQ(h.st.effective_level("s"), compat_level::full_transitive);
    EXPECT_EQ(h.st.effective_level("t"), compat_level::backward);
    EXPECT_TRUE(h.st.effective_normalize("s"));
    auto del = h.run(plan_delete_config(h.st, std::string("s")));
    EXPECT_EQ(std::get<nlohmann::ordered_json>(del).dump(), R"({"compatibilityLevel":"FULL_TRANSITIVE","normalize":true})");
    EXPECT_EQ(harness::code(h.run(plan_delete_config(h.st, std::string("s")))), 40401) << "no such subject either";
    h.reg("s", A);
    EXPECT_EQ(harness::code(h.run(plan_delete_config(h.st, std::string("s")))), 40408);
    h.run(plan_set_config(h.st, std::nullopt, "NONE", std::nullopt));
    EXPECT_EQ(std::get<nlohmann::ordered_json>(h.run(plan_delete_config(h.st, std::nullopt))).dump(),
              R"({"compatibilityLevel":"NONE"})");
    EXPECT_EQ(h.st.effective_level("s"), compat_level::backward);
}

TEST(Config, JsonPolicyPerSubjectReachesTheChecker) {
    harness h;
    EXPECT_EQ(h.st.effective_check_options("s").json_policy, "STRICT");
    EXPECT_EQ(harness::code(h.run(plan_set_config(h.st, "s", std::nullopt, std::nullopt, "sloppy"))), 42203);
    auto set = h.run(plan_set_config(h.st, "s", std::nullopt, std::nullopt, "lenient"));
    EXPECT_EQ(std::get<nlohmann::ordered_json>(set).dump(), R"({"jsonCompatibilityPolicy":"LENIENT"})");
    EXPECT_EQ(h.st.effective_check_options("s").json_policy, "LENIENT");
    EXPECT_EQ(h.st.effective_check_options("t").json_policy, "STRICT");
    EXPECT_EQ(*h.log.back().value, R"({"jsonCompatibilityPolicy":"LENIENT"})");
    h.run(plan_set_config(h.st, std::nullopt, std::nullopt, std::nullopt, "LENIENT"));
    EXPECT_EQ(h.st.effective_check_options("t").json_policy, "LENIENT");
    h.run(plan_set_config(h.st, "s", "FULL", std::nullopt));
    EXPECT_EQ(h.st.effective_check_options("s").json_policy, "LENIENT") << "setting the level keeps the policy";
}

TEST(Replay, TheLogRebuildsTheSameState) {
    harness h;
    h.run(plan_set_config(h.st, std::nullopt, "NONE", std::nullopt));
    h.reg("a", A);
    h.reg("a", B);
    h.reg("b", B);
    h.run(plan_delete_version(h.st, "a", 1, false));
    h.run(plan_delete_version(h.st, "a", 1, true));
    h.run(plan_delete_subject(h.st, "b", false));
    h.run(plan_set_mode(h.st, "a", "READONLY", false));
    state again(h.types);
    for (const auto& r : h.log) again.apply(*decode(r.key, r.value).record);
    for (const auto* st : {&h.st, &again}) {
        EXPECT_EQ(st->versions("a", true, false), std::vector<int>{2});
        EXPECT_EQ(st->subjects("", true, false), (std::vector<std::string>{"a", "b"}));
        EXPECT_EQ(st->subjects("", false, false), (std::vector<std::string>{"a"}));
        EXPECT_FALSE(st->schema(1));
        EXPECT_EQ(st->max_id(), 2);
        EXPECT_EQ(st->effective_mode("a"), mode::readonly);
        EXPECT_EQ(st->effective_level("a"), compat_level::none);
    }
}

TEST(Replay, UnparseableSchemaIsKeptRawAndServedById) {
    harness h;
    schema_record r{"s", 1, schema_record::body{4, schema_kind::avro, {}, "this is not json", false}};
    auto w = h.st.apply(r);
    EXPECT_TRUE(w);
    ASSERT_TRUE(h.st.schema(4));
    EXPECT_EQ(h.st.schema(4)->text(), "this is not json");
    EXPECT_EQ(h.id_of(h.reg("s", A)), 5) << "registration goes on past it";
}

} // namespace
} // namespace brook::registry

namespace brook::registry {
namespace {

TEST(Replay, AnotherToolsTextIsServedAsWrittenAndMatchedByCanonicalForm) {
    harness h;
    const std::string spaced = "{ \"fields\" : { \"a\" : { \"type\" : \"int\" } } }";
    EXPECT_FALSE(h.st.apply(schema_record{"s", 1, schema_record::body{9, schema_kind::avro, {}, spaced, false}}));
    EXPECT_EQ(h.st.schema(9)->text(), spaced);
    EXPECT_EQ(h.id_of(h.reg("s", A)), 9) << "same canonical form";
    EXPECT_EQ(h.id_of(h.reg("t", A)), 9) << "found by id index too";
    EXPECT_EQ(h.st.versions("s", false, false), std::vector<int>{1});
}

TEST(Replay, TwoIdsForOneSchemaTheFirstWins) {
    harness h;
    h.st.apply(schema_record{"s", 1, schema_record::body{5, schema_kind::avro, {}, A, false}});
    h.st.apply(schema_record{"t", 1, schema_record::body{3, schema_kind::avro, {}, A, false}});
    EXPECT_EQ(h.st.find_id(h.st.schema(3)->identity, false), 3);
    h.st.apply(schema_record{"t", 1, std::nullopt});
    EXPECT_EQ(h.st.find_id(h.st.schema(5)->identity, false), 5) << "the index forgets only the id deleted";
}

} // namespace
} // namespace brook::registry
