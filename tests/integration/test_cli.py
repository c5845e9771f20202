"""The `brook` client commands (src/cli over src/client) against a real broker, each checked with
an independent client (confluent-kafka or kcat), plus their error paths and exit codes:
0 done, 1 a Kafka/broker error (the message says which), 2 bad usage."""
import json
import signal
import subprocess
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from brookfixture import BROOK_BIN, free_port
from clients import ck_produce_all, ck_producer, create_topic, wait_topic


def brook(broker, *args, input_text=None, timeout=60, env=None):
    argv = [BROOK_BIN, *args]
    if broker is not None:
        argv += ["-b", broker.bootstrap]
    return subprocess.run(argv, input=input_text, capture_output=True, text=True, timeout=timeout, env=env)


def ok(p):
    assert p.returncode == 0, f"rc={p.returncode}\nstdout:\n{p.stdout[-2000:]}\nstderr:\n{p.stderr[-2000:]}"
    return p.stdout


def kcat(args, input_bytes=None, timeout=60):
    p = subprocess.run(["kcat"] + args, input=input_bytes, capture_output=True, timeout=timeout)
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    return p.stdout.decode()


def json_lines(text):
    return [json.loads(ln) for ln in text.splitlines() if ln.strip()]


# --- topic -------------------------------------------------------------------------------------

def test_topic_create_seen_by_admin_client(module_broker):
    b = module_broker
    ok(brook(b, "topic", "create", "cli-created", "-p", "3", "-c", "retention.ms=3600000"))
    md = wait_topic(b.bootstrap, "cli-created", 3)
    assert len(md.topics["cli-created"].partitions) == 3


