"""`brook consume -o @time` against a real broker: epoch ms, RFC 3339 with and without a zone
offset, relative (@-1h) and past the end, resolved per partition by ListOffsets by time, over
records produced by confluent-kafka with explicit timestamps; and its usage errors."""
import time

from clients import ck_produce_all, ck_producer, create_topic

from test_cli import brook, json_lines, ok

BASE = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def consumed(b, topic, spec):
    rows = json_lines(ok(brook(b, "consume", topic, "-o", spec, "-e", "--format", "json")))
    return sorted((r["partition"], int(r["value"])) for r in rows)


def test_consume_from_a_time_per_partition(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "ct-time", partitions=2)
    # p0 every second, p1 every two seconds: the same time is a different offset in each.
    recs = [{"value": b"%d" % i, "partition": 0, "timestamp": BASE + 1000 * i} for i in range(10)]
    recs += [{"value": b"%d" % i, "partition": 1, "timestamp": BASE + 2000 * i} for i in range(10)]
    ck_produce_all(ck_producer(b.bootstrap), "ct-time", recs)
    want = [(0, i) for i in range(5, 10)] + [(1, i) for i in range(3, 10)]
    assert consumed(b, "ct-time", "@%d" % (BASE + 5000)) == want
    assert consumed(b, "ct-time", "@2023-11-14T22:13:25Z") == want
    assert consumed(b, "ct-time", "@2023-11-14T23:13:25+01:00") == want
    assert consumed(b, "ct-time", "@2023-11-14T22:13:25") == want  # no zone: UTC
    assert consumed(b, "ct-time", "@2023-11-14T22:13:24.500Z") == want
    assert consumed(b, "ct-time", "@%d" % (BASE + 17_000)) == [(1, 9)]
    assert consumed(b, "ct-time", "@%d" % (BASE + 100_000)) == []  # past the end: the end
    assert consumed(b, "ct-time", "@2023-11-14") == [(p, i) for p in (0, 1) for i in range(10)]


def test_consume_relative_time(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "ct-rel")
    now = int(time.time() * 1000)
    ck_produce_all(ck_producer(b.bootstrap), "ct-rel", [
        {"value": b"1", "timestamp": now - 3 * 3600_000},  # 3 h ago
        {"value": b"2", "timestamp": now - 45 * 60_000},   # 45 min ago
        {"value": b"3", "timestamp": now - 10 * 60_000},   # 10 min ago
    ])
    assert consumed(b, "ct-rel", "@-1h") == [(0, 2), (0, 3)]
    assert consumed(b, "ct-rel", "@-30m") == [(0, 3)]
    assert consumed(b, "ct-rel", "@-4h") == [(0, 1), (0, 2), (0, 3)]
    assert consumed(b, "ct-rel", "@-1m") == []


def test_consume_time_usage_errors(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "ct-bad")
    for spec in ["@", "@yesterday", "@2023-02-30", "@-1", "@2023-11-14T22:13:25+1"]:
        p = brook(b, "consume", "ct-bad", "-o", spec, "-e")
        assert p.returncode == 2 and "bad --offset" in p.stderr, (spec, p.stderr)
    p = brook(b, "consume", "ct-bad", "-o", "@-1h", "-g", "g1", "-e")
    assert p.returncode == 2 and "needs partitions assigned, not a group (so does @time)" in p.stderr, p.stderr
