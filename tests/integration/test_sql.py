"""`brook sql run` against a real Brook broker: input produced and output read with
confluent-kafka. Expected rows are worked out by hand from Flink's semantics (see
tests/unit/stream/pipeline_test.cc for the same cases without a broker)."""
import json
import signal
import subprocess
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, create_topic

T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC, a multiple of 10 s


def ts_text(ms):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + ".%03d" % (ms % 1000)


def write_job(tmp_path, sql, name="job.sql"):
    p = tmp_path / name
    p.write_text(sql)
    return str(p)


def run_sql(broker, path, timeout=60):
    return subprocess.run([BROOK_BIN, "sql", "run", path, "-b", broker.bootstrap],
                          capture_output=True, text=True, timeout=timeout)


def read_all(bootstrap, topic, partitions=1, idle_s=1.5, timeout=20):
    """Every record of topic (from the start) until nothing new arrives for idle_s."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sql-itest", "enable.auto.commit": False,
                  "fetch.wait.max.ms": 100})
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out, last, deadline = [], time.monotonic(), time.monotonic() + timeout
        while time.monotonic() - last < idle_s and time.monotonic() < deadline:
            for m in c.consume(num_messages=1000, timeout=0.2):
                assert m.error() is None, m.error()
                out.append(m)
                last = time.monotonic()
        return out
    finally:
        c.close()


def values(msgs):
    return [json.loads(m.value()) for m in msgs]


def events(records, partition=None):
    return [{"value": json.dumps(v), **({"partition": partition} if partition is not None else {})} for v in records]


TUMBLE_JOB = """
-- counts per key per 10 s window, watermark 2 s behind the largest event time
CREATE TABLE clicks (
  user_id STRING,
  url STRING,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'clicks',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'json',
  'late-data.topic' = 'clicks-late'
);
CREATE TABLE per_user (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), clicks BIGINT, pages BIGINT
) WITH ('connector' = 'kafka', 'topic' = 'per-user', 'format' = 'json',
        'key.format' = 'raw', 'key.fields' = 'user_id');
