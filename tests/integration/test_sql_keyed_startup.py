"""`scan.startup.mode` = 'specific-offsets' and 'timestamp' for exactly-once windowed jobs (the
key-grouped workers of docs/sql-scale-out.md): the first start of the job's group begins where
the mode says; a restart resumes from the group's committed offsets, as Flink's Kafka source and
Kafka's consumers do. Counts per partition and window are worked out by hand."""
import json
import signal
import subprocess
import threading
import time

from confluent_kafka import Consumer, TopicPartition

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, create_topic

T0 = 1_700_000_000_000  # a multiple of 10 s

JOB = """
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE src (k STRING, ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ms, 3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = '{topic}', 'format' = 'json', 'properties.group.id' = '{group}',
      {startup});
CREATE TABLE out (k STRING, ws TIMESTAMP(3), n BIGINT)
WITH ('connector' = 'kafka', 'topic' = '{group}-out', 'format' = 'json',
      'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{group}');
INSERT INTO out SELECT k, window_start, COUNT(*)
FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, k;
"""


def produce(bootstrap, topic, seconds, parts=2):
    """Per partition p one event per second s, key 'p<p>', event and record time T0 + s."""
    ck_produce_all(ck_producer(bootstrap), topic, [
        {"value": json.dumps({"k": "p%d" % p, "ms": T0 + s * 1000}), "partition": p, "timestamp": T0 + s * 1000}
        for p in range(parts) for s in seconds])


def committed_rows(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "keyed-startup-check", "enable.auto.commit": False,
                  "isolation.level": "read_committed", "enable.partition.eof": True})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        out, deadline = [], time.monotonic() + 20
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                assert m.error().code() == -191, m.error()
                return out
            v = json.loads(m.value())
            out.append((v["k"], v["ws"], v["n"]))
        raise AssertionError("no end of " + topic)
    finally:
        c.close()


class Worker:
    def __init__(self, broker, path, state):
        self.p = subprocess.Popen([BROOK_BIN, "sql", "run", path, "-b", broker.bootstrap, "--state-dir", state],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.t = threading.Thread(target=lambda: [self.lines.append(ln.rstrip()) for ln in self.p.stderr], daemon=True)
        self.t.start()

    def wait_rows(self, broker, topic, count, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = committed_rows(broker.bootstrap, topic)
            if len(rows) >= count:
                return rows
            assert self.p.poll() is None, "\n".join(self.lines)
            time.sleep(0.3)
        raise AssertionError("no %d rows in %s:\n%s" % (count, topic, "\n".join(self.lines)))

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=30)
        self.t.join(timeout=5)
        assert self.p.returncode == 0, "\n".join(self.lines)
        return "\n".join(self.lines)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def ts(s):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime((T0 + s * 1000) // 1000)) + ".000"


def test_specific_offsets_first_start_then_committed_offsets(broker, tmp_path):
    create_topic(broker.bootstrap, "ks-in", 2)
    create_topic(broker.bootstrap, "ks-out")
    # offsets 0-9: window [0, 10); offset 10 at 25 s closes it
    produce(broker.bootstrap, "ks-in", list(range(10)) + [25])
    job = tmp_path / "job.sql"
    job.write_text(JOB.format(topic="ks-in", group="ks", startup="'scan.startup.mode' = 'specific-offsets', "
                              "'scan.startup.specific-offsets' = 'partition:0,offset:4;partition:1,offset:7'"))
    w = Worker(broker, str(job), str(tmp_path / "state"))
    try:
        rows = w.wait_rows(broker, "ks-out", 2)
        err = w.stop()
    finally:
        w.kill()
    assert sorted(rows) == [("p0", ts(0), 6), ("p1", ts(0), 3)], err  # offsets 4-9 and 7-9
    assert "11 records in" in err, err  # offsets 4-10 and 7-10

    # The restart resumes from the committed offsets (11), not from the specific offsets again.
    produce(broker.bootstrap, "ks-in", [30, 31, 32, 45])
    w = Worker(broker, str(job), str(tmp_path / "state"))
    try:
        rows = w.wait_rows(broker, "ks-out", 6)
        err = w.stop()
    finally:
        w.kill()
    # [20, 30) holds the 25 s events of the first run (restored from the changelog)
    assert sorted(rows) == [("p0", ts(0), 6), ("p0", ts(20), 1), ("p0", ts(30), 3),
                            ("p1", ts(0), 3), ("p1", ts(20), 1), ("p1", ts(30), 3)], err
    assert "8 records in, " in err and " 0 late" in err, err


def test_timestamp_first_start(broker, tmp_path):
    create_topic(broker.bootstrap, "kt-in", 2)
    create_topic(broker.bootstrap, "kt-out")
    produce(broker.bootstrap, "kt-in", list(range(10)) + [25])
    job = tmp_path / "job.sql"
    job.write_text(JOB.format(topic="kt-in", group="kt", startup="'scan.startup.mode' = 'timestamp', "
                              "'scan.startup.timestamp-millis' = '%d'" % (T0 + 6000)))
    w = Worker(broker, str(job), str(tmp_path / "state"))
    try:
        rows = w.wait_rows(broker, "kt-out", 2)
        err = w.stop()
    finally:
        w.kill()
    assert sorted(rows) == [("p0", ts(0), 4), ("p1", ts(0), 4)], err  # record times 6-9 s
    assert "10 records in" in err, err
