"""Thin wrappers over confluent-kafka-python and kafka-python used by several test modules (and
wait_for, the polling loop they share).

Consumers never join a group (the broker has no group coordinator yet): they assign()/seek.
Every loop has a deadline.
"""
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic


def create_topic(bootstrap, name, partitions=1, config=None, timeout=15):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futs = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                         config=config or {})], operation_timeout=timeout)
    futs[name].result(timeout=timeout)  # raises KafkaException on error
    wait_topic(bootstrap, name, partitions, timeout)


def wait_topic(bootstrap, name, partitions, timeout=15):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        md = admin.list_topics(topic=name, timeout=5)
        t = md.topics.get(name)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            return md
        time.sleep(0.1)
    raise AssertionError(f"topic {name} not visible with {partitions} partitions")


def ck_alter(bootstrap, kind, name, configs):
    """AlterConfigs: the resource's configs become exactly `configs`. Returns the KafkaError or None."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    res = ConfigResource(kind, name, set_config=configs)
    try:
        admin.alter_configs([res], request_timeout=10)[res].result(timeout=15)
        return None
    except KafkaException as e:
        return e.args[0]


def ck_producer(bootstrap, **conf):
    c = {"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"}
    c.update(conf)
    return Producer(c)


def ck_produce_all(producer, topic, records, timeout=60):
    """records: iterable of dicts with key/value/headers/partition/timestamp. Returns the list
    of delivered (partition, offset) in input order; raises on any delivery error."""
    results = {}
    errors = []

    def cb(i):
        def on_delivery(err, msg):
            if err is not None:
                errors.append((i, err))
            else:
                results[i] = (msg.partition(), msg.offset())
        return on_delivery

    n = 0
    for i, r in enumerate(records):
        kw = {k: v for k, v in r.items() if v is not None}
        while True:
            try:
                producer.produce(topic, on_delivery=cb(i), **kw)
                break
            except BufferError:
                producer.poll(0.1)
        n += 1
    remaining = producer.flush(timeout)
    assert remaining == 0, f"{remaining} messages not delivered within {timeout}s"
    assert not errors, f"delivery errors: {errors[:5]}"
    return [results[i] for i in range(n)]


def ck_consume(bootstrap, topic, partitions_offsets, count, timeout=30, **conf):
    """Read `count` messages from the given {partition: start_offset}; returns Message list."""
    c = {"bootstrap.servers": bootstrap, "group.id": "itest-unused", "enable.auto.commit": False,
         "enable.partition.eof": False, "fetch.wait.max.ms": 100}
    c.update(conf)
    consumer = Consumer(c)
    try:
        consumer.assign([TopicPartition(topic, p, o) for p, o in partitions_offsets.items()])
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            for m in consumer.consume(num_messages=min(10000, count - len(out)), timeout=0.5):
                if m.error():
                    raise KafkaException(m.error())
                out.append(m)
        assert len(out) == count, f"consumed {len(out)} of {count} within {timeout}s"
        return out
    finally:
        consumer.close()


def ck_read_to_end(bootstrap, topic, partitions, isolation="read_uncommitted", timeout=30):
    """Every message of partitions 0..partitions-1 from offset 0 to each partition's end (its
    high watermark, or last stable offset under read_committed); returns Message list."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "itest-unused", "enable.auto.commit": False,
                         "enable.partition.eof": True, "isolation.level": isolation})
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out, ended, deadline = [], set(), time.monotonic() + timeout
        while len(ended) < partitions and time.monotonic() < deadline:
            for m in consumer.consume(num_messages=1000, timeout=0.2):
                if m.error() is not None:
                    assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                    ended.add(m.partition())
                    continue
                out.append(m)
        assert len(ended) == partitions, f"{topic} was not read to its end within {timeout}s"
        return out
    finally:
        consumer.close()


def ck_committed(bootstrap, group, topic, partitions):
    """The group's committed offset of partitions 0..partitions-1, asked by confluent-kafka
    (-1001 where there is none)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        got = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=15)
        return [tp.offset for tp in got]
    finally:
        c.close()


def kp_committed(bootstrap, group, topic, partitions):
    """The same asked by kafka-python (None where there is none)."""
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                      api_version_auto_timeout_ms=10000)
    try:
        return [c.committed(KTP(topic, p)) for p in range(partitions)]
    finally:
        c.close()


def wait_for(pred, timeout, what):
    """Polls pred every 0.1 s until it is true; fails naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def kp_consumer(bootstrap, **conf):
    from kafka import KafkaConsumer
    c = dict(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
             consumer_timeout_ms=1000, api_version_auto_timeout_ms=10000,
             fetch_max_wait_ms=100)
    c.update(conf)
    return KafkaConsumer(**c)


def kp_consume(bootstrap, topic, partitions_offsets, count, timeout=30):
    from kafka import TopicPartition as KTP
    consumer = kp_consumer(bootstrap)
    try:
        tps = {p: KTP(topic, p) for p in partitions_offsets}
        consumer.assign(list(tps.values()))
        for p, o in partitions_offsets.items():
            consumer.seek(tps[p], o)
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            for _tp, msgs in consumer.poll(timeout_ms=500, max_records=10000).items():
                out.extend(msgs)
        assert len(out) == count, f"consumed {len(out)} of {count} within {timeout}s"
        return out
    finally:
        consumer.close()


def kp_producer(bootstrap, **conf):
    from kafka import KafkaProducer
    c = dict(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
             api_version_auto_timeout_ms=10000, request_timeout_ms=15000)
    c.update(conf)
    return KafkaProducer(**c)
