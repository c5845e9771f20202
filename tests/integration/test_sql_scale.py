"""`brook sql` scale-out: two `brook sql run` workers of one exactly-once windowed job share its
input and its key groups through the job's consumer group (docs/sql-scale-out.md). Worker A
starts alone (16 key groups), B joins (each then owns 8: half the key groups move, restored from
the changelog), A stops (its 8 move back to B). A read_committed confluent-kafka consumer must see
exactly the rows of an uninterrupted single-worker run: no loss, no duplicate."""
import collections
import json
import random
import re
import signal
import subprocess
import threading
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, ck_read_to_end, create_topic

T0 = 1_700_000_000_000
PARTS = 4
PER_PHASE = 1500  # events per partition per phase; three phases
END_TS = T0 + 10_000_000  # one last event per partition far ahead: fires every earlier window

JOB = """
SET 'execution.checkpointing.interval' = '100 ms';
CREATE TABLE src (
  user_id STRING, amount BIGINT, ts BIGINT,
  et AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR et AS et - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = '{topic}', 'format' = 'json',
        'properties.group.id' = '{group}', 'scan.startup.mode' = 'earliest-offset'{bounded});
CREATE TABLE out (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total BIGINT
) WITH ('connector' = 'kafka', 'topic' = '{group}-out', 'format' = 'json',
        'key.format' = 'raw', 'key.fields' = 'user_id',
        'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{group}');
INSERT INTO out
SELECT user_id, window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE({tvf})
GROUP BY window_start, window_end, user_id;
"""
TUMBLE = "TUMBLE(TABLE src, DESCRIPTOR(et), INTERVAL '1' SECOND)"


def phase_events(phase, rng):
    recs = []
    for p in range(PARTS):
        for i in range(PER_PHASE):
            k = phase * PER_PHASE + i
            v = {"user_id": "u%d" % rng.randrange(50), "amount": rng.randrange(100), "ts": T0 + k * 5 + p}
            recs.append({"value": json.dumps(v), "partition": p})
    return recs


def end_events():
    return [{"value": json.dumps({"user_id": "end", "amount": 0, "ts": END_TS}), "partition": p} for p in range(PARTS)]


class Worker:
    """A `brook sql run` process whose stderr lines are collected as they come."""

    def __init__(self, broker, path, state, extra=()):
        self.p = subprocess.Popen([BROOK_BIN, "sql", "run", path, "-b", broker.bootstrap, "--state-dir", state, *extra],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stderr:
            self.lines.append(line.rstrip())

    def assignments(self):
        return [ln for ln in self.lines if "assigned key groups" in ln]

    def wait_assigned(self, count, timeout=40):
        deadline = time.monotonic() + timeout
        pat = re.compile(r"assigned key groups \S+ \(%d of 16;" % count)
        while time.monotonic() < deadline:
            a = self.assignments()
            if a and pat.search(a[-1]):
                return a[-1]
            assert self.p.poll() is None, "\n".join(self.lines)
            time.sleep(0.05)
        raise AssertionError("no assignment of %d key groups:\n%s" % (count, "\n".join(self.lines)))

    def kill(self):
        """Leaves nothing running when a test fails half-way."""
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=30)
        self.t.join(timeout=5)
        assert self.p.returncode == 0, "\n".join(self.lines)


def committed_sum(bootstrap, group, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "brook-sql-" + group, "enable.auto.commit": False})
    try:
        return sum(max(tp.offset, 0) for tp in c.committed([TopicPartition(topic, p) for p in range(PARTS)], timeout=5))
    finally:
        c.close()


