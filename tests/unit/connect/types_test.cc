// Debezium's type mapping and the option table: pure functions, no Postgres needed.
#include <gtest/gtest.h>

#include "connect/postgres/events.h"
#include "connect/postgres/options.h"
#include "connect/postgres/types.h"

using namespace brook::connect::pg;
using json = nlohmann::ordered_json;

namespace {
column_type builtin(uint32_t oid, int32_t typmod = -1, decimal_mode m = decimal_mode::precise) {
    return map_type(oid, typmod, nullptr, nullptr, m);
}
std::string hexed(const std::string& s) {
    std::string out;
    char buf[3];
    for (unsigned char c : s) {
        std::snprintf(buf, sizeof buf, "%02x", c);
        out += buf;
    }
    return out;
}
} // namespace

TEST(cdc_types, twos_complement_matches_java_biginteger) {
    EXPECT_EQ(hexed(twos_complement("0")), "00");
    EXPECT_EQ(hexed(twos_complement("127")), "7f");
    EXPECT_EQ(hexed(twos_complement("128")), "0080");
    EXPECT_EQ(hexed(twos_complement("-1")), "ff");
    EXPECT_EQ(hexed(twos_complement("-128")), "80");
    EXPECT_EQ(hexed(twos_complement("-129")), "ff7f");
    EXPECT_EQ(hexed(twos_complement("-256")), "ff00");
    EXPECT_EQ(hexed(twos_complement("-1234567")), "ed2979");
    EXPECT_EQ(hexed(twos_complement("18446744073709551616")), "010000000000000000"); // 2^64
}

TEST(cdc_types, base64_and_days) {
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
    EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
}

TEST(cdc_types, numeric_by_typmod_and_mode) {
    const int32_t p10s2 = (10 << 16 | 2) + 4;
    auto fixed = builtin(1700, p10s2);
    EXPECT_EQ(fixed.k, kind::decimal);
    EXPECT_EQ(fixed.scale, 2);
    EXPECT_EQ(connect_schema(fixed)["parameters"]["connect.decimal.precision"], "10");
    EXPECT_EQ(to_json(fixed, "-12345.67"), base64(twos_complement("-1234567")));
    EXPECT_EQ(to_json(fixed, "1.5"), base64(twos_complement("150"))); // padded to the scale
    EXPECT_TRUE(to_json(fixed, "NaN").is_null());
    auto var = builtin(1700);
    EXPECT_EQ(var.k, kind::var_decimal);
    EXPECT_EQ(to_json(var, "3.14159")["scale"], 5);
    EXPECT_EQ(to_json(builtin(1700, -1, decimal_mode::double_), "2.5"), 2.5);
    EXPECT_EQ(to_json(builtin(1700, -1, decimal_mode::string), "2.50"), "2.50");
}

TEST(cdc_types, temporal_values) {
    EXPECT_EQ(to_json(builtin(1082), "2024-02-29"), 19782);
    EXPECT_EQ(to_json(builtin(1083), "13:14:15.123456"), 47655123456LL);
    EXPECT_EQ(to_json(builtin(1083, 3), "13:14:15.123"), 47655123);
    EXPECT_EQ(builtin(1083, 3).k, kind::time_ms);
    EXPECT_EQ(to_json(builtin(1114), "2024-02-29 13:14:15.123456"), 1709212455123456LL);
    EXPECT_EQ(to_json(builtin(1114, 3), "1969-12-31 23:59:59.999"), -1);
    EXPECT_EQ(to_json(builtin(1184), "2024-02-29 11:14:15.5+00"), "2024-02-29T11:14:15.5Z");
    EXPECT_EQ(to_json(builtin(1184), "2024-02-29 11:14:15+05:30"), "2024-02-29T11:14:15+05:30");
    EXPECT_TRUE(to_json(builtin(1184), "infinity").is_null());
    EXPECT_EQ(to_json(builtin(1266), "13:14:15+00"), "13:14:15Z");
    EXPECT_EQ(to_json(builtin(1186), "P1DT2H"), 26LL * 3600 * 1000000);
    EXPECT_EQ(to_json(builtin(1186), "PT-1.5S"), -1500000);
    EXPECT_EQ(to_json(builtin(1186), "P1M"), static_cast<int64_t>(365.25 / 12 * 86400e6));
}

