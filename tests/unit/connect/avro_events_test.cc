// --format avro without Postgres or a registry: the derived schemas parse and hold Debezium's
// shape, events encode against them and decode back (Brook's codec; python3-avro and
// confluent-kafka check the same through a broker in test_cdc_postgres_avro.py), schema diffs
// name the columns, and the metrics page renders.
#include <gtest/gtest.h>

#include "client/avro_codec.h"
#include "client/avro_json.h"
#include "connect/postgres/avro_schemas.h"
#include "connect/postgres/metrics.h"
#include "connect/postgres/types.h"

using namespace brook::connect::pg;
namespace avro = brook::client::avro;

namespace {

column col(std::string name, uint32_t oid, bool optional, int32_t typmod = -1, int key = -1) {
    column c;
    c.name = std::move(name);
    c.type_oid = oid;
    c.typmod = typmod;
    c.optional = optional;
    c.key_position = key;
    c.type = map_type(oid, typmod, nullptr, nullptr, decimal_mode::precise);
    return c;
}

table_info table() {
    table_info t;
    t.oid = 42;
    t.schema = "public";
    t.name = "orders";
    t.columns = {col("id", 23, false, -1, 0), col("qty", 21, false), col("price", 1700, true, (10 << 16 | 2) + 4),
                 col("raw", 1700, true), col("also raw", 1700, true), col("at", 1114, true), col("note", 25, true)};
    t.key = {0};
    return t;
}

} // namespace

TEST(cdc_avro, schemas_parse_and_have_debeziums_shape) {
    auto t = table();
    auto env = avro_envelope_schema("shop.public.orders", t);
    auto s = avro::schema::parse(env.dump());
    ASSERT_TRUE(s) << s.err().message;
    const auto& root = s->root();
    EXPECT_EQ(root.name, "shop.public.orders.Envelope");
    ASSERT_EQ(root.fields.size(), 6u);
    EXPECT_EQ(root.fields[0].name, "before");
    EXPECT_EQ(root.fields[1].type->branches[1], root.fields[0].type->branches[1]); // one Value record
    const auto* row = root.fields[0].type->branches[1];
    EXPECT_EQ(row->name, "shop.public.orders.Value");
    EXPECT_EQ(row->fields[1].type->t, avro::type::int_); // smallint, NOT NULL: no union
    EXPECT_EQ(row->fields[2].type->branches[1]->logical, avro::logical::decimal);
    EXPECT_EQ(row->fields[2].type->branches[1]->scale, 2);
    EXPECT_EQ(row->fields[3].type->branches[1]->name, "io.debezium.data.VariableScaleDecimal");
    EXPECT_EQ(row->fields[4].name, "also_raw"); // Avro names: [A-Za-z0-9_]
    EXPECT_EQ(row->fields[4].type->branches[1], row->fields[3].type->branches[1]); // defined once, then by name
    EXPECT_EQ(root.fields[2].type->name, "io.debezium.connector.postgresql.Source");
    EXPECT_EQ(env["fields"][0]["type"][1]["fields"][5]["type"][1]["connect.name"], "io.debezium.time.MicroTimestamp");
    EXPECT_EQ(env["fields"][0]["type"][1]["fields"][1]["type"]["connect.type"], "int16");
    auto key = avro::schema::parse(avro_key_schema("shop.public.orders", t).dump());
    ASSERT_TRUE(key);
    EXPECT_EQ(key->root().name, "shop.public.orders.Key");
    EXPECT_EQ(avro_namespace("my-app.public.1st"), "my_app.public._1st");
}

TEST(cdc_avro, column_values_encode_against_the_schema) {
    auto t = table();
    auto s = *avro::schema::parse(avro_envelope_schema("shop.public.orders", t).dump());
    const auto* row = s.root().fields[0].type->branches[1];
    auto v = [&](size_t i, const char* text) {
        auto x = to_avro(t.columns[i].type, text);
        EXPECT_TRUE(x) << text;
        return *x;
    };
    avro::record r{{v(0, "7"), v(1, "-3"), v(2, "-12.5"), v(3, "3.14159"), v(4, "0"), v(5, "2024-02-29 13:14:15.123456"),
                    v(6, "hi")}};
    for (size_t i = 2; i < r.fields.size(); ++i) r.fields[i].branch = 1;
    std::string out; // a row alone, as the Envelope's after holds it
    auto ok = avro::encode(*row, r, out);
    ASSERT_TRUE(ok) << ok.err().message;
    // Decoded through a schema rooted at the Value record.
    auto rs = *avro::schema::parse(avro_envelope_schema("shop.public.orders", t)["fields"][0]["type"][1].dump());
    auto back = avro::decode(rs, out);
    ASSERT_TRUE(back) << back.err().message;
    auto j = avro::to_json(rs.root(), *back);
    EXPECT_EQ(j["id"], 7);
    EXPECT_EQ(j["qty"], -3);
    EXPECT_EQ(j["price"], "-12.50");
    EXPECT_EQ(j["raw"]["scale"], 5);
    EXPECT_EQ(j["at"], 1709212455123456);
    EXPECT_EQ(j["note"], "hi");
    EXPECT_FALSE(to_avro(t.columns[2].type, "NaN")); // Debezium's null
}

TEST(cdc_avro, changes_are_named_by_column) {
    auto before = table();
    auto now = table();
    now.columns[1] = col("qty", 25, false);
    now.columns[1].type_name = "text";
    before.columns[1].type_name = "smallint";
    now.columns.push_back(col("extra", 25, true));
    now.columns.push_back(col("x", 25, true));
    now.columns.erase(now.columns.begin() + 6); // note
    EXPECT_EQ(describe_changes(before, now),
              "column qty changed type smallint -> text; column extra added (oid 25); column x added (oid 25); column note dropped");
    EXPECT_EQ(describe_changes(before, before), "");
    auto a = avro_envelope_schema("t", before).dump(), b = avro_envelope_schema("t", now).dump();
    EXPECT_EQ(describe_schema_changes(a, b),
              "column extra added (string); column qty changed type int -> string; column x added (string); column note dropped");
}

TEST(cdc_metrics, page_renders_in_the_text_format) {
    cdc_figures f;
    auto p = std::make_shared<snapshot_progress>(2);
    p->rows[0] = 10;
    p->rows[1] = 5;
    f.set_snapshot({"public.a", "public.b"}, p);
    f.committed_changes = 3;
    f.retained_bytes = 4096;
    auto text = render_metrics(f);
    EXPECT_NE(text.find("brook_cdc_snapshot_table_rows{table=\"public.a\"} 10\n"), std::string::npos) << text;
    EXPECT_NE(text.find("brook_cdc_snapshot_rows 15\n"), std::string::npos);
    EXPECT_NE(text.find("brook_cdc_snapshot_done 0\n"), std::string::npos);
    EXPECT_NE(text.find("brook_cdc_slot_retained_wal_bytes 4096\n"), std::string::npos);
    EXPECT_EQ(text.find("\nbrook_cdc_slot_confirmed_lag_bytes "), std::string::npos); // not polled yet: no sample
    EXPECT_NE(text.find("brook_cdc_changes_committed_total 3\n"), std::string::npos);
}
