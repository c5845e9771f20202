// The transactional producer against a real broker. Skipped unless BROOK_TEST_BOOTSTRAP names
// one: tests/integration/test_client_txn.py starts Brook, runs these, then reads the topics
// with confluent-kafka (read_committed) to check what they left behind.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "client/admin.h"
#include "client/consumer.h"
#include "client/producer.h"

using namespace brook::client;

namespace {
std::string bootstrap() {
    const char* b = std::getenv("BROOK_TEST_BOOTSTRAP");
    return b ? b : "";
}
std::string prefix() {
    const char* p = std::getenv("BROOK_TEST_PREFIX");
    return p ? p : "txn";
}

producer txn_producer(const std::string& id) {
    auto cfg = base_config(bootstrap());
    cfg.emplace_back("transactional.id", id);
    auto p = producer::create(cfg);
    EXPECT_TRUE(p) << p.err().message;
    return std::move(p).value();
}

void create(const std::string& topic) {
    auto a = admin::create(base_config(bootstrap()));
    ASSERT_TRUE(a);
    auto s = a->create_topic({topic, 1, 1, {}}, 10000);
    ASSERT_TRUE(s || s.err().code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) << s.err().message;
}

record rec(const std::string& topic, const std::string& v) {
    record r;
    r.topic = topic;
    r.partition = 0;
    r.key = v;
    r.value = v;
    return r;
}
} // namespace

class client_txn_broker : public ::testing::Test {
protected:
    void SetUp() override {
        if (bootstrap().empty()) GTEST_SKIP() << "BROOK_TEST_BOOTSTRAP not set";
    }
};

// Leaves c1, c2 committed and a1 aborted in <prefix>.commit_abort.
TEST_F(client_txn_broker, commit_and_abort) {
    const std::string topic = prefix() + ".commit_abort";
    create(topic);
    auto p = txn_producer(prefix() + "-ca");
    ASSERT_TRUE(p.init_transactions(10000));
    ASSERT_TRUE(p.begin_transaction());
    ASSERT_TRUE(p.send(rec(topic, "c1")));
    ASSERT_TRUE(p.send(rec(topic, "c2")));
    auto c = p.commit_transaction(10000);
    ASSERT_TRUE(c) << c.err().message;
    auto reports = p.poll(0);
    ASSERT_EQ(reports.size(), 2u);
    for (const auto& d : reports) EXPECT_FALSE(d.failed);

    ASSERT_TRUE(p.begin_transaction());
    ASSERT_TRUE(p.send(rec(topic, "a1")));
    // On the log before the abort (an unsent record would just be purged): a read_uncommitted
    // reader sees it, a read_committed one must not.
    for (const auto& d : p.flush(10000)) ASSERT_FALSE(d.failed);
    auto a = p.abort_transaction(10000);
    ASSERT_TRUE(a) << a.err().message;
}

// A second producer with the same transactional.id fences the first: its commit is fatal.
TEST_F(client_txn_broker, a_newer_instance_fences_the_older) {
    const std::string topic = prefix() + ".fenced";
    create(topic);
    auto old_p = txn_producer(prefix() + "-fence");
    ASSERT_TRUE(old_p.init_transactions(10000));
    ASSERT_TRUE(old_p.begin_transaction());
    ASSERT_TRUE(old_p.send(rec(topic, "zombie")));
    (void)old_p.flush(5000);

    auto new_p = txn_producer(prefix() + "-fence");
    ASSERT_TRUE(new_p.init_transactions(10000)); // aborts the zombie's open transaction
    ASSERT_TRUE(new_p.begin_transaction());
    ASSERT_TRUE(new_p.send(rec(topic, "live")));
    ASSERT_TRUE(new_p.commit_transaction(10000));

    auto s = old_p.commit_transaction(10000);
    ASSERT_FALSE(s);
    EXPECT_TRUE(s.err().fatal) << s.err().code_name() << ": " << s.err().message;
}

// Consume-transform-produce: reads <prefix>.ctp_in as group <prefix>-ctp, writes upper-cased
// copies to <prefix>.ctp_out, and commits the input offsets in the same transaction.
TEST_F(client_txn_broker, consume_transform_produce_commits_offsets_with_the_output) {
    const std::string in = prefix() + ".ctp_in", out = prefix() + ".ctp_out";
    create(in);
    create(out);
    {
        auto plain = producer::create(base_config(bootstrap()));
        ASSERT_TRUE(plain);
        for (const char* v : {"x", "y", "z"}) ASSERT_TRUE(plain->send(rec(in, v)));
        for (const auto& d : plain->flush(10000)) ASSERT_FALSE(d.failed);
    }
    auto cfg = base_config(bootstrap());
    cfg.insert(cfg.end(), {{"group.id", prefix() + "-ctp"}, {"enable.auto.commit", "false"},
                           {"isolation.level", "read_committed"}});
    auto c = consumer::create(cfg);
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->subscribe({in}));
    auto p = txn_producer(prefix() + "-ctp");
    ASSERT_TRUE(p.init_transactions(10000));
    ASSERT_TRUE(p.begin_transaction());
    int got = 0;
    for (int i = 0; i < 200 && got < 3; ++i) {
        auto ev = c->poll(100);
        ASSERT_TRUE(ev) << ev.err().message;
        if (auto* r = std::get_if<record>(&*ev)) {
            std::string v = *r->value;
            for (auto& ch : v) ch = static_cast<char>(std::toupper(ch));
            ASSERT_TRUE(p.send(rec(out, v)));
            ++got;
        }
    }
    ASSERT_EQ(got, 3);
    auto pos = c->positions();
    ASSERT_TRUE(pos) << pos.err().message;
    ASSERT_EQ(pos->size(), 1u);
    EXPECT_EQ((*pos)[0].offset, 3);
    auto md = c->txn_group_metadata();
    ASSERT_TRUE(md);
    auto s = p.send_offsets_to_transaction(*pos, *md, 10000);
    ASSERT_TRUE(s) << s.err().code_name() << ": " << s.err().message;
    auto cm = p.commit_transaction(10000);
    ASSERT_TRUE(cm) << cm.err().message;
    ASSERT_TRUE(c->close());
}
