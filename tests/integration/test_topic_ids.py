"""Topic ids (issue 16): Metadata v10+ returns them, v12 answers by id, each partition
directory carries its topic's id, and a deleted topic's data never reaches a topic created
later under its name, even when a crash cuts the delete short.
"""
import json
import os
import shutil

from confluent_kafka.admin import AdminClient

import rawkafka
from clients import ck_consume, ck_produce_all, ck_producer, create_topic

UNKNOWN_TOPIC_ID = 100


def stored_id(b, topic):
    with open(b.data_dir / "_meta" / "topics" / f"{topic}.json") as f:
        return bytes.fromhex(json.load(f)["topic_id"])


def partition_meta(b, topic, p):
    with open(b.topic_dir(topic, p) / "partition.meta") as f:
        return json.load(f)


def test_metadata_by_topic_id(broker):
    create_topic(broker.bootstrap, "ided", partitions=3)
    with rawkafka.RawConn(broker.bootstrap) as c:
        by_name = rawkafka.metadata_v12(c, ["ided"])["topics"][0]
        assert by_name["error"] == 0 and by_name["id"] == stored_id(broker, "ided")
        tid = by_name["id"]
        assert tid != rawkafka.NO_TOPIC_ID
        # v12 by id: the request names nothing, the answer names the topic.
        by_id = rawkafka.metadata_v12(c, [tid])["topics"]
        assert [(t["error"], t["name"], t["id"], len(t["partitions"])) for t in by_id] == [(0, "ided", tid, 3)]
        unknown = rawkafka.metadata_v12(c, [bytes(range(16))])["topics"]
        assert [(t["error"], t["name"], t["id"]) for t in unknown] == [(UNKNOWN_TOPIC_ID, None, bytes(range(16)))]
        # An all-zero id is no topic's.
        zero = rawkafka.metadata_v12(c, [rawkafka.NO_TOPIC_ID])["topics"]
        assert zero[0]["error"] == UNKNOWN_TOPIC_ID
        # All topics: each with its id; ids of distinct topics differ.
        every = rawkafka.metadata_v12(c, None)["topics"]
        ids = {t["name"]: t["id"] for t in every}
        assert ids["ided"] == tid and len(set(ids.values())) == len(ids)


def test_partition_directories_carry_the_topic_id(broker):
    create_topic(broker.bootstrap, "marked", partitions=2)
    want = stored_id(broker, "marked").hex()
    for p in range(2):
        assert partition_meta(broker, "marked", p)["topic_id"] == want
    broker.restart()
    assert partition_meta(broker, "marked", 1)["topic_id"] == want


def test_directory_of_another_topic_is_refused(broker):
    create_topic(broker.bootstrap, "mine", partitions=2)
    create_topic(broker.bootstrap, "other", partitions=1)
    ck_produce_all(ck_producer(broker.bootstrap), "other", [dict(value=b"not mine", partition=0)])
    broker.stop()
    # mine/1 is replaced by other/0's directory (another topic id).
    shutil.rmtree(broker.topic_dir("mine", 1))
    shutil.copytree(broker.topic_dir("other", 0), broker.topic_dir("mine", 1))
    broker.start()
    lines = [l for l in broker.log_text().splitlines() if "partition mine/1 is offline" in l]
    assert len(lines) == 1 and "another topic id" in lines[0], broker.log_text()[-2000:]
    with rawkafka.RawConn(broker.bootstrap) as c:
        md = rawkafka.metadata_v12(c, ["mine"])["topics"][0]
        assert [p["error"] for p in md["partitions"]] == [0, 56]
        resp = c.request(rawkafka.fetch_request("mine", 1, 0))
        assert resp.topics[0][1][0][1] == 56
    # Left untouched: still other's data and id.
    assert partition_meta(broker, "mine", 1)["topic_id"] == stored_id(broker, "other").hex()


def test_recreated_topic_never_gets_the_old_data_after_a_cut_delete(broker):
    """A crash after the delete removed the metadata but before its directories went: the old
    directories stay behind. A topic created later under the name must start empty."""
    create_topic(broker.bootstrap, "phoenix", partitions=1)
    ck_produce_all(ck_producer(broker.bootstrap), "phoenix", [dict(value=b"old-%d" % i, partition=0) for i in range(5)])
    broker.kill9()
    os.unlink(broker.data_dir / "_meta" / "topics" / "phoenix.json")
    broker.start()
    create_topic(broker.bootstrap, "phoenix", partitions=1)
    ck_produce_all(ck_producer(broker.bootstrap), "phoenix", [dict(value=b"new", partition=0)])
    got = ck_consume(broker.bootstrap, "phoenix", {0: 0}, 1)
    assert [(m.offset(), m.value()) for m in got] == [(0, b"new")]
    assert partition_meta(broker, "phoenix", 0)["topic_id"] == stored_id(broker, "phoenix").hex()
    assert "offline" not in broker.log_text()
