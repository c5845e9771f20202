// fault_injector: a fault fires once per matching request and hits every partition it
// matches; count runs out and disarms it (armed() falls back to false, the hot path's only
// check); filters and probability 0 keep it quiet; totals outlive removal. parse_fault_spec
// refuses each bad field with a message naming it.
#include "broker/fault_injector.h"

#include <gtest/gtest.h>

namespace brook::broker {
namespace {

using nlohmann::json;
using target = fault_injector::target;

fault_spec spec(int16_t api, error_code e, std::optional<int64_t> count = std::nullopt) {
    fault_spec s;
    s.api_key = api;
    s.error = e;
    s.count = count;
    return s;
}

TEST(fault_injector, nothing_armed_costs_nothing_and_injects_nothing) {
    fault_injector fi;
    EXPECT_FALSE(fi.armed());
    const target t[] = {{"t", 0}};
    EXPECT_TRUE(fi.inject(0, "c", t).empty());
}

TEST(fault_injector, count_is_per_request_and_disarms) {
    fault_injector fi;
    auto f = fi.add(spec(0, error_code::not_leader_or_follower, 2));
    ASSERT_TRUE(fi.armed());
    const target two[] = {{"a", 0}, {"b", 1}};
    auto got = fi.inject(0, "c", two);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], error_code::not_leader_or_follower);
    EXPECT_EQ(got[1], error_code::not_leader_or_follower);
    EXPECT_TRUE(fi.inject(1, "c", two).empty()); // other API
    EXPECT_FALSE(fi.inject(0, "c", two).empty());
    EXPECT_FALSE(fi.armed());
    EXPECT_TRUE(fi.inject(0, "c", two).empty());
    auto listed = fi.list();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].fired, 2u);
    EXPECT_EQ(fault_json(listed[0])["remaining"], 0);
    EXPECT_TRUE(fi.remove(f.id));
    EXPECT_FALSE(fi.remove(f.id));
    EXPECT_EQ((fi.injected_totals()[{int16_t{0}, error_code::not_leader_or_follower}]), 2u);
}

TEST(fault_injector, filters_pick_partitions_and_clients) {
    fault_injector fi;
    auto s = spec(1, error_code::unknown_server_error);
    s.topic = "a";
    s.partition = 1;
    s.client_id = "me";
    fi.add(s);
    const target ts[] = {{"a", 0}, {"a", 1}, {"b", 1}};
    EXPECT_TRUE(fi.inject(1, "other", ts).empty());
    auto got = fi.inject(1, "me", ts);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], error_code::none);
    EXPECT_EQ(got[1], error_code::unknown_server_error);
    EXPECT_EQ(got[2], error_code::none);
    const target miss[] = {{"a", 0}};
    EXPECT_TRUE(fi.inject(1, "me", miss).empty());
    EXPECT_EQ(fi.list()[0].fired, 1u); // only the matching request counted
}

TEST(fault_injector, probability_zero_never_fires_and_clear_disarms) {
    fault_injector fi;
    auto s = spec(0, error_code::corrupt_message);
    s.probability = 0;
    fi.add(s);
    const target t[] = {{"t", 0}};
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(fi.inject(0, "", t).empty());
    EXPECT_TRUE(fi.armed());
    EXPECT_EQ(fi.clear(), 1u);
    EXPECT_FALSE(fi.armed());
}

TEST(parse_fault_spec, accepts_a_full_spec) {
    auto r = parse_fault_spec(json::parse(
        R"({"api":"Produce","error":"NOT_LEADER_OR_FOLLOWER","topic":"t","partition":2,"client_id":"c","count":3,"probability":0.25})"));
    ASSERT_TRUE(std::holds_alternative<fault_spec>(r)) << std::get<std::string>(r);
    const auto& s = std::get<fault_spec>(r);
    EXPECT_EQ(s.api_key, 0);
    EXPECT_EQ(s.error, error_code::not_leader_or_follower);
    EXPECT_EQ(s.topic, "t");
    EXPECT_EQ(s.partition, 2);
    EXPECT_EQ(s.client_id, "c");
    EXPECT_EQ(s.count, 3);
    EXPECT_EQ(s.probability, 0.25);
}

TEST(parse_fault_spec, names_what_is_wrong) {
    auto msg = [](const char* body) {
        auto r = parse_fault_spec(json::parse(body));
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("accepted");
    };
    EXPECT_NE(msg(R"("x")").find("JSON object"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Nope","error":"CORRUPT_MESSAGE"})").find("unknown api 'Nope'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Metadata","error":"CORRUPT_MESSAGE"})").find("errors cannot be injected into Metadata"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Fetch","error":"BAD"})").find("unknown error name 'BAD'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Fetch","error":"NONE"})").find("not an error"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Fetch","error":"CORRUPT_MESSAGE","count":0})").find("'count'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Fetch","error":"CORRUPT_MESSAGE","count":18446744073709551615})").find("'count'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Fetch","error":"CORRUPT_MESSAGE","probability":2})").find("'probability'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Fetch","error":"CORRUPT_MESSAGE","partition":2147483648})").find("'partition'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Fetch","error":"CORRUPT_MESSAGE","x":1})").find("unknown field 'x'"), std::string::npos);
}

