"""__consumer_offsets stays bounded: once it grows past the threshold the coordinator rewrites
its live state and the history before it is deleted; committed offsets survive a restart."""
import time

from confluent_kafka import Consumer, TopicPartition

from clients import create_topic

TOPIC = "compacted-commits"


def committed(bootstrap, group, partitions=2):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        got = c.committed([TopicPartition(TOPIC, p) for p in range(partitions)], timeout=10)
        return [tp.offset for tp in got]
    finally:
        c.close()


def earliest_offset(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe", "enable.auto.commit": False})
    try:
        low, high = c.get_watermark_offsets(TopicPartition("__consumer_offsets", 0), timeout=10)
        return low, high
    finally:
        c.close()


def test_history_is_dropped_and_offsets_survive(broker_factory):
    b = broker_factory(sets={"offsets.compaction.min.bytes": "4096"})
    create_topic(b.bootstrap, TOPIC, partitions=2)
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "committer", "enable.auto.commit": False})
    try:
        # Offsets-only commits (no subscription): each is one record in __consumer_offsets.
        for i in range(1, 401):
            c.commit(offsets=[TopicPartition(TOPIC, 0, i), TopicPartition(TOPIC, 1, 2 * i)], asynchronous=False)
    finally:
        c.close()
    other = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "bystander", "enable.auto.commit": False})
    other.commit(offsets=[TopicPartition(TOPIC, 0, 7)], asynchronous=False)
    other.close()

    # Compaction runs on the coordinator's 100 ms tick once the log passes the threshold
    # (4 KiB, ~40 commit records), so soon after the commits stop the log holds the live state
    # plus less than a threshold's worth of later records.
    deadline = time.time() + 10
    low, high = earliest_offset(b.bootstrap)
    while time.time() < deadline and (low == 0 or high - low >= 100):
        time.sleep(0.2)
        low, high = earliest_offset(b.bootstrap)
    assert low > 0, "the history before the snapshot must have been deleted"
    assert high - low < 100, f"only the live state and what followed it remain: {low}..{high} of 401 commits"
    assert "__consumer_offsets compacted" in b.log_text()

    assert committed(b.bootstrap, "committer") == [400, 800]
    b.restart()
    assert committed(b.bootstrap, "committer") == [400, 800]
    assert committed(b.bootstrap, "bystander", partitions=1) == [7]
