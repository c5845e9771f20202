"""Consume a topic and commit the position synchronously after every batch, forever; each
acknowledged commit is appended (and flushed) to REPORT as `C <partition> <offset>`.

A subprocess because a synchronous commit to a dead broker never returns: the test kills it
with SIGKILL at the power cut, and a line is written only after the broker acknowledged.
Usage: committer.py BOOTSTRAP GROUP TOPIC PARTITIONS REPORT
"""
import sys

from confluent_kafka import Consumer, KafkaException, TopicPartition


def main():
    bootstrap, group, topic, partitions, report = sys.argv[1:6]
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "fetch.wait.max.ms": 20,
                  "log_level": 0, "logger": lambda *a: None})
    c.assign([TopicPartition(topic, p) for p in range(int(partitions))])
    with open(report, "a") as out:
        while True:
            pos = {}
            for m in c.consume(num_messages=200, timeout=0.05):
                if m.error() is None:
                    pos[m.partition()] = m.offset() + 1
            if not pos:
                continue
            try:
                done = c.commit(offsets=[TopicPartition(topic, p, o) for p, o in pos.items()], asynchronous=False)
            except KafkaException:
                continue
            for tp in done:
                if tp.error is None:
                    out.write(f"C {tp.partition} {tp.offset}\n")
            out.flush()


if __name__ == "__main__":
    main()
