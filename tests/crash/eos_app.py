"""A consume-transform-produce application as the seed's exactly-once lesson writes it
(confluent-kafka, unmodified): read_committed input through a consumer group, a transactional
producer, offsets sent to the transaction, abort-and-rewind on an abortable error. Run as a
separate process so tests can kill it with SIGKILL at any point.

Usage: eos_app.py BOOTSTRAP SRC DST GROUP TRANSACTIONAL_ID
Each output's value is "<src partition>:<src offset>:<src value>", so a test can check that
every input produced exactly one output. Prints "committed N" after each commit.
A fatal producer error (e.g. fenced) exits with status 3; the test starts a new instance.
"""
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def rewind(consumer):
    """Back to what the group committed: the aborted transaction's input is read again."""
    assignment = consumer.assignment()
    if not assignment:
        return
    for tp in consumer.committed(assignment, timeout=30):
        consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))


def main():
    bootstrap, src, dst, group, txn_id = sys.argv[1:6]
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5,
                         "transaction.timeout.ms": 10000})
    producer.init_transactions(60)
    consumer.subscribe([src])
    committed = 0
    while True:
        msgs = [m for m in consumer.consume(200, 0.5) if not m.error()]
        if not msgs:
            continue
        try:
            producer.begin_transaction()
            for m in msgs:
                out = f"{m.partition()}:{m.offset()}:{m.value().decode()}".encode()
                while True:
                    try:
                        producer.produce(dst, key=m.key(), value=out)
                        break
                    except BufferError:
                        producer.poll(0.1)
            producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                                 consumer.consumer_group_metadata(), 60)
            while True:
                try:
                    producer.commit_transaction(60)
                    break
                except KafkaException as e:
                    if not e.args[0].retriable():
                        raise
            committed += len(msgs)
            print(f"committed {committed}", flush=True)
        except KafkaException as e:
            err = e.args[0]
            if err.fatal():
                print(f"fatal: {err}", flush=True)
                sys.exit(3)
            print(f"aborting: {err}", flush=True)
            producer.abort_transaction(60)
            rewind(consumer)


if __name__ == "__main__":
    main()