def test_topic_list_and_json(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-listed", partitions=2)
    out = ok(brook(b, "topic", "list"))
    assert any(ln.split()[:2] == ["cli-listed", "2"] for ln in out.splitlines()), out
    assert out.splitlines()[0].split() == ["TOPIC", "PARTITIONS", "REPLICAS"]
    rows = json_lines(ok(brook(b, "topic", "list", "--format", "json")))
    assert {"topic": "cli-listed", "partitions": 2, "replicas": 1} in rows
    assert all(not r["topic"].startswith("__") for r in rows)


def test_topic_describe_watermarks(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-desc", partitions=2)
    p = ck_producer(b.bootstrap)
    ck_produce_all(p, "cli-desc", [{"value": b"x", "partition": 1}] * 5)
    rows = json_lines(ok(brook(b, "topic", "describe", "cli-desc", "--format", "json")))
    assert [(r["partition"], r["leader"], r["log_start"], r["high_watermark"]) for r in rows] == \
        [(0, 0, 0, 0), (1, 0, 0, 5)]
    text = ok(brook(b, "topic", "describe", "cli-desc"))
    assert "HIGH-WATERMARK" in text.splitlines()[0]


def test_topic_delete(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-del1")
    create_topic(b.bootstrap, "cli-del2")
    ok(brook(b, "topic", "delete", "cli-del1", "cli-del2"))
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        names = set(admin.list_topics(timeout=5).topics)
        if not names & {"cli-del1", "cli-del2"}:
            break
        time.sleep(0.1)
    assert not names & {"cli-del1", "cli-del2"}


def test_topic_errors(module_broker):
    b = module_broker
    p = brook(b, "topic", "describe", "cli-no-such-topic")
    assert p.returncode == 1 and "cli-no-such-topic" in p.stderr and "does not exist" in p.stderr, p.stderr
    p = brook(b, "topic", "delete", "cli-no-such-topic")
    assert p.returncode == 1 and "UNKNOWN_TOPIC_OR_PART" in p.stderr, p.stderr
    # A -c without '=' is bad usage; a value the broker refuses is a broker error naming it.
    p = brook(b, "topic", "create", "cli-badc", "-c", "retention.ms")
    assert p.returncode == 2 and "bad -c value 'retention.ms'" in p.stderr, p.stderr
    p = brook(b, "topic", "create", "cli-badc", "-c", "retention.ms=soon")
    assert p.returncode == 1 and "INVALID_CONFIG" in p.stderr, p.stderr
    create_topic(b.bootstrap, "cli-twice")
    p = brook(b, "topic", "create", "cli-twice")
    assert p.returncode == 1 and "TOPIC_ALREADY_EXISTS" in p.stderr, p.stderr


# --- produce / consume -------------------------------------------------------------------------

def test_produce_read_back_with_kcat(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-prod", partitions=3)
    lines = [f"k{i % 7}:v{i}" for i in range(300)]
    p = brook(b, "produce", "cli-prod", "--key-separator", ":", "-H", "src=cli", "-H", "n=1",
              "--compression", "zstd", input_text="\n".join(lines) + "\n")
    ok(p)
    assert "produced 300 record(s) to cli-prod" in p.stderr
    out = kcat(["-b", b.bootstrap, "-t", "cli-prod", "-C", "-e", "-q", "-f", "%k|%s|%h\n"])
    got = [ln.split("|") for ln in out.splitlines()]
    assert sorted(f"{k}:{v}" for k, v, _ in got) == sorted(lines)
    assert {h for _, _, h in got} == {"src=cli,n=1"}


def test_produce_to_one_partition_json_report(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-prod-p", partitions=2)
    out = ok(brook(b, "produce", "cli-prod-p", "--partition", "1", "--format", "json", input_text="a\nb\n"))
    assert json_lines(out) == [{"topic": "cli-prod-p", "produced": 2, "failed": 0}]
    out = kcat(["-b", b.bootstrap, "-t", "cli-prod-p", "-C", "-e", "-q", "-f", "%p %s\n"])
    assert out.splitlines() == ["1 a", "1 b"]


def test_produce_errors(module_broker):
    b = module_broker
    p = brook(b, "produce", "cli-no-such-topic", input_text="x\n")
    assert p.returncode == 1 and "does not exist" in p.stderr, p.stderr
    create_topic(b.bootstrap, "cli-prod-err")
    p = brook(b, "produce", "cli-prod-err", "--partition", "5", input_text="x\n")
    assert p.returncode == 2 and "has 1 partition" in p.stderr, p.stderr
    # A record the broker refuses (above max.message.bytes) is a delivery error: exit 1.
    p = brook(b, "produce", "cli-prod-err", "-X", "message.max.bytes=20000000", input_text="y" * 2_000_000 + "\n")
    assert p.returncode == 1 and "MSG_SIZE_TOO_LARGE" in p.stderr, p.stderr


def kcat_produce(b, topic, lines, extra=()):
    kcat(["-b", b.bootstrap, "-t", topic, "-P", "-K:", *extra], input_bytes=("\n".join(lines) + "\n").encode())


def test_consume_what_kcat_produced(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-cons", partitions=2)
    kcat_produce(b, "cli-cons", [f"k{i}:v{i}" for i in range(50)], ["-H", "h=1"])
    out = ok(brook(b, "consume", "cli-cons", "--exit-at-end", "-f", "%k=%v@%p/%o %h\\n"))
    got = out.splitlines()
    assert len(got) == 50
    assert sorted(ln.split("@")[0] for ln in got) == sorted(f"k{i}=v{i}" for i in range(50))
    assert all(ln.endswith(" h=1") for ln in got)

    recs = json_lines(ok(brook(b, "consume", "cli-cons", "--exit-at-end", "--format", "json")))
    assert len(recs) == 50
    r = recs[0]
    assert list(r) == ["topic", "partition", "offset", "timestamp", "key", "value", "headers"]
    assert r["topic"] == "cli-cons" and r["timestamp"] > 0 and r["headers"] == [{"key": "h", "value": "1"}]
    by_part = {}
    for r in recs:
        by_part.setdefault(r["partition"], []).append(r["offset"])
    assert all(offs == list(range(len(offs))) for offs in by_part.values())


def test_consume_offsets_and_count(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-offs")
    kcat_produce(b, "cli-offs", [f"k:v{i}" for i in range(10)])
    assert ok(brook(b, "consume", "cli-offs", "-o", "7", "--exit-at-end")).split() == ["v7", "v8", "v9"]
    assert ok(brook(b, "consume", "cli-offs", "-n", "3")).split() == ["v0", "v1", "v2"]
    assert ok(brook(b, "consume", "cli-offs", "-o", "end", "--exit-at-end")) == ""
    # An empty topic with --exit-at-end ends at once rather than waiting.
    create_topic(b.bootstrap, "cli-empty")
    assert ok(brook(b, "consume", "cli-empty", "--exit-at-end", timeout=15)) == ""


def test_consume_with_group_commits(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-gcons", partitions=2)
    kcat_produce(b, "cli-gcons", [f"k{i}:v{i}" for i in range(20)])
    out = ok(brook(b, "consume", "cli-gcons", "-g", "cli-g1", "--exit-at-end"))
    assert sorted(out.split()) == sorted(f"v{i}" for i in range(20))
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "cli-g1"})
    committed = c.committed([TopicPartition("cli-gcons", 0), TopicPartition("cli-gcons", 1)], timeout=10)
    c.close()
    assert sum(tp.offset for tp in committed) == 20, committed
    # The next run of the same group has nothing left.
    assert ok(brook(b, "consume", "cli-gcons", "-g", "cli-g1", "--exit-at-end")) == ""


def test_consume_errors(module_broker):
    b = module_broker
    p = brook(b, "consume", "cli-no-such-topic", "--exit-at-end")
    assert p.returncode == 1 and "'cli-no-such-topic' does not exist" in p.stderr, p.stderr
    create_topic(b.bootstrap, "cli-cons-err")
    p = brook(b, "consume", "cli-cons-err", "-o", "yesterday")
    assert p.returncode == 2 and "bad --offset 'yesterday'" in p.stderr, p.stderr
    p = brook(b, "consume", "cli-cons-err", "-o", "3", "-g", "g")
    assert p.returncode == 2 and "--offset N needs partitions assigned" in p.stderr, p.stderr


def test_consume_until_interrupted(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-follow")
    kcat_produce(b, "cli-follow", ["k:first"])
    p = subprocess.Popen([BROOK_BIN, "consume", "cli-follow", "-b", b.bootstrap], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "first\n"
        kcat_produce(b, "cli-follow", ["k:second"])  # follows the topic past the start-time end
        assert p.stdout.readline() == "second\n"
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=10) == 0
    finally:
        if p.poll() is None:
            p.kill()


# --- group -------------------------------------------------------------------------------------

def test_group_list_and_describe_lag(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-lag", partitions=2)
    prod = ck_producer(b.bootstrap)
    ck_produce_all(prod, "cli-lag", [{"value": b"x", "partition": i % 2} for i in range(30)])  # 15 each
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "cli-lagging", "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition("cli-lag", 0, 10), TopicPartition("cli-lag", 1, 4)], asynchronous=False)
    c.close()

    rows = json_lines(ok(brook(b, "group", "list", "--format", "json")))
    assert any(r["group"] == "cli-lagging" for r in rows), rows
    assert "cli-lagging" in ok(brook(b, "group", "list"))

    d = json_lines(ok(brook(b, "group", "describe", "cli-lagging", "--format", "json")))[0]
    assert d["group"] == "cli-lagging" and d["state"] == "Empty" and d["members"] == []
    parts = [(p["topic"], p["partition"], p["committed"], p["log_end"], p["lag"]) for p in d["partitions"]]
    assert parts == [("cli-lag", 0, 10, 15, 5), ("cli-lag", 1, 4, 15, 11)]
    assert d["total_lag"] == 16
    text = ok(brook(b, "group", "describe", "cli-lagging"))
    assert "TOTAL-LAG    16" in text and "LOG-END" in text


def test_group_describe_live_member(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-live")
    ck_produce_all(ck_producer(b.bootstrap), "cli-live", [{"value": b"x"}] * 3)
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "cli-live-g", "client.id": "cli-test-client",
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    c.subscribe(["cli-live"])
    try:
        deadline = time.monotonic() + 20
        while not c.assignment() and time.monotonic() < deadline:
            c.poll(0.2)
        assert c.assignment()
        d = json_lines(ok(brook(b, "group", "describe", "cli-live-g", "--format", "json")))[0]
        assert d["state"] == "Stable"
        assert [m["client_id"] for m in d["members"]] == ["cli-test-client"]
        assert d["members"][0]["assignment"] == [{"topic": "cli-live", "partition": 0}]
        # Held but never committed: a row with no committed offset, lag = what is in the log.
        [row] = d["partitions"]
        assert (row["partition"], row["committed"], row["log_end"], row["lag"]) == (0, None, 3, 3)
        assert row["member"] == d["members"][0]["member_id"]
    finally:
        c.close()


def test_group_describe_unknown(module_broker):
    p = brook(module_broker, "group", "describe", "cli-no-such-group")
    assert p.returncode == 1 and "cli-no-such-group" in p.stderr, p.stderr


# --- cluster -----------------------------------------------------------------------------------

def test_cluster_info(module_broker):
    b = module_broker
    d = json_lines(ok(brook(b, "cluster", "info", "--format", "json")))[0]
    host, port = b.bootstrap.rsplit(":", 1)
    assert d["brokers"] == [{"id": 0, "host": host, "port": int(port)}]
    assert d["controller"] == 0
    md = AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(timeout=5)
    assert d["cluster_id"] == md.cluster_id
    assert "CONTROLLER  0" in ok(brook(b, "cluster", "info"))


def test_brokers_from_env(module_broker):
    import os
    env = dict(os.environ, BROOK_BROKERS=module_broker.bootstrap)
    ok(brook(None, "cluster", "info", env=env))


# --- errors shared by every command ------------------------------------------------------------

@pytest.mark.parametrize("args", [["topic", "list"], ["topic", "describe", "t"], ["cluster", "info"],
                                  ["group", "list"], ["consume", "t", "--exit-at-end"], ["produce", "t"]])
def test_unreachable_broker_fails_fast(args):
    addr = f"127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    p = subprocess.run([BROOK_BIN, *args, "-b", addr], input="x\n", capture_output=True, text=True, timeout=30)
    assert time.monotonic() - t0 < 10
    assert p.returncode == 1
    assert f"cannot reach the broker at {addr} (check --brokers)" in p.stderr, p.stderr


@pytest.mark.parametrize("args", [["topic"], ["topic", "create"], ["consume"], ["topic", "list", "--bogus"],
                                  ["topic", "create", "x", "-p", "0"], ["consume", "t", "--format", "xml"]])
def test_bad_usage_exits_2(args):
    p = subprocess.run([BROOK_BIN, *args], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2, (p.returncode, p.stderr)


def test_help_lists_only_working_commands():
    p = subprocess.run([BROOK_BIN, "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0
    subs = {ln.split()[0] for ln in p.stdout.split("Subcommands:")[1].splitlines() if ln.strip()}
    assert subs == {"serve", "topic", "produce", "consume", "group", "replay", "cluster", "quota", "cdc", "sql", "schema"}
