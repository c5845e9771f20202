"""kill -9 while the log cleaner is cleaning __consumer_offsets (issue #15): many commits over a
few keys on tiny offsets segments, a paced cleaner so a pass lasts long enough to be caught
with its `.cleaned` output in progress, SIGKILL right then (a commit usually in flight), restart. Every
acknowledged commit must be there after each restart, read back by confluent-kafka and
kafka-python; an unacknowledged one may be there too (it may have been written), nothing older.
"""
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from brookfixture import Broker
from clients import ck_committed, kp_committed

TOPIC = "clean-crash"
PARTITIONS = 4
GROUP = "clean-crash-group"
KILLS = 4
SETS = {"offsets.topic.segment.bytes": "8192", "log.cleaner.backoff.ms": "50",
        # ~64 KiB/s: a pass over a few dirty segments (read twice) lasts about a second.
        "log.cleaner.io.max.bytes.per.second": str(64 << 10)}


def offsets_dir(b):
    return b.topic_dir("__consumer_offsets")


def cleaning(b):
    """A pass is in flight: its output directory exists (created at the start of the pass,
    renamed to .swap at its commit point). Most of its segments stay empty: every record of
    them is superseded."""
    return (offsets_dir(b) / ".cleaned").is_dir()


class Committer(threading.Thread):
    """Synchronous commits of an increasing value to every partition; `acked` is the last one the
    broker acknowledged, `attempted` the last one sent."""

    def __init__(self, bootstrap, start_at):
        super().__init__(daemon=True)
        self.bootstrap, self.acked, self.attempted = bootstrap, start_at, start_at
        self.halt = threading.Event()
        self.errors = 0

    def run(self):
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": GROUP, "enable.auto.commit": False,
                      "socket.timeout.ms": 5000, "reconnect.backoff.max.ms": 200})
        try:
            while not self.halt.is_set():
                i = self.attempted + 1
                self.attempted = i
                try:
                    c.commit(offsets=[TopicPartition(TOPIC, p, i) for p in range(PARTITIONS)], asynchronous=False)
                except KafkaException:
                    self.errors += 1
                    time.sleep(0.05)
                    continue
                self.acked = i
        finally:
            c.close()


@pytest.mark.crash
@pytest.mark.timeout(300)
def test_kill9_mid_clean_of_consumer_offsets_keeps_every_acknowledged_commit(tmp_path, capsys):
    b = Broker(tmp_path / "data", tmp_path / "logs", smp=2, sets=SETS)
    b.start()
    try:
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(timeout=15)
        del admin
        acked = 0
        caught = 0
        for kill in range(1, KILLS + 1):
            w = Committer(b.bootstrap, acked)
            w.start()
            # Let the history grow past a few segments, then wait for a pass to be in flight.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (w.acked - acked > 100 and cleaning(b)):
                time.sleep(0.01)
            mid_clean = cleaning(b)
            b.kill9()
            caught += mid_clean
            b.start()
            w.halt.set()
            w.join(timeout=60)
            assert not w.is_alive(), "the committer did not stop"
            assert w.acked > acked, f"kill {kill}: no commit acknowledged"
            for name, read in (("confluent-kafka", ck_committed), ("kafka-python", kp_committed)):
                got = read(b.bootstrap, GROUP, TOPIC, PARTITIONS)
                # Every partition got every commit: at least the last acknowledged one, at most
                # the last one sent (it may have landed before the kill).
                assert all(w.acked <= o <= w.attempted for o in got), \
                    f"kill {kill} ({name}): committed {got}, acknowledged {w.acked}, sent up to {w.attempted}"
            acked = max(ck_committed(b.bootstrap, GROUP, TOPIC, PARTITIONS))
        logs = b.log_text(all_runs=True)
        passes = logs.count("cleaner: __consumer_offsets/0:")
        recovered = logs.count("discarding an unfinished log clean") + logs.count("finishing an interrupted log clean")
        with capsys.disabled():
            print(f"\noffsets clean kill -9: {KILLS} kills, {caught} while a pass was in flight, "
                  f"{recovered} interrupted passes recovered at start, {passes} passes completed, "
                  f"last acknowledged commit {acked}")
        assert caught >= KILLS // 2, f"only {caught} of {KILLS} kills landed mid-clean"
        assert recovered >= 1
    finally:
        b.close()