INSERT INTO per_user
SELECT user_id, window_start, window_end, COUNT(*), COUNT(DISTINCT url)
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS))
GROUP BY window_start, window_end, user_id;
"""


def test_tumble_bounded_with_late_side_topic(broker, tmp_path):
    for t in ("clicks", "clicks-late", "per-user"):
        create_topic(broker.bootstrap, t)
    rows = [("u1", "/a", 1000), ("u1", "/b", 3000), ("u2", "/a", 4000),
            ("u1", "/a", 12500),   # watermark 10.5 s: [0, 10) fires
            ("u2", "/c", 9000),    # late: [0, 10) has fired
            ("u2", "/d", 11000),   # out of order, its window is open
            ("u1", "/a", 15000)]
    ck_produce_all(ck_producer(broker.bootstrap), "clicks",
                   events({"user_id": u, "url": url, "ts": ts_text(T0 + ms)} for u, url, ms in rows))
    p = run_sql(broker, write_job(tmp_path, TUMBLE_JOB))
    assert p.returncode == 0, p.stderr
    assert "7 records in, 4 rows out, 1 late" in p.stderr and "(finished)" in p.stderr
    out = read_all(broker.bootstrap, "per-user")
    w = lambda s: ts_text(T0 + s * 1000)  # noqa: E731
    assert values(out) == [
        {"user_id": "u1", "window_start": w(0), "window_end": w(10), "clicks": 2, "pages": 2},
        {"user_id": "u2", "window_start": w(0), "window_end": w(10), "clicks": 1, "pages": 1},
        # the rest fire at the end of the bounded input
        {"user_id": "u1", "window_start": w(10), "window_end": w(20), "clicks": 2, "pages": 1},
        {"user_id": "u2", "window_start": w(10), "window_end": w(20), "clicks": 1, "pages": 1},
    ]
    assert [m.key() for m in out] == [b"u1", b"u2", b"u1", b"u2"]
    late = read_all(broker.bootstrap, "clicks-late")
    assert len(late) == 1
    assert json.loads(late[0].value())["url"] == "/c"
    h = {k: v.decode() for k, v in late[0].headers()}
    assert h["brook.window.start"] == str(T0) and h["brook.window.end"] == str(T0 + 10000)
    assert h["brook.watermark"] == str(T0 + 10500)
    assert h["brook.source"] == "clicks/0/4"


MULTI_JOB = """
CREATE TABLE ev (k STRING, ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ms, 3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'ev', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset', 'format' = 'json', 'late-data.topic' = 'ev-late');
CREATE TABLE agg (k STRING, ws TIMESTAMP(3), n BIGINT, total BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'agg', 'format' = 'json');
INSERT INTO agg SELECT k, window_start, COUNT(*), SUM(ms - %d)
FROM TABLE(TUMBLE(DATA => TABLE ev, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' SECOND))
GROUP BY window_start, window_end, k;
""" % T0


def test_multi_partition_watermark_is_the_minimum(broker, tmp_path):
    """Partition 0 runs a minute ahead of partition 1; with the minimum over partitions none of
    partition 1's rows is late (a single max watermark would drop b@2s and b@31s)."""
    for t, n in (("ev", 2), ("ev-late", 1), ("agg", 1)):
        create_topic(broker.bootstrap, t, partitions=n)
    prod = ck_producer(broker.bootstrap)
    ck_produce_all(prod, "ev", events([{"k": "a", "ms": T0 + s * 1000} for s in (1, 30, 61)], partition=0))
    ck_produce_all(prod, "ev", events([{"k": "b", "ms": T0 + s * 1000} for s in (2, 31)], partition=1))
    p = run_sql(broker, write_job(tmp_path, MULTI_JOB))
    assert p.returncode == 0, p.stderr
    assert "0 late" in p.stderr
    got = sorted((r["ws"], r["k"], r["n"], r["total"]) for r in values(read_all(broker.bootstrap, "agg")))
    w = lambda s: ts_text(T0 + s * 1000)  # noqa: E731
    assert got == [(w(0), "a", 1, 1000), (w(0), "b", 1, 2000), (w(30), "a", 1, 30000),
                   (w(30), "b", 1, 31000), (w(60), "a", 1, 61000)]
    assert read_all(broker.bootstrap, "ev-late", idle_s=0.5) == []


IDLE_JOB = """
CREATE TABLE ev (k STRING, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',
                 WATERMARK FOR ts AS ts - INTERVAL '0' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'ev', 'scan.startup.mode' = 'earliest-offset',
      'format' = 'json', 'late-data.topic' = 'ev-late' %s);
CREATE TABLE agg (k STRING, ws TIMESTAMP(3), we TIMESTAMP(3), n BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'agg', 'format' = 'json');
INSERT INTO agg SELECT k, window_start, window_end, COUNT(*)
FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY window_start, window_end, k;
"""


def start_job(broker, path):
    return subprocess.Popen([BROOK_BIN, "sql", "run", path, "-b", broker.bootstrap],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_job(proc):
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    return err


@pytest.mark.parametrize("idle_timeout", [None, "500 ms"])
def test_idle_partition(broker, tmp_path, idle_timeout):
    """Partition 1 gets no rows. Without an idle timeout it holds the watermark back and no
    window fires; with 'scan.watermark.idle-timeout' it is excluded after 500 ms, the
    watermark follows partition 0 (12 s), [0, 5) fires, and a row for it afterwards is late."""
    for t, n in (("ev", 2), ("ev-late", 1), ("agg", 1)):
        create_topic(broker.bootstrap, t, partitions=n)
    prod = ck_producer(broker.bootstrap)
    ck_produce_all(prod, "ev", [{"value": json.dumps({"k": "a"}), "partition": 0, "timestamp": T0 + s}
                                for s in (1000, 12000)])
    extra = "" if idle_timeout is None else ", 'scan.watermark.idle-timeout' = '%s'" % idle_timeout
    proc = start_job(broker, write_job(tmp_path, IDLE_JOB % extra))
    try:
        if idle_timeout is None:
            time.sleep(3)
            assert read_all(broker.bootstrap, "agg", idle_s=0.5) == []
        else:
            got = []
            deadline = time.monotonic() + 15
            while not got and time.monotonic() < deadline:
                got = values(read_all(broker.bootstrap, "agg", idle_s=0.3))
            assert got == [{"k": "a", "ws": ts_text(T0), "we": ts_text(T0 + 5000), "n": 1}]
        ck_produce_all(prod, "ev", [{"value": json.dumps({"k": "late"}), "partition": 0, "timestamp": T0 + 3000}])
        time.sleep(1.5)
    finally:
        err = stop_job(proc)
    assert "(stopped)" in err
    late = read_all(broker.bootstrap, "ev-late", idle_s=0.5)
    if idle_timeout is None:
        assert late == []  # the watermark never moved: nothing is late
        assert read_all(broker.bootstrap, "agg", idle_s=0.5) == []  # stopping fires nothing
    else:
        assert len(late) == 1 and json.loads(late[0].value()) == {"k": "late"}
        h = dict(late[0].headers())
        assert h["brook.window.start"] == str(T0).encode() and h["brook.watermark"] == str(T0 + 12000).encode()


SESSION_JOB = """
CREATE TABLE ev (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH ('connector' = 'kafka', 'topic' = 'ev', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE sessions (k STRING, s TIMESTAMP(3), e TIMESTAMP(3), n BIGINT,
                       PRIMARY KEY (k, s) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'sessions', 'key.format' = 'json', 'value.format' = 'json');
INSERT INTO sessions SELECT k, window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY window_start, window_end, k EMIT CHANGES;
"""


def test_session_emit_changes_upserts_and_deletes(broker, tmp_path):
    for t in ("ev", "sessions"):
        create_topic(broker.bootstrap, t)
    rows = [("a", 0), ("a", 10), ("a", 5), ("b", 1)]  # a@5 bridges [0,5) and [10,15)
    ck_produce_all(ck_producer(broker.bootstrap), "ev",
                   events({"k": k, "ts": ts_text(T0 + s * 1000)} for k, s in rows))
    p = run_sql(broker, write_job(tmp_path, SESSION_JOB))
    assert p.returncode == 0, p.stderr
    w = lambda s: ts_text(T0 + s * 1000)  # noqa: E731
    got = [(json.loads(m.key()), None if m.value() is None else json.loads(m.value()))
           for m in read_all(broker.bootstrap, "sessions")]
    assert got == [
        ({"k": "a", "s": w(0)}, {"k": "a", "s": w(0), "e": w(5), "n": 1}),
        ({"k": "a", "s": w(10)}, {"k": "a", "s": w(10), "e": w(15), "n": 1}),
        ({"k": "a", "s": w(0)}, None),   # [0,5) merged away
        ({"k": "a", "s": w(10)}, None),  # [10,15) merged away
        ({"k": "a", "s": w(0)}, {"k": "a", "s": w(0), "e": w(15), "n": 3}),
        ({"k": "b", "s": w(1)}, {"k": "b", "s": w(1), "e": w(6), "n": 1}),
    ]


@pytest.mark.parametrize("sql,where,message", [
    ("INSERT INTO x SELEC 1;", "1:15", "expected SELECT"),
    ("CREATE TABLE t (a STRING, ts TIMESTAMP(3)) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');\n"
     "CREATE TABLE o (a STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'o', 'format' = 'json');\n"
     "INSERT INTO o SELECT a, COUNT(*) FROM TABLE(\n  TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, a;",
     "4:30", "declares no watermark"),
    ("CREATE TABLE t (a STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');\n"
     "CREATE TABLE o (a STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'o', 'format' = 'json');\n"
     "INSERT INTO o SELECT a, COUNT(*) FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '3' SECOND, INTERVAL '10' SECOND))\n"
     "GROUP BY window_start, window_end, a;",
     "3:45", "HOP size (10000 ms) must be an integral multiple of its slide (3000 ms)"),
    ("CREATE TABLE t (a STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');\n"
     "CREATE TABLE o (a STRING) WITH ('connector' = 'kafka', 'topic' = 'o', 'format' = 'json');\n"
     "INSERT INTO o SELECT FROB(a) FROM t;", "3:22", "unknown function 'FROB'"),
    ("CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');\n"
     "CREATE TABLE o (a STRING) WITH ('connector' = 'kafka', 'topic' = 'o', 'format' = 'json');\n"
     "INSERT INTO o SELECT b FROM t;", "3:22", "unknown column 'b'"),
])
def test_bad_sql_exits_2_with_line_and_column(tmp_path, sql, where, message):
    path = write_job(tmp_path, sql)
    p = subprocess.run([BROOK_BIN, "sql", "run", path, "-b", "127.0.0.1:1"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, p.stderr
    first = p.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{where}: error: "), first
    assert message in first
    assert "^" in p.stderr  # the caret under the column


def test_unreachable_broker_and_missing_topic_exit_1(broker, tmp_path):
    path = write_job(tmp_path, TUMBLE_JOB)
    p = subprocess.run([BROOK_BIN, "sql", "run", path, "-b", "127.0.0.1:1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "cannot reach the brokers at 127.0.0.1:1" in p.stderr, p.stderr
    p = run_sql(broker, path)
    assert p.returncode == 1 and "source topic 'clicks'" in p.stderr, p.stderr


STARTUP_JOB = """
CREATE TABLE ev (k STRING, n BIGINT, at TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', off BIGINT METADATA FROM 'offset')
WITH ('connector' = 'kafka', 'topic' = 'ev', 'format' = 'json', 'scan.bounded.mode' = 'latest-offset', %s);
CREATE TABLE names (line STRING) WITH ('connector' = 'kafka', 'topic' = 'names-%s', 'format' = 'raw');
INSERT INTO names SELECT UPPER(k) || ':' || CAST(n * 10 AS STRING) || '@' || CAST(off AS STRING) FROM ev WHERE n <> 3;
"""


@pytest.mark.parametrize("mode,options", [
    ("timestamp", "'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '%d'" % (T0 + 2000)),
    ("specific", "'scan.startup.mode' = 'specific-offsets', 'scan.startup.specific-offsets' = 'partition:0,offset:2'"),
])
def test_startup_modes_and_stateless_projection_to_raw(broker, tmp_path, mode, options):
    """Both modes start at offset 2 (the first record at or after T0 + 2 s); the row with n = 3 is
    filtered; the raw sink holds one text line per row."""
    create_topic(broker.bootstrap, "ev")
    create_topic(broker.bootstrap, "names-" + mode)
    ck_produce_all(ck_producer(broker.bootstrap), "ev",
                   [{"value": json.dumps({"k": "k%d" % i, "n": i}), "timestamp": T0 + i * 1000} for i in range(5)])
    p = run_sql(broker, write_job(tmp_path, STARTUP_JOB % (options, mode)))
    assert p.returncode == 0, p.stderr
    assert [m.value() for m in read_all(broker.bootstrap, "names-" + mode)] == [b"K2:20@2", b"K4:40@4"]


def test_bad_record_fails_the_job_unless_ignored(broker, tmp_path):
    create_topic(broker.bootstrap, "ev")
    create_topic(broker.bootstrap, "names-x")
    ck_produce_all(ck_producer(broker.bootstrap), "ev",
                   [{"value": json.dumps({"k": "a", "n": 1})}, {"value": b"{not json"}, {"value": json.dumps({"k": "b", "n": 2})}])
    opts = "'scan.startup.mode' = 'earliest-offset'"
    p = run_sql(broker, write_job(tmp_path, STARTUP_JOB % (opts, "x")))
    assert p.returncode == 1 and "record ev/0@1: the value is not valid JSON" in p.stderr, p.stderr
    p = run_sql(broker, write_job(tmp_path, STARTUP_JOB % (opts + ", 'json.ignore-parse-errors' = 'true'", "x"), "job2.sql"))
    assert p.returncode == 0 and "skipped 1 record(s)" in p.stderr, p.stderr
    assert [m.value() for m in read_all(broker.bootstrap, "names-x")][-2:] == [b"A:10@0", b"B:20@2"]


CHECKPOINT_JOB = """SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE ev (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 'ev', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset', 'properties.group.id' = 'sql-ckpt' %s);
CREATE TABLE agg (k STRING, ws TIMESTAMP(3), n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'agg', 'format' = 'json');
INSERT INTO agg SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' SECOND))
GROUP BY window_start, window_end, k;
"""


def test_state_dir_resumes_after_kill_9(broker, tmp_path):
    """kill -9 after a checkpoint, then start again on the same --state-dir: the open window
    [4 s, 5 s) keeps the 5 rows it had (restored from RocksDB) and ends with all 10; windows
    written twice (at least once) carry the same result."""
    create_topic(broker.bootstrap, "ev")
    create_topic(broker.bootstrap, "agg")
    prod = ck_producer(broker.bootstrap)
    rows = [{"k": "a", "ts": ts_text(T0 + i * 100)} for i in range(90)]
    ck_produce_all(prod, "ev", events(rows[:45]))
    state = tmp_path / "state"
    job = write_job(tmp_path, CHECKPOINT_JOB % "")
    proc = subprocess.Popen([BROOK_BIN, "sql", "run", job, "-b", broker.bootstrap, "--state-dir", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while len(read_all(broker.bootstrap, "agg", idle_s=0.2)) < 4 and time.monotonic() < deadline:
            pass
        time.sleep(1.0)  # a few checkpoints after the last row
    finally:
        proc.kill()
        proc.wait()
    assert len(values(read_all(broker.bootstrap, "agg", idle_s=0.3))) == 4
    ck_produce_all(prod, "ev", events(rows[45:]))
    bounded = write_job(tmp_path, CHECKPOINT_JOB % ", 'scan.bounded.mode' = 'latest-offset'", "bounded.sql")
    p = subprocess.run([BROOK_BIN, "sql", "run", bounded, "-b", broker.bootstrap, "--state-dir", str(state)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "resuming from the checkpoint" in p.stderr and "(1 open windows)" in p.stderr, p.stderr
    got = {}
    for r in values(read_all(broker.bootstrap, "agg")):
        got.setdefault(r["ws"], set()).add(r["n"])
    assert got == {ts_text(T0 + s * 1000): {10} for s in range(9)}
    # The last checkpoint committed the group's offsets (as Flink's source does on checkpoints).
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "sql-ckpt"})
    try:
        assert [tp.offset for tp in c.committed([TopicPartition("ev", 0)], timeout=10)] == [90]
    finally:
        c.close()
    # A different job on the same directory is refused.
    other = write_job(tmp_path, CHECKPOINT_JOB.replace("'1' SECOND", "'2' SECOND") % "", "other.sql")
    p = subprocess.run([BROOK_BIN, "sql", "run", other, "-b", broker.bootstrap, "--state-dir", str(state)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "holds the state of another job" in p.stderr, p.stderr


TWO_JOBS = """
CREATE TABLE ev (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'ev', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset');
CREATE TABLE hop_out (k STRING, ws TIMESTAMP(3), we TIMESTAMP(3), total BIGINT, biggest BIGINT, mean BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'hop-out', 'format' = 'json');
CREATE TABLE big (k STRING, v BIGINT, size STRING) WITH ('connector' = 'kafka', 'topic' = 'big', 'format' = 'json');

INSERT INTO hop_out
SELECT k, window_start, window_end, SUM(v), MAX(v), AVG(v)
FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY window_start, window_end, k;

INSERT INTO big SELECT k, v, CASE WHEN v >= 10 THEN 'huge' ELSE 'big' END FROM ev WHERE v > 3;
"""


def test_one_job_per_insert_hop_and_stateless(broker, tmp_path):
    for t in ("ev", "hop-out", "big"):
        create_topic(broker.bootstrap, t)
    rows = [("a", 1, 1000), ("a", 4, 6000), ("b", 10, 7000), ("a", 2, 12000)]
    ck_produce_all(ck_producer(broker.bootstrap), "ev",
                   events({"k": k, "v": v, "ts": ts_text(T0 + ms)} for k, v, ms in rows))
    p = run_sql(broker, write_job(tmp_path, TWO_JOBS))
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("(finished)") == 2, p.stderr
    w = lambda s: ts_text(T0 + s * 1000)  # noqa: E731
    # HOP 10 s every 5 s: a@1 is in [-5,5) and [0,10); a@6 and b@7 in [0,10) and [5,15); a@12 in [5,15) and [10,20).
    got = sorted((r["ws"], r["k"], r["total"], r["biggest"], r["mean"]) for r in values(read_all(broker.bootstrap, "hop-out")))
    assert got == sorted([(w(-5), "a", 1, 1, 1), (w(0), "a", 5, 4, 2), (w(0), "b", 10, 10, 10),
                          (w(5), "a", 6, 4, 3), (w(5), "b", 10, 10, 10), (w(10), "a", 2, 2, 2)])
    assert values(read_all(broker.bootstrap, "big")) == [{"k": "a", "v": 4, "size": "big"}, {"k": "b", "v": 10, "size": "huge"}]


@pytest.mark.parametrize("args", [["sql"], ["sql", "run"], ["sql", "run", "/nonexistent/job.sql"], ["sql", "run", "x.sql", "--bogus"]])
def test_bad_usage_exits_2(args):
    p = subprocess.run([BROOK_BIN, *args], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2, (p.returncode, p.stderr)


def test_file_without_insert_exits_2(tmp_path):
    path = write_job(tmp_path, "SET 'pipeline.name' = 'x';\nCREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');")
    p = subprocess.run([BROOK_BIN, "sql", "run", path], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "nothing to run: the file has no INSERT INTO statement" in p.stderr, p.stderr
