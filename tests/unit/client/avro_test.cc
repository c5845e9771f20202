// The Avro codec: schema parsing (and each refusal), the binary encoding byte for byte against
// the spec's examples, round trips of every type, bad bytes, Confluent framing, decimals.
// tests/integration/test_avro_python.py checks the same bytes against python3-avro.
#include <gtest/gtest.h>

#include "client/avro_codec.h"
#include "client/avro_json.h"
#include "client/avro_schema.h"

using namespace brook::client::avro;
using json = nlohmann::json;

namespace {

schema parse_ok(const std::string& text) {
    auto s = schema::parse(text);
    EXPECT_TRUE(s) << (s ? "" : s.err().message);
    return *s;
}

std::string parse_error(const std::string& text) {
    auto s = schema::parse(text);
    EXPECT_FALSE(s) << text;
    return s ? "" : s.err().message;
}

std::string hex(const std::string& b) {
    static const char* d = "0123456789abcdef";
    std::string o;
    for (unsigned char c : b) {
        o += d[c >> 4];
        o += d[c & 15];
    }
    return o;
}

std::string enc(const schema& s, const value& v) {
    auto r = encode(s, v);
    EXPECT_TRUE(r) << (r ? "" : r.err().message);
    return r ? *r : "";
}

} // namespace

TEST(avro, zigzag_varints_as_the_spec_lists_them) {
    auto s = parse_ok(R"("long")");
    EXPECT_EQ(hex(enc(s, int64_t{0})), "00");
    EXPECT_EQ(hex(enc(s, int64_t{-1})), "01");
    EXPECT_EQ(hex(enc(s, int64_t{1})), "02");
    EXPECT_EQ(hex(enc(s, int64_t{-2})), "03");
    EXPECT_EQ(hex(enc(s, int64_t{2})), "04");
    EXPECT_EQ(hex(enc(s, int64_t{-64})), "7f");
    EXPECT_EQ(hex(enc(s, int64_t{64})), "8001");
    EXPECT_EQ(hex(enc(s, INT64_MAX)), "feffffffffffffffff01");
    EXPECT_EQ(hex(enc(s, INT64_MIN)), "ffffffffffffffffff01");
    for (int64_t x : {int64_t{0}, int64_t{-1}, int64_t{300}, INT64_MIN, INT64_MAX}) {
        auto d = decode(s, enc(s, x));
        ASSERT_TRUE(d);
        EXPECT_EQ(std::get<int64_t>(d->v), x);
    }
}

TEST(avro, strings_records_and_the_specs_example) {
    // The spec: "foo" is 06 66 6f 6f; a record {a: long 27, b: string "foo"} is 36 06 66 6f 6f.
    EXPECT_EQ(hex(enc(parse_ok(R"("string")"), "foo")), "06666f6f");
    auto r = parse_ok(R"({"type":"record","name":"test","fields":[{"name":"a","type":"long"},{"name":"b","type":"string"}]})");
    EXPECT_EQ(hex(enc(r, record{{int64_t{27}, "foo"}})), "3606666f6f");
    // Arrays in one block ended by 0: [3, 27] is 04 06 36 00.
    EXPECT_EQ(hex(enc(parse_ok(R"({"type":"array","items":"long"})"), array{{int64_t{3}, int64_t{27}}})), "04063600");
    // Union ["null","string"]: null is 00, "a" is 02 02 61.
    auto u = parse_ok(R"(["null","string"])");
    EXPECT_EQ(hex(enc(u, value{})), "00");
    EXPECT_EQ(hex(enc(u, "a")), "020261");
}

