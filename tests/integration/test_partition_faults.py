"""A partition that cannot be opened does not stop the broker (issue 16).

- At start-up: the broker serves the other partitions and reports the broken one offline:
  Metadata partition error KAFKA_STORAGE_ERROR (no leader), Produce/Fetch/ListOffsets
  KAFKA_STORAGE_ERROR, /v1/partitions/offline and /metrics list it, one log line names it
  and the cause.
- At creation: a topic whose partitions cannot all be created is rolled back (no metadata, no
  directories) and the client gets KAFKA_STORAGE_ERROR with a message; the same create then
  succeeds once the obstacle is gone.
- Bounds: create.topics.max.partitions (per request, INVALID_PARTITIONS) and
  max.broker.partitions (per broker, POLICY_VIOLATION), with messages that say which.
"""
import json
import time
import urllib.request

from confluent_kafka.admin import AdminClient, NewTopic

import rawkafka
from clients import ck_consume, ck_produce_all, ck_producer, create_topic

STORAGE_ERROR = 56
INVALID_PARTITIONS = 37
POLICY_VIOLATION = 44


def admin_get(b, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{b.admin_port}{path}", timeout=5) as r:
        return r.read().decode()


def produce_one(conn, topic, partition, value=b"x"):
    batch = rawkafka.build_batch([(b"k", value, [])])
    return rawkafka.produce_result(conn.request(rawkafka.produce_request(topic, partition, batch)))[0]


def fetch_error(conn, topic, partition):
    return rawkafka.fetch_result(conn.request(rawkafka.fetch_request(topic, partition, 0)))[0]


def create(bootstrap, topics):
    """{name: partitions} -> {name: (error code, message)} (0, None on success)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futs = admin.create_topics([NewTopic(n, p, 1) for n, p in topics.items()], operation_timeout=30)
    out = {}
    for n, f in futs.items():
        try:
            f.result(timeout=30)
            out[n] = (0, None)
        except Exception as e:  # KafkaException carrying a KafkaError
            err = e.args[0]
            out[n] = (err.code(), err.str())
    return out


def test_unopenable_partition_is_offline_and_the_rest_is_served(broker):
    create_topic(broker.bootstrap, "frail", partitions=4)
    recs = [dict(key=b"k", value=f"v{p}".encode(), partition=p) for p in range(4)]
    ck_produce_all(ck_producer(broker.bootstrap), "frail", recs)
    broker.stop()
    # Partition 2's log cannot be opened: its .log is a directory now.
    d = broker.topic_dir("frail", 2)
    log = d / "00000000000000000000.log"
    log.unlink()
    log.mkdir()
    broker.start()

    text = broker.log_text()
    lines = [l for l in text.splitlines() if "partition frail/2 is offline" in l]
    assert len(lines) == 1, text[-3000:]
    # Self-contained: the partition, its directory and the I/O error.
    assert str(d) in lines[0] and "Is a directory" in lines[0], lines[0]

    md = rawkafka.metadata_v12(rawkafka.RawConn(broker.bootstrap), ["frail"])
    parts = {p["partition"]: p for p in md["topics"][0]["partitions"]}
    assert md["topics"][0]["error"] == 0
    assert parts[2]["error"] == STORAGE_ERROR and parts[2]["leader"] == -1 and parts[2]["offline"] == [0]
    assert all(parts[p]["error"] == 0 and parts[p]["leader"] == 0 for p in (0, 1, 3))

    # librdkafka sees the same.
    md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(topic="frail", timeout=10)
    pm = md.topics["frail"].partitions
    assert pm[2].error is not None and pm[2].error.code() == STORAGE_ERROR and pm[2].leader == -1
    assert all(pm[p].error is None for p in (0, 1, 3))

    with rawkafka.RawConn(broker.bootstrap) as c:
        assert produce_one(c, "frail", 2) == STORAGE_ERROR
        assert fetch_error(c, "frail", 2) == STORAGE_ERROR
        assert produce_one(c, "frail", 1) == 0
        assert fetch_error(c, "frail", 1) == 0
    # A real client reads the healthy partitions.
    got = ck_consume(broker.bootstrap, "frail", {0: 0, 1: 0, 3: 0}, 4)  # partition 1 has 2 now
    assert {m.value() for m in got} >= {b"v0", b"v1", b"v3"}

    offline = json.loads(admin_get(broker, "/v1/partitions/offline"))
    assert [(o["topic"], o["partition"]) for o in offline] == [("frail", 2)]
    assert "KAFKA_STORAGE_ERROR" in offline[0]["cause"]
    topic = json.loads(admin_get(broker, "/v1/topics/frail"))
    assert [p["offline"] is not None for p in topic["partitions"]] == [False, False, True, False]
    metrics = admin_get(broker, "/metrics")
    assert "brook_partitions_offline 1" in metrics
    assert 'brook_partition_offline{topic="frail",partition="2"} 1' in metrics

    # Deleting the topic clears it; a new topic of the name is healthy.
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.delete_topics(["frail"], operation_timeout=10)["frail"].result(10)
    assert json.loads(admin_get(broker, "/v1/partitions/offline")) == []
    create_topic(broker.bootstrap, "frail", partitions=4)
    with rawkafka.RawConn(broker.bootstrap) as c:
        assert produce_one(c, "frail", 2) == 0


def test_failed_create_is_rolled_back(broker):
    # Partition 5's directory cannot be created: a file holds its name.
    topic_dir = broker.data_dir / "blocked"
    topic_dir.mkdir(parents=True)
    (topic_dir / "5").write_text("in the way")
    errs = create(broker.bootstrap, {"blocked": 8})
    code, msg = errs["blocked"]
    assert code == STORAGE_ERROR, errs
    assert "partition 5" in msg and "was not created" in msg, msg
    assert "creating topic blocked failed" in broker.log_text()
    # Nothing of it is left: no metadata, no partition directories, no offline entries.
    assert not (broker.data_dir / "_meta" / "topics" / "blocked.json").exists()
    # The opened partitions' directories were retired before the answer, removed just after.
    assert all(p.name == "5" or p.name.endswith("-delete") for p in topic_dir.iterdir())
    deadline = time.monotonic() + 10
    while sorted(p.name for p in topic_dir.iterdir()) != ["5"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in topic_dir.iterdir()) == ["5"]
    md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10)
    assert "blocked" not in md.topics
    assert json.loads(admin_get(broker, "/v1/partitions/offline")) == []
    # The broker keeps working, and the same create succeeds once the obstacle is gone.
    (topic_dir / "5").unlink()
    assert create(broker.bootstrap, {"blocked": 8}) == {"blocked": (0, None)}
    with rawkafka.RawConn(broker.bootstrap) as c:
        assert produce_one(c, "blocked", 5) == 0
    broker.restart()
    with rawkafka.RawConn(broker.bootstrap) as c:
        assert fetch_error(c, "blocked", 5) == 0


def test_partition_bounds(broker_factory):
    b = broker_factory(sets={"create.topics.max.partitions": "100", "max.broker.partitions": "150"})
    # Per request: 60 + 60 > 100, so neither is created.
    errs = create(b.bootstrap, {"ra": 60, "rb": 60})
    for n in ("ra", "rb"):
        assert errs[n][0] == INVALID_PARTITIONS, errs
        assert "120 partitions" in errs[n][1] and "create.topics.max.partitions is 100" in errs[n][1]
    assert create(b.bootstrap, {"ra": 60}) == {"ra": (0, None)}
    assert create(b.bootstrap, {"rb": 60}) == {"rb": (0, None)}
    # Per broker: 2 internal + 120 held; 40 more would be 162 > 150.
    code, msg = create(b.bootstrap, {"rc": 40})["rc"]
    assert code == POLICY_VIOLATION, msg
    assert "162 partitions" in msg and "max.broker.partitions is 150" in msg
    assert create(b.bootstrap, {"rc": 28}) == {"rc": (0, None)}  # exactly 150
    # Auto-create is bounded too.
    with rawkafka.RawConn(b.bootstrap) as c:
        assert produce_one(c, "auto-past-the-bound", 0) == POLICY_VIOLATION
