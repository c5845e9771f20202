// pgoutput decoding on bytes captured from a real Postgres 15 (pg_logical_slot_peek_binary_changes
// with proto_version 1): a table t(id int primary key, v text, n numeric(10,2)) and an enum table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connect/postgres/pgoutput.h"

using namespace brook::connect::pg;

namespace {
std::vector<uint8_t> hex(const std::string& h) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}
template <class T>
T decoded(const std::string& h) {
    auto m = decode(hex(h));
    EXPECT_TRUE(m) << m.err().message;
    EXPECT_TRUE(std::holds_alternative<T>(*m));
    return std::get<T>(*m);
}
} // namespace

TEST(pgoutput, begin_and_commit) {
    auto b = decoded<begin_msg>("420000000001516cf0000304941e643666000002d6");
    EXPECT_EQ(format_lsn(b.final_lsn), "0/1516CF0");
    EXPECT_EQ(b.xid, 726u);
    EXPECT_EQ(b.commit_ts, 0x000304941e643666LL);
    auto c = decoded<commit_msg>("43000000000001516cf00000000001516d20000304941e643666");
    EXPECT_EQ(c.flags, 0);
    EXPECT_EQ(c.commit_lsn, b.final_lsn);
    EXPECT_EQ(format_lsn(c.end_lsn), "0/1516D20");
    EXPECT_EQ(c.commit_ts, b.commit_ts);
}

TEST(pgoutput, relation_with_key_flags_and_typmods) {
    auto r = decoded<relation_msg>(
        "52000040007075626c69630074006400030169640000000017ffffffff00760000000019ffffffff006e00000006a4000a0006");
    EXPECT_EQ(r.oid, 0x4000u);
    EXPECT_EQ(r.nspname, "public");
    EXPECT_EQ(r.relname, "t");
    EXPECT_EQ(r.replica_identity, 'd');
    ASSERT_EQ(r.columns.size(), 3u);
    EXPECT_TRUE(r.columns[0].key);
    EXPECT_EQ(r.columns[0].name, "id");
    EXPECT_EQ(r.columns[0].type_oid, 23u); // int4
    EXPECT_EQ(r.columns[0].typmod, -1);
    EXPECT_FALSE(r.columns[1].key);
    EXPECT_EQ(r.columns[1].type_oid, 25u); // text
    EXPECT_EQ(r.columns[2].type_oid, 1700u); // numeric
    EXPECT_EQ(r.columns[2].typmod, (10 << 16 | 2) + 4); // numeric(10,2)
}

TEST(pgoutput, insert_with_null) {
    auto i = decoded<insert_msg>("49000040004e00037400000001326e74000000052d332e3030");
    EXPECT_EQ(i.rel, 0x4000u);
    ASSERT_EQ(i.new_tuple.size(), 3u);
    EXPECT_EQ(i.new_tuple[0].data, "2");
    EXPECT_EQ(i.new_tuple[1].kind, tuple_value::null);
    EXPECT_EQ(i.new_tuple[2].data, "-3.00");
}

TEST(pgoutput, update_without_and_with_old_key) {
    auto u = decoded<update_msg>("55000040004e00037400000001317400000001627400000004312e3530");
    EXPECT_EQ(u.old_kind, 0);
    EXPECT_EQ(u.new_tuple[1].data, "b");
    // UPDATE t SET id = 3 WHERE id = 2: the old key comes first ('K', non-key columns null).
    auto k = decoded<update_msg>("55000040004b00037400000001326e6e4e00037400000001336e74000000052d332e3030");
    EXPECT_EQ(k.old_kind, 'K');
    EXPECT_EQ(k.old_tuple[0].data, "2");
    EXPECT_EQ(k.old_tuple[1].kind, tuple_value::null);
    EXPECT_EQ(k.new_tuple[0].data, "3");
}

TEST(pgoutput, update_with_full_old_row_and_enum_type) {
    auto y = decoded<type_msg>("59000040017075626c6963006d6f6f6400");
    EXPECT_EQ(y.oid, 0x4001u);
    EXPECT_EQ(y.name, "mood");
    auto r = decoded<relation_msg>("52000040057075626c69630065006600020169640000000017ffffffff016d0000004001ffffffff");
    EXPECT_EQ(r.replica_identity, 'f');
    EXPECT_TRUE(r.columns[1].key); // with REPLICA IDENTITY FULL every column is "key"
    EXPECT_EQ(r.columns[1].type_oid, y.oid);
    auto u = decoded<update_msg>("55000040054f0002740000000131740000000568617070794e00027400000001317400000003736164");
    EXPECT_EQ(u.old_kind, 'O');
    EXPECT_EQ(u.old_tuple[1].data, "happy");
    EXPECT_EQ(u.new_tuple[1].data, "sad");
}

TEST(pgoutput, delete_and_truncate) {
    auto d = decoded<delete_msg>("44000040004b00037400000001316e6e");
    EXPECT_EQ(d.old_kind, 'K');
    EXPECT_EQ(d.old_tuple[0].data, "1");
    auto t = decoded<truncate_msg>("54000000010000004000");
    EXPECT_EQ(t.options, 0);
    ASSERT_EQ(t.rels.size(), 1u);
    EXPECT_EQ(t.rels[0], 0x4000u);
}

TEST(pgoutput, origin) {
    // Not produced by the captures (needs a replication origin): built by hand per the docs.
    auto o = decoded<origin_msg>("4f" "0000000001516cf0" "6e6f646531" "00");
    EXPECT_EQ(format_lsn(o.commit_lsn), "0/1516CF0");
    EXPECT_EQ(o.name, "node1");
}

TEST(pgoutput, unchanged_toast_value) {
    auto i = decoded<update_msg>("55000040004e0002740000000131" "75");
    EXPECT_EQ(i.new_tuple[1].kind, tuple_value::unchanged);
}

TEST(pgoutput, malformed_input_is_an_error_not_a_crash) {
    EXPECT_FALSE(decode(hex("")));
    EXPECT_FALSE(decode(hex("5a00"))); // unknown tag
    auto trunc = decode(hex("420000000001516cf0"));
    ASSERT_FALSE(trunc);
    EXPECT_NE(trunc.err().message.find("truncated"), std::string::npos);
    EXPECT_FALSE(decode(hex("49000040004e000374000000ff32"))); // length past the end
    EXPECT_FALSE(decode(hex("49000040004e0001780000")));       // unknown value kind 'x'
    EXPECT_FALSE(decode(hex("52000040007075626c6963")));       // unterminated name
    auto extra = decode(hex("420000000001516cf0000304941e643666000002d6ff"));
    ASSERT_FALSE(extra);
    EXPECT_NE(extra.err().message.find("trailing"), std::string::npos);
}

TEST(pgoutput, lsn_text) {
    lsn l = 0;
    ASSERT_TRUE(parse_lsn("16/B374D848", l));
    EXPECT_EQ(l, (0x16ULL << 32) | 0xB374D848ULL);
    EXPECT_EQ(format_lsn(l), "16/B374D848");
    EXPECT_FALSE(parse_lsn("nope", l));
    EXPECT_FALSE(parse_lsn("1/2x", l));
}