def wait_committed(bootstrap, group, topic, at_least, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if committed_sum(bootstrap, group, topic) >= at_least:
            return
        time.sleep(0.1)
    raise AssertionError("group %s did not commit %d offsets of %s in time" % (group, at_least, topic))


def read_committed(bootstrap, topic, partitions=3):
    return [(m.key().decode(), json.loads(m.value()))
            for m in ck_read_to_end(bootstrap, topic, partitions, "read_committed")]


def wait_rows(bootstrap, topic, at_least=1, timeout=40):
    """Until the sink has at_least committed rows: the key groups have processed input (their
    changelog has panes), not only the source offsets moved."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(read_committed(bootstrap, topic)) >= at_least:
            return
        time.sleep(0.2)
    raise AssertionError("no rows in %s in time" % topic)


def rows_before_end(rows):
    """The windows an unbounded run fires: all but the end events' own."""
    return collections.Counter(json.dumps(v, sort_keys=True) for k, v in rows if k != "end")


def expected_n(rows):
    return sum(v["n"] for k, v in rows if k != "end")


@pytest.fixture
def workers():
    started = []
    yield started
    for w in started:
        w.kill()


def test_rescale_moves_key_groups_without_loss_or_duplicate(broker, tmp_path, workers):
    rng = random.Random(42)
    phases = [phase_events(i, rng) for i in range(3)]
    total = PER_PHASE * PARTS * 3
    prod = ck_producer(broker.bootstrap)

    # The reference: one uninterrupted bounded worker over the whole input.
    create_topic(broker.bootstrap, "scale-ref-in", PARTS)
    create_topic(broker.bootstrap, "scale-ref-out", 3)
    for ph in phases:
        ck_produce_all(prod, "scale-ref-in", ph)
    ck_produce_all(prod, "scale-ref-in", end_events())
    ref_job = tmp_path / "ref.sql"
    ref_job.write_text(JOB.format(topic="scale-ref-in", group="scale-ref", tvf=TUMBLE,
                                  bounded=", 'scan.bounded.mode' = 'latest-offset'"))
    p = subprocess.run([BROOK_BIN, "sql", "run", str(ref_job), "-b", broker.bootstrap, "--state-dir",
                        str(tmp_path / "ref-state")], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    ref = read_committed(broker.bootstrap, "scale-ref-out")
    assert expected_n(ref) == total

    # The scaled run, unbounded: A alone, then A and B, then B alone.
    create_topic(broker.bootstrap, "scale-in", PARTS)
    create_topic(broker.bootstrap, "scale-out", 3)
    job = tmp_path / "scale.sql"
    job.write_text(JOB.format(topic="scale-in", group="scale", tvf=TUMBLE, bounded=""))
    ck_produce_all(prod, "scale-in", phases[0])
    a = Worker(broker, str(job), str(tmp_path / "state-a"))
    workers.append(a)
    a.wait_assigned(16)
    wait_committed(broker.bootstrap, "scale", "scale-in", PER_PHASE * PARTS)
    wait_rows(broker.bootstrap, "scale-out")

    b = Worker(broker, str(job), str(tmp_path / "state-b"))
    workers.append(b)
    got_b = b.wait_assigned(8)
    got_a = a.wait_assigned(8)
    # Half the key groups moved from A to B, and B restored them from the changelog.
    assert re.search(r"restored [1-9][0-9]* panes", got_b), got_b
    assert "moved out" in got_a and "moved out none" not in got_a, got_a
    ck_produce_all(prod, "scale-in", phases[1])
    wait_committed(broker.bootstrap, "scale", "scale-in", 2 * PER_PHASE * PARTS)

    a.stop()  # its key groups move back to B
    got_b = b.wait_assigned(16)
    assert "moved in none" not in got_b, got_b
    ck_produce_all(prod, "scale-in", phases[2])
    ck_produce_all(prod, "scale-in", end_events())

    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        rows = read_committed(broker.bootstrap, "scale-out")
        if expected_n(rows) >= total:
            break
        time.sleep(0.5)
    b.stop()
    rows = read_committed(broker.bootstrap, "scale-out")
    assert expected_n(rows) == total, "lost or duplicated input: %d of %d" % (expected_n(rows), total)
    assert rows_before_end(rows) == rows_before_end(ref)
    print("A:", *a.assignments(), "B:", *b.assignments(), sep="\n  ")
