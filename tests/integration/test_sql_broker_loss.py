"""A key-grouped `brook sql` worker whose broker dies: SIGTERM must end it within the client
timeouts (~10 s for the last checkpoint's transaction to fail, 11 s at most when librdkafka's
send_offsets_to_transaction does not return, which it sometimes did not at all) with a line that
says so, exit 1. Before, besides that hang, the failed checkpoint left the transaction open and
closing the consumer ran the revocation callback's checkpoint on a producer already destroyed
(SIGSEGV)."""
import json
import signal
import subprocess
import threading
import time

from confluent_kafka import Consumer, TopicPartition

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, create_topic

T0 = 1_700_000_000_000

JOB = """
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE src (k STRING, ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ms, 3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'bl-in', 'format' = 'json', 'properties.group.id' = 'bl',
      'scan.startup.mode' = 'earliest-offset');
CREATE TABLE out (k STRING, ws TIMESTAMP(3), n BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'bl-out', 'format' = 'json',
      'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'bl');
INSERT INTO out SELECT k, window_start, COUNT(*)
FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' SECOND))
GROUP BY window_start, window_end, k;
"""


def committed(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "brook-sql-bl", "enable.auto.commit": False})
    try:
        return sum(max(tp.offset, 0) for tp in c.committed([TopicPartition("bl-in", p) for p in range(2)], timeout=5))
    finally:
        c.close()


def test_sigterm_after_the_broker_died(broker, tmp_path):
    create_topic(broker.bootstrap, "bl-in", 2)
    create_topic(broker.bootstrap, "bl-out")
    # enough input that the worker is still reading and writing when the broker goes
    ck_produce_all(ck_producer(broker.bootstrap), "bl-in", [
        {"value": json.dumps({"k": "k%d" % (i % 100), "ms": T0 + i}), "partition": i % 2} for i in range(150_000)])
    job = tmp_path / "job.sql"
    job.write_text(JOB)
    p = subprocess.Popen([BROOK_BIN, "sql", "run", str(job), "-b", broker.bootstrap, "--state-dir", str(tmp_path / "state")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: [lines.append(ln.rstrip()) for ln in p.stderr], daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any("assigned key groups" in ln for ln in lines):
            assert time.monotonic() < deadline and p.poll() is None, "\n".join(lines)
            time.sleep(0.1)
        # reading and committing (so a transaction with input is open when the broker goes)
        while committed(broker.bootstrap) == 0:
            assert time.monotonic() < deadline and p.poll() is None, "\n".join(lines)
            time.sleep(0.1)
        broker.kill9()
        time.sleep(0.5)
        t = time.monotonic()
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        took = time.monotonic() - t
        reader.join(timeout=5)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    out = "\n".join(lines)
    assert p.returncode == 1, out
    assert took < 20, "took %.1f s to exit:\n%s" % (took, out)  # ~10 s; room for a loaded machine
    assert "stopped without committing the last checkpoint (" in out, out
    assert "a restart resumes from the last committed one" in out, out