TEST(avro, every_type_round_trips) {
    auto s = parse_ok(R"({"type":"record","name":"All","namespace":"t","fields":[
        {"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},
        {"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},
        {"name":"by","type":"bytes"},{"name":"s","type":"string"},
        {"name":"e","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
        {"name":"a","type":{"type":"array","items":"Color"}},
        {"name":"m","type":{"type":"map","values":["null","long"]}},
        {"name":"fx","type":{"type":"fixed","name":"Four","size":4}},
        {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
        {"name":"day","type":{"type":"int","logicalType":"date"}},
        {"name":"tm","type":{"type":"long","logicalType":"time-micros"}},
        {"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},
        {"name":"id","type":{"type":"string","logicalType":"uuid"}},
        {"name":"opt","type":["null","All"],"default":null}]})");
    const auto& root = s.root();
    EXPECT_EQ(root.name, "t.All");
    EXPECT_EQ(root.fields[12].type->logical, logical::decimal);
    EXPECT_EQ(root.fields[12].type->scale, 2);
    EXPECT_EQ(root.fields[13].type->logical, logical::date);
    EXPECT_EQ(root.fields[16].type->logical, logical::uuid);
    EXPECT_EQ(root.fields[17].type->branches[1], &root); // recursion by name

    auto inner = record{{value{}, false, int32_t{-5}, int64_t{1}, 0.5f, -2.25, bytes{""}, "", enum_symbol{"RED"},
                         array{}, map{}, bytes{std::string("\0\0\0\0", 4)}, bytes{std::string(1, '\0')}, int32_t{0},
                         int64_t{0}, int64_t{0}, "", value{}}};
    value v = record{{value{}, true, int32_t{INT32_MIN}, INT64_MIN, 1.5f, 1e300, bytes{std::string("\x00\xff", 2)},
                      "héllo", enum_symbol{"GREEN"}, array{{enum_symbol{"RED"}, enum_symbol{"GREEN"}}},
                      map{{{"x", value{}}, {"y", int64_t{7}}}}, bytes{"abcd"}, bytes{*decimal_to_bytes("-123.45", 2)},
                      int32_t{19782}, int64_t{47655123456}, int64_t{1709212455123456},
                      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", inner}};
    auto bytes_out = enc(s, v);
    auto back = decode(s, bytes_out);
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(*back, v);
    auto j = to_json(root, *back);
    EXPECT_EQ(j["dec"], "-123.45");
    EXPECT_EQ(j["by"], std::string("\0\xc3\xbf", 3)); // U+0000 U+00FF
    EXPECT_EQ(j["m"], (json{{"x", nullptr}, {"y", 7}}));
    EXPECT_EQ(j["opt"]["i"], -5);
    auto again = from_json(root, j);
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(enc(s, *again), bytes_out);
}

TEST(avro, union_branch_is_picked_or_given) {
    auto u = parse_ok(R"(["null","int","long","string"])");
    EXPECT_EQ(hex(enc(u, int64_t{1})), "0402");
    EXPECT_EQ(hex(enc(u, int32_t{1})), "0202");
    value v = int32_t{1};
    v.branch = 2; // an int given as the long branch
    EXPECT_EQ(hex(enc(u, v)), "0402");
    auto bad = encode(u, value(1.5));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.err().message.find("no branch of the union takes a double"), std::string::npos) << bad.err().message;
}

TEST(avro, encoding_errors_name_the_field) {
    auto s = parse_ok(R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"int"}}]})");
    auto e = encode(s, record{{array{{int32_t{1}, "x"}}}});
    ASSERT_FALSE(e);
    EXPECT_NE(e.err().message.find("R.a[1]: expected int, got string"), std::string::npos) << e.err().message;
    e = encode(s, record{{}});
    ASSERT_FALSE(e);
    EXPECT_NE(e.err().message.find("has 1 fields, the datum 0"), std::string::npos) << e.err().message;
    e = encode(parse_ok(R"("int")"), int64_t{1} << 40);
    ASSERT_FALSE(e);
    EXPECT_NE(e.err().message.find("does not fit an int"), std::string::npos);
    e = encode(parse_ok(R"({"type":"enum","name":"E","symbols":["A"]})"), enum_symbol{"B"});
    ASSERT_FALSE(e);
    EXPECT_NE(e.err().message.find("\"B\" is not a symbol of enum E"), std::string::npos);
    e = encode(parse_ok(R"({"type":"fixed","name":"F","size":2})"), bytes{"abc"});
    ASSERT_FALSE(e);
    EXPECT_NE(e.err().message.find("takes 2 bytes, got 3"), std::string::npos);
}

