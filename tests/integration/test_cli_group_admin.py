"""`brook group delete` and `brook group reset-offsets` against a real broker, checked with
confluent-kafka's committed(): every reset mode, dry run vs --execute, clamping, and the error
paths (unknown group, a group with members, bad specs)."""
import time

from confluent_kafka import Consumer, TopicPartition

from clients import ck_produce_all, ck_producer, create_topic

from test_cli import brook, json_lines, ok

BASE = 1_700_000_000_000


def group_with_offsets(b, group, topic, offsets):
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
    c.close()


def committed(b, group, topic, parts):
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group, "enable.auto.commit": False})
    got = c.committed([TopicPartition(topic, p) for p in parts], timeout=10)
    c.close()
    return {t.partition: t.offset for t in got}


def setup_topic(b, topic):
    create_topic(b.bootstrap, topic, partitions=2)
    ck_produce_all(ck_producer(b.bootstrap), topic,
                   [{"value": b"%d" % i, "partition": i % 2, "timestamp": BASE + 1000 * i} for i in range(20)])
    # p0 holds i = 0,2,..,18 at offsets 0..9 (ts BASE + 2000*off); p1 i = 1,3,..,19.


def reset(b, group, *args):
    return brook(b, "group", "reset-offsets", group, *args)


def test_reset_offsets_modes(module_broker):
    b = module_broker
    setup_topic(b, "ga-t")
    group_with_offsets(b, "ga-g", "ga-t", {0: 5, 1: 5})
    # Dry run: prints, commits nothing.
    rows = json_lines(ok(reset(b, "ga-g", "--topic", "ga-t", "--to-earliest", "--format", "json")))
    assert rows == [{"topic": "ga-t", "partition": 0, "current": 5, "new": 0},
                    {"topic": "ga-t", "partition": 1, "current": 5, "new": 0}]
    p = reset(b, "ga-g", "--topic", "ga-t", "--to-earliest")
    assert "dry run" in p.stderr and p.stdout.splitlines()[0].split() == ["TOPIC", "PARTITION", "CURRENT", "NEW"]
    assert committed(b, "ga-g", "ga-t", [0, 1]) == {0: 5, 1: 5}

    cases = [(["--to-earliest"], {0: 0, 1: 0}),
             (["--to-latest"], {0: 10, 1: 10}),
             (["--to-offset", "3"], {0: 3, 1: 3}),
             (["--shift-by", "4"], {0: 7, 1: 7}),
             (["--shift-by=-2"], {0: 5, 1: 5}),
             (["--shift-by", "+100"], {0: 10, 1: 10}),    # clamped to the end
             (["--shift-by=-100"], {0: 0, 1: 0}),         # clamped to the log start
             (["--to-offset", "99"], {0: 10, 1: 10}),     # clamped
             # p0 offset k has ts BASE+2000k, p1 BASE+2000k+1000: the first at or after BASE+7000
             (["--to-datetime", "2023-11-14T22:13:27Z"], {0: 4, 1: 3}),
             (["--to-datetime", str(BASE + 7000)], {0: 4, 1: 3}),
             (["--to-datetime", "2030-01-01T00:00:00Z"], {0: 10, 1: 10})]
    for args, want in cases:
        ok(reset(b, "ga-g", "--topic", "ga-t", *args, "--execute"))
        assert committed(b, "ga-g", "ga-t", [0, 1]) == want, args
    ok(reset(b, "ga-g", "--topic", "ga-t:1", "--to-offset", "2", "--execute"))
    assert committed(b, "ga-g", "ga-t", [0, 1]) == {0: 10, 1: 2}


def test_reset_offsets_errors(module_broker):
    b = module_broker
    setup_topic(b, "ga-e")
    p = reset(b, "ga-nope", "--topic", "ga-e", "--to-earliest")
    assert p.returncode == 1 and "GROUP_ID_NOT_FOUND" in p.stderr, p.stderr
    group_with_offsets(b, "ga-e-g", "ga-e", {0: 1})
    for args, msg in [(["--topic", "ga-e"], "exactly one of"),
                      (["--topic", "ga-e", "--to-earliest", "--to-latest"], "exactly one of"),
                      (["--topic", "ga-e:x", "--to-earliest"], "bad --topic"),
                      (["--topic", "ga-e:5", "--to-earliest"], "no partition 5"),
                      (["--topic", "ga-e", "--shift-by", "abc"], "bad --shift-by"),
                      (["--topic", "ga-e", "--to-datetime", "yesterday"], "bad --to-datetime")]:
        p = reset(b, "ga-e-g", *args)
        assert p.returncode == 2 and msg in p.stderr, (args, p.stderr)
    p = reset(b, "ga-e-g", "--topic", "ga-missing", "--to-earliest")
    assert p.returncode == 1 and "UNKNOWN_TOPIC" in p.stderr, p.stderr

    # An active member: dry run allowed, --execute refused; delete refused with NON_EMPTY_GROUP.
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "ga-e-g", "enable.auto.commit": False})
    c.subscribe(["ga-e"])
    deadline = time.monotonic() + 20
    while not c.assignment() and time.monotonic() < deadline:
        c.poll(0.2)
    assert c.assignment()
    ok(reset(b, "ga-e-g", "--topic", "ga-e", "--to-earliest"))
    p = reset(b, "ga-e-g", "--topic", "ga-e", "--to-earliest", "--execute")
    assert p.returncode == 1 and "stop its consumers first" in p.stderr, p.stderr
    p = brook(b, "group", "delete", "ga-e-g")
    assert p.returncode == 1 and "NON_EMPTY_GROUP" in p.stderr and "stop its consumers" in p.stderr, p.stderr
    c.close()
    assert committed(b, "ga-e-g", "ga-e", [0]) == {0: 1}


def test_group_delete(module_broker):
    b = module_broker
    setup_topic(b, "ga-d")
    group_with_offsets(b, "ga-d1", "ga-d", {0: 3})
    group_with_offsets(b, "ga-d2", "ga-d", {1: 4})
    rows = json_lines(ok(brook(b, "group", "delete", "ga-d1", "ga-d2", "--format", "json")))
    assert rows == [{"group": "ga-d1", "result": "deleted"}, {"group": "ga-d2", "result": "deleted"}]
    assert committed(b, "ga-d1", "ga-d", [0]) == {0: -1001}
    listed = {r["group"] for r in json_lines(ok(brook(b, "group", "list", "--format", "json")))}
    assert not listed & {"ga-d1", "ga-d2"}
    p = brook(b, "group", "delete", "ga-d-nope")
    assert p.returncode == 1 and "GROUP_ID_NOT_FOUND" in p.stderr, p.stderr