TEST(parse_fault_spec, actions_and_their_parameters) {
    auto parse = [](const char* body) { return parse_fault_spec(json::parse(body)); };
    auto msg = [&](const char* body) {
        auto r = parse(body);
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("accepted");
    };
    auto d = parse(R"({"api":"Metadata","delay_ms":250})");
    ASSERT_TRUE(std::holds_alternative<fault_spec>(d)) << std::get<std::string>(d);
    EXPECT_EQ(std::get<fault_spec>(d).action, fault_action::delay);
    EXPECT_EQ(std::get<fault_spec>(d).delay_ms, 250);
    auto c = parse(R"({"api":"heartbeat","action":"close_connection"})");
    ASSERT_TRUE(std::holds_alternative<fault_spec>(c)) << std::get<std::string>(c);
    EXPECT_EQ(std::get<fault_spec>(c).action, fault_action::close_connection);
    EXPECT_EQ(fault_json({1, std::get<fault_spec>(c), 0})["error"], nullptr);
    auto e = parse(R"({"api":"OffsetCommit","action":"error","error":"NOT_COORDINATOR","topic":"t","partition":0})");
    ASSERT_TRUE(std::holds_alternative<fault_spec>(e)) << std::get<std::string>(e);
    EXPECT_EQ(std::get<fault_spec>(e).error, error_code::not_coordinator);

    EXPECT_NE(msg(R"({"api":"Produce","action":"explode"})").find("unknown action 'explode'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","action":7})").find("unknown action '7'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","delay_ms":-1})").find("'delay_ms' must be"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","delay_ms":300001})").find("'delay_ms' must be"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","delay_ms":1.5})").find("'delay_ms' must be"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","action":"delay"})").find("needs 'delay_ms'"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","action":"close_connection","error":"CORRUPT_MESSAGE"})").find("exclude each other"),
              std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","error":"CORRUPT_MESSAGE","delay_ms":5})").find("exclude each other"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"Produce","action":"error"})").find("'error' is required"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"DescribeGroups","error":"CORRUPT_MESSAGE"})").find("errors cannot be injected into DescribeGroups"), std::string::npos);
    EXPECT_NE(msg(R"({"api":"JoinGroup","delay_ms":5,"topic":"t"})").find("'topic' does not apply to JoinGroup"),
              std::string::npos);
    EXPECT_NE(msg(R"({"api":"CreateTopics","delay_ms":5,"partition":1})").find("'partition' does not apply"),
              std::string::npos);
}

TEST(fault_injector, decide_takes_whole_request_actions_and_leaves_per_partition_errors) {
    fault_injector fi;
    auto delay = spec(0, error_code::none);
    delay.action = fault_action::delay;
    delay.delay_ms = 40;
    delay.topic = "a";
    delay.count = 1;
    fi.add(delay);
    fi.add(spec(0, error_code::not_leader_or_follower, 1)); // Produce errors: inject()'s
    auto close = spec(12, error_code::none, 1);
    close.action = fault_action::close_connection;
    fi.add(close);
    fi.add(spec(10, error_code::coordinator_not_available, 1));

    const target b[] = {{"b", 0}};
    EXPECT_FALSE(fi.decide(0, "c", b)); // topic filter
    const target a[] = {{"b", 0}, {"a", 3}};
    auto d = fi.decide(0, "c", a);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->action, fault_action::delay);
    EXPECT_EQ(d->delay_ms, 40);
    EXPECT_FALSE(fi.decide(0, "c", a)); // used up; the error fault is not decide()'s
    EXPECT_FALSE(fi.inject(0, "c", a).empty());
    auto h = fi.decide(12, "c", {});
    ASSERT_TRUE(h);
    EXPECT_EQ(h->action, fault_action::close_connection);
    auto f = fi.decide(10, "c", {});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->action, fault_action::error);
    EXPECT_EQ(f->error, error_code::coordinator_not_available);
    EXPECT_FALSE(fi.armed());
    EXPECT_EQ((fi.disruption_totals()[{int16_t{0}, fault_action::delay}]), 1u);
    EXPECT_EQ((fi.disruption_totals()[{int16_t{12}, fault_action::close_connection}]), 1u);
    EXPECT_EQ((fi.injected_totals()[{int16_t{10}, error_code::coordinator_not_available}]), 1u);
}

TEST(error_from_name, round_trips_every_named_code) {
    EXPECT_EQ(error_from_name("UNKNOWN_SERVER_ERROR"), error_code::unknown_server_error);
    EXPECT_EQ(error_from_name("NEW_LEADER_ELECTED"), error_code::new_leader_elected);
    EXPECT_EQ(error_from_name("not_leader_or_follower"), std::nullopt); // exact names only
    EXPECT_EQ(error_from_name("UNKNOWN_ERROR_CODE"), std::nullopt);
}

} // namespace
} // namespace brook::broker