TEST(avro, bad_bytes_are_refused_with_the_place) {
    auto s = parse_ok(R"({"type":"record","name":"R","fields":[{"name":"s","type":"string"},{"name":"u","type":["null","long"]}]})");
    auto check = [&](const std::string& in, const std::string& want) {
        auto d = decode(s, in);
        ASSERT_FALSE(d) << hex(in);
        EXPECT_NE(d.err().message.find(want), std::string::npos) << d.err().message;
    };
    check("", "R.s: varint past the end at byte 0");
    check("\x06" "ab", "R.s: length 3 past the end (2 left)");
    check("\x01", "R.s: negative length -1");
    check(std::string("\x00\x04", 2), "R.u: union branch 2 of 2");
    check(std::string("\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 13), "varint longer than 10 bytes");
    check(std::string("\x00\x00\x00", 3), "1 bytes left after the datum");
    auto b = decode(parse_ok(R"("boolean")"), "\x02");
    ASSERT_FALSE(b);
    EXPECT_NE(b.err().message.find("neither 0 nor 1"), std::string::npos);
    // A huge count with few bytes must not allocate: refused before reading items.
    auto a = decode(parse_ok(R"({"type":"array","items":"long"})"), "\xfe\xff\xff\xff\x0f");
    ASSERT_FALSE(a);
    EXPECT_NE(a.err().message.find("past the end"), std::string::npos) << a.err().message;
    auto e = decode(parse_ok(R"({"type":"enum","name":"E","symbols":["A"]})"), "\x02");
    ASSERT_FALSE(e);
    EXPECT_NE(e.err().message.find("enum index 1 of 1 symbols"), std::string::npos);
}

TEST(avro, negative_block_counts_with_sizes_decode) {
    auto s = parse_ok(R"({"type":"array","items":"long"})");
    // -2 items (03) in a block of 2 bytes (04), then 3, 27, then the end.
    auto d = decode(s, std::string("\x03\x04\x06\x36\x00", 5));
    ASSERT_TRUE(d) << d.err().message;
    EXPECT_EQ(*d, value(array{{int64_t{3}, int64_t{27}}}));
}

TEST(avro, schema_refusals_say_what_and_where) {
    EXPECT_NE(parse_error("{").find("not JSON"), std::string::npos);
    EXPECT_NE(parse_error(R"("strin")").find("unknown type \"strin\""), std::string::npos);
    EXPECT_NE(parse_error(R"({"type":"record","name":"1x","fields":[]})").find("not a valid name"), std::string::npos);
    EXPECT_NE(parse_error(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]})")
                  .find("field \"a\" is defined twice"),
              std::string::npos);
    EXPECT_NE(parse_error(R"(["int",["null"]])").find("may not contain a union"), std::string::npos);
    EXPECT_NE(parse_error(R"(["int","int"])").find("holds int twice"), std::string::npos);
    EXPECT_NE(parse_error(R"({"type":"enum","name":"E","symbols":["A","A"]})").find("appears twice"), std::string::npos);
    EXPECT_NE(parse_error(R"({"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":1}]})")
                  .find("must match its first branch"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"R","fields":[]}}]})")
                  .find("\"R\" is defined twice"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"type":"fixed","name":"F"})").find("needs a \"size\""), std::string::npos);
    EXPECT_NE(parse_error(R"({"type":"array"})").find("needs \"items\""), std::string::npos);
    EXPECT_NE(parse_error("[]").find("empty union"), std::string::npos);
    // An invalid logical type is ignored (the spec), not an error.
    auto s = parse_ok(R"({"type":"bytes","logicalType":"decimal","precision":2,"scale":3})");
    EXPECT_EQ(s.root().logical, logical::none);
    EXPECT_EQ(parse_ok(R"({"type":"long","logicalType":"date"})").root().logical, logical::none);
    EXPECT_EQ(parse_ok(R"({"type":"fixed","name":"F","size":2,"logicalType":"decimal","precision":4})").root().logical,
              logical::decimal);
    EXPECT_EQ(parse_ok(R"({"type":"fixed","name":"F","size":2,"logicalType":"decimal","precision":5})").root().logical,
              logical::none);
}

TEST(avro, decimals_both_ways) {
    EXPECT_EQ(hex(*decimal_to_bytes("0", 2)), "00");
    EXPECT_EQ(hex(*decimal_to_bytes("1.28", 2)), "0080");
    EXPECT_EQ(hex(*decimal_to_bytes("-1.28", 2)), "80"); // minimal, as Java's BigInteger.toByteArray
    EXPECT_EQ(hex(*decimal_to_bytes("-1.29", 2)), "ff7f");
    EXPECT_EQ(hex(*decimal_to_bytes("12345.6", 2)), "12d680");
    EXPECT_EQ(hex(*decimal_to_bytes("1.500", 2)), "0096");
    EXPECT_EQ(hex(*decimal_to_bytes("1.500", 2)), hex(*decimal_to_bytes("1.5", 2)));
    EXPECT_FALSE(decimal_to_bytes("1.234", 2));
    EXPECT_FALSE(decimal_to_bytes("1e5", 0));
    EXPECT_FALSE(decimal_to_bytes("-", 0));
    for (std::string t : {"0.00", "1.28", "-1.28", "-1.29", "12345.60", "-99999999999999999999.99", "0.01", "-0.01"})
        EXPECT_EQ(decimal_from_bytes(*decimal_to_bytes(t, 2), 2), t);
    EXPECT_EQ(decimal_from_bytes(*decimal_to_bytes("42", 0), 0), "42");
}

TEST(avro, confluent_frame) {
    auto f = confluent_frame(0x01020304, "xyz");
    EXPECT_EQ(hex(f), "000102030478797a");
    auto p = parse_confluent_frame(f);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->schema_id, 0x01020304);
    EXPECT_EQ(p->body, "xyz");
    EXPECT_FALSE(parse_confluent_frame("\0\0"));
    auto bad = parse_confluent_frame(std::string("\x01\0\0\0\x01", 5));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.err().message.find("magic byte 1"), std::string::npos);
}

TEST(avro, json_form_refusals) {
    auto s = parse_ok(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"z"}]})");
    auto ok = from_json(s.root(), json{{"a", 1}});
    ASSERT_TRUE(ok) << ok.err().message;
    EXPECT_EQ(std::get<std::string>(std::get<record>(ok->v).fields[1].v), "z");
    auto bad = from_json(s.root(), json{{"b", "x"}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.err().message.find("no field \"a\" and no default"), std::string::npos);
    bad = from_json(s.root(), json{{"a", "1"}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.err().message.find("R.a: \"1\" is not a int"), std::string::npos) << bad.err().message;
    bad = from_json(parse_ok(R"("bytes")").root(), "\u20ac");
    ASSERT_FALSE(bad);
}
