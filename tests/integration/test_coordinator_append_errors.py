"""A coordinator write that __consumer_offsets refuses is answered, not a closed connection:
Kafka maps a too-large offset commit to INVALID_COMMIT_OFFSET_SIZE (GroupMetadataManager),
which clients raise instead of retrying into the same failure. The internal topic inherits
the broker's message.max.bytes, so a small limit and a commit of many partitions exceed it."""
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from clients import create_topic

TOPIC = "wide"
PARTITIONS = 100


def commit_error(consumer, offsets):
    """The Kafka error code of a synchronous commit (0 for success)."""
    try:
        result = consumer.commit(offsets=offsets, asynchronous=False)
    except KafkaException as e:
        return e.args[0].code()
    errors = [tp.error.code() for tp in result if tp.error is not None]
    return errors[0] if errors else 0


def committed(bootstrap, group, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        return [tp.offset for tp in c.committed([TopicPartition(TOPIC, p) for p in partitions], timeout=10)]
    finally:
        c.close()


def test_too_large_offset_commit_is_answered_and_the_broker_keeps_serving(broker_factory):
    # ~60 bytes per commit record: 100 partitions are far over 4 KiB, one is far under.
    b = broker_factory(sets={"message.max.bytes": "4096"})
    create_topic(b.bootstrap, TOPIC, partitions=PARTITIONS)
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "too-wide", "enable.auto.commit": False,
                  "socket.timeout.ms": 10000})
    try:
        wide = [TopicPartition(TOPIC, p, 5) for p in range(PARTITIONS)]
        assert commit_error(c, wide) == KafkaError.INVALID_COMMIT_OFFSET_SIZE
        # The same client (and connection) still commits what fits.
        assert commit_error(c, [TopicPartition(TOPIC, 0, 9)]) == 0
    finally:
        c.close()
    assert committed(b.bootstrap, "too-wide", [0, 1]) == [9, -1001], "nothing of the refused commit is kept"

    # The coordinator keeps serving other groups.
    other = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "bystander", "enable.auto.commit": False})
    try:
        assert commit_error(other, [TopicPartition(TOPIC, 3, 7)]) == 0
    finally:
        other.close()
    assert committed(b.bootstrap, "bystander", [3]) == [7]
    assert b.alive()

    # What the coordinator answered is what the log holds.
    b.restart()
    assert committed(b.bootstrap, "too-wide", [0, 1]) == [9, -1001]
    assert committed(b.bootstrap, "bystander", [3]) == [7]