TEST(cdc_types, strings_bytes_arrays_enums) {
    EXPECT_EQ(to_json(builtin(17), "\\x00ff10"), base64(std::string("\x00\xff\x10", 3)));
    EXPECT_EQ(connect_schema(builtin(2950))["name"], "io.debezium.data.Uuid");
    EXPECT_EQ(connect_schema(builtin(3802))["name"], "io.debezium.data.Json");
    EXPECT_EQ(to_json(builtin(16), "t"), true);
    EXPECT_EQ(to_json(builtin(20), "-9007199254740993"), -9007199254740993LL);
    type_facts arr{1007, 'b', 23, ""}, int4{23, 'b', 0, ""};
    auto a = map_type(1007, -1, &arr, &int4, decimal_mode::precise);
    ASSERT_EQ(a.k, kind::array);
    EXPECT_EQ(to_json(a, "{1,NULL,-3}"), json::parse("[1,null,-3]"));
    EXPECT_EQ(connect_schema(a)["items"]["type"], "int32");
    type_facts tarr{1009, 'b', 25, ""}, text{25, 'b', 0, ""};
    auto ta = map_type(1009, -1, &tarr, &text, decimal_mode::precise);
    EXPECT_EQ(to_json(ta, R"({"a,b","q\"x",NULL,"NULL",plain})"), json::parse(R"(["a,b","q\"x",null,"NULL","plain"])"));
    type_facts mood{40000, 'e', 0, "sad,ok"};
    auto e = map_type(40000, -1, &mood, nullptr, decimal_mode::precise);
    EXPECT_EQ(connect_schema(e)["parameters"]["allowed"], "sad,ok");
    EXPECT_EQ(to_json(e, "ok"), "ok");
    EXPECT_EQ(builtin(600).k, kind::string); // point: its text form
}

TEST(cdc_options, debezium_names_defaults_and_errors) {
    cdc_options base;
    base.dsn = "host=x";
    base.prefix = "App-1";
    auto o = finish_options(base, {"tombstones.on.delete=false", "snapshot.mode=when_needed",
                                   "value.converter.schemas.enable=false", "snapshot.max.threads=4"});
    ASSERT_TRUE(o) << o.err().message;
    EXPECT_FALSE(o->tombstones_on_delete);
    EXPECT_EQ(o->snapshot, snapshot_mode::when_needed);
    EXPECT_FALSE(o->value_schemas);
    EXPECT_TRUE(o->key_schemas);
    EXPECT_EQ(o->snapshot_threads, 4);
    EXPECT_EQ(o->slot_name, "brook_app_1");
    EXPECT_EQ(o->offsets_topic, "App-1.offsets");
    EXPECT_EQ(o->transaction_topic, "App-1.transaction");

    auto unknown = finish_options(base, {"slot.nam=x"});
    ASSERT_FALSE(unknown);
    EXPECT_TRUE(unknown.err().usage);
    EXPECT_NE(unknown.err().message.find("slot.nam"), std::string::npos);
    EXPECT_FALSE(finish_options(base, {"tombstones.on.delete=yes"}));
    EXPECT_FALSE(finish_options(base, {"snapshot.max.threads=0"}));
    EXPECT_FALSE(finish_options(base, {"novalue"}));
    EXPECT_FALSE(finish_options(base, {"slot.name=Bad-Name"}));
    cdc_options no_dsn;
    no_dsn.prefix = "p";
    EXPECT_FALSE(finish_options(no_dsn, {}));
}

TEST(cdc_events, envelope_key_tombstone_and_bare_payload) {
    cdc_options o;
    o.dsn = "x";
    o.prefix = "srv";
    auto fin = finish_options(o, {});
    ASSERT_TRUE(fin);
    table_info t;
    t.oid = 1;
    t.schema = "public";
    t.name = "acct";
    t.columns = {{"id", 23, -1, "integer", false, 0, builtin(23)}, {"note", 25, -1, "text", true, -1, builtin(25)}};
    t.key = {0};
    encoder enc(*fin, "app");
    tuple row{{tuple_value::text, "7"}, {tuple_value::unchanged, ""}};
    source_position src;
    src.ts_ms = 1000;
    src.xid = 42;
    src.at = 99;
    src.last_commit = 90;
    auto rr = enc.change(t, 'u', nullptr, &row, src, nullptr);
    ASSERT_TRUE(rr);
    auto& r = *rr;
    EXPECT_EQ(r.topic, "srv.public.acct");
    auto key = json::parse(*r.key);
    EXPECT_EQ(key["payload"], json::parse(R"({"id":7})"));
    EXPECT_EQ(key["schema"]["name"], "srv.public.acct.Key");
    auto v = json::parse(*r.value);
    EXPECT_EQ(v["schema"]["name"], "srv.public.acct.Envelope");
    const auto& p = v["payload"];
    EXPECT_TRUE(p["before"].is_null());
    EXPECT_EQ(p["after"]["note"], "__debezium_unavailable_value");
    EXPECT_EQ(p["op"], "u");
    EXPECT_EQ(p["source"]["sequence"], R"(["90","99"])");
    EXPECT_EQ(p["source"]["txId"], 42);
    EXPECT_EQ(p["source"]["connector"], "postgresql");
    EXPECT_EQ(p["source"]["db"], "app");
    auto tomb = *enc.tombstone(t, row);
    EXPECT_FALSE(tomb.value.has_value());
    EXPECT_EQ(*tomb.key, *r.key);

    auto bare_opts = finish_options(o, {"key.converter.schemas.enable=false", "value.converter.schemas.enable=false"});
    ASSERT_TRUE(bare_opts);
    encoder bare(*bare_opts, "app");
    auto b = *bare.change(t, 'c', nullptr, &row, src, nullptr);
    EXPECT_EQ(*b.key, R"({"id":7})");
    EXPECT_FALSE(json::parse(*b.value).contains("schema"));
}
