"""`brook sql` with an exactly-once sink: the same bounded TUMBLE (and SESSION) job run once
uninterrupted and once killed (SIGKILL) three times mid-job and restarted on its state directory;
a read_committed confluent-kafka consumer must see the very same rows in both sinks (as
multisets, and per key in order). Input: the issue's 100,000 events for the TUMBLE case and
50,000 for SESSION (BROOK_EOS_FULL=1: both 100,000; BROOK_EOS_EVENTS=N: N for both) in 4 partitions, each partition in event-time
order so the output does not depend on how the job interleaves partitions (no row is late).
The job runs as a key-grouped worker (docs/sql-scale-out.md): each restart restores its key
groups from the changelog and waits out the killed worker's group session (6 s)."""
import collections
import json
import os
import random
import re
import subprocess
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, ck_read_to_end, create_topic

T0 = 1_700_000_000_000
PARTS = 4
def events_for(case):
    if os.environ.get("BROOK_EOS_EVENTS"):
        return int(os.environ["BROOK_EOS_EVENTS"])
    return 100_000 if case == "tumble" or os.environ.get("BROOK_EOS_FULL") else 50_000
FETCH_BYTES = os.environ.get("BROOK_EOS_FETCH_BYTES")
TVF = {
    "tumble": "TUMBLE(TABLE src, DESCRIPTOR(et), INTERVAL '1' SECOND)",
    # A user's events are ~70 ms apart on average (40 users over 4 partitions, 7 ms apart each):
    # a 50 ms gap cuts them into sessions of a few events that merge as rows arrive.
    "session": "SESSION(TABLE src PARTITION BY user_id, DESCRIPTOR(et), INTERVAL '50' MILLISECOND)",
}

JOB = """
SET 'execution.checkpointing.interval' = '{interval}';
CREATE TABLE src (
  user_id STRING, amount BIGINT, ts BIGINT,
  et AS TO_TIMESTAMP_LTZ(ts, 3),
  WATERMARK FOR et AS et - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = '{topic}', 'format' = 'json',
        'properties.group.id' = '{group}', 'scan.startup.mode' = 'earliest-offset',
        'scan.bounded.mode' = 'latest-offset',
        -- small fetches spread the reading of the source over many checkpoints, so the kills
        -- land while windows are open (the restarts restore panes)
        'properties.queued.min.messages' = '1000', 'properties.max.partition.fetch.bytes' = '65536'{fetch});
CREATE TABLE out (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total BIGINT
) WITH ('connector' = 'kafka', 'topic' = '{sink}', 'format' = 'json',
        'key.format' = 'raw', 'key.fields' = 'user_id',
        'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{group}');
INSERT INTO out
SELECT user_id, window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE({tvf})
GROUP BY window_start, window_end, user_id;
"""


def produce_input(bootstrap, topic, events):
    create_topic(bootstrap, topic, PARTS)
    rng = random.Random(13)
    recs = []
    per = events // PARTS
    for p in range(PARTS):
        for i in range(per):
            v = {"user_id": "u%d" % rng.randrange(40), "amount": rng.randrange(100), "ts": T0 + i * 7 + p}
            recs.append({"value": json.dumps(v), "partition": p})
    # Small batches: a fetch returns whole batches, so these and the job's small fetch sizes
    # spread its reading over many checkpoints.
    ck_produce_all(ck_producer(bootstrap, **{"batch.num.messages": 20}), topic, recs)
    return per * PARTS


def job_file(tmp_path, name, interval, case="tumble"):
    p = tmp_path / (name + ".sql")
    fetch = "" if not FETCH_BYTES else (", 'properties.fetch.max.bytes' = '{0}', 'properties.message.max.bytes' = '{0}'"
                                        .format(FETCH_BYTES))
    p.write_text(JOB.format(group=name, sink=name + "-out", interval=interval, fetch=fetch, tvf=TVF[case],
                            topic="eos-in-" + case))
    return str(p)


def start(broker, path, state):
    return subprocess.Popen([BROOK_BIN, "sql", "run", path, "-b", broker.bootstrap, "--state-dir", state],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_committed(bootstrap, topic, partitions):
    return [(m.key().decode(), json.loads(m.value()))
            for m in ck_read_to_end(bootstrap, topic, partitions, "read_committed")]


KEY_GROUPS = 16  # 'pipeline.max-parallelism' default: the repartition topic's partitions


def wait_committed(bootstrap, group, topic, at_least, proc, routed_at_least=0, timeout=60):
    """Polls the group's committed offsets until those of the source sum to at_least and those
    of the repartition topic (stage 2's progress, committed with the changelog's panes) to
    routed_at_least; returns both sums, or None when proc finished first."""
    # read_uncommitted: librdkafka then asks without RequireStable, so offsets pending in the
    # killed worker's open transaction do not hold the answer back until that transaction is
    # fenced or times out; what is committed (stable) is what this test wants.
    # The job's consumer group is brook-sql-<properties.group.id> (docs/sql-scale-out.md).
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "brook-sql-" + group, "enable.auto.commit": False,
                  "isolation.level": "read_uncommitted"})
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTS)]
        routed = [TopicPartition("brook-sql-%s-repartition" % group, g) for g in range(KEY_GROUPS)]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = c.committed(tps + routed, timeout=5)
            done = sum(max(tp.offset, 0) for tp in got[:PARTS])
            done_routed = sum(max(tp.offset, 0) for tp in got[PARTS:])
            if os.environ.get("BROOK_EOS_DEBUG"):
                print("%.3f committed %d source, %d routed" % (time.monotonic(), done, done_routed))
            if done >= at_least and done_routed >= routed_at_least:
                return done, done_routed
            if proc is not None and proc.poll() is not None:
                assert proc.returncode == 0, proc.stderr.read()
                return None  # finished first
            time.sleep(0.01)
        raise AssertionError("the group did not commit %d source and %d routed offsets in time" % (at_least, routed_at_least))
    finally:
        c.close()


def per_key(rows):
    d = collections.defaultdict(list)
    for k, v in rows:
        d[k].append((v["window_start"], v["n"], v["total"]))
    return d


def interrupted_run(broker, tmp_path, name, total, case):
    """kill -9 three times mid-job, then run to the end; (kills, restarts that resumed), or None
    when the job finished before a kill landed."""
    path = job_file(tmp_path, name, "100 ms", case)
    topic = "eos-in-" + case
    state = str(tmp_path / ("state-" + name))
    rng = random.Random()
    targets = [rng.uniform(lo, lo + 0.1) for lo in (0.05, 0.2, 0.35)]
    kills, resumed, done, logs = [], 0, (0, 0), []
    for target in targets:
        p = start(broker, path, state)
        # At least one transaction of this run committed source offsets and key-group progress
        # (so panes in the changelog): it resumed from the previous one, and the next restores.
        done = wait_committed(broker.bootstrap, name, topic, max(int(target * total), done[0] + 1), p, done[1] + 1)
        if done is None:
            return None
        time.sleep(rng.uniform(0, 0.05))  # anywhere in the next checkpoint, staged or not
        if p.poll() is not None:
            return None
        p.kill()
        p.wait()
        assert p.returncode == -9
        err = p.stderr.read()
        # Every start restores the key groups it was assigned from the changelog; a restart
        # after a kill finds the panes of the windows that were open at the committed checkpoint.
        resumed += kills != [] and re.search(r"restored [1-9][0-9]* panes", err) is not None
        logs.append(err)
        kills.append((round(target, 2), done))
        done = wait_committed(broker.bootstrap, name, topic, 0, None)  # what the kill left committed
    p = start(broker, path, state)
    _, err = p.communicate(timeout=240)
    assert p.returncode == 0, err
    resumed += re.search(r"restored [1-9][0-9]* panes", err) is not None
    logs.append(err)
    return kills, resumed, logs


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", ["tumble", "session"])
def test_exactly_once_survives_kill9(broker, tmp_path, case):
    total = produce_input(broker.bootstrap, "eos-in-" + case, events_for(case))
    create_topic(broker.bootstrap, "eos-a-out", 3)

    # Uninterrupted.
    t = time.monotonic()
    p = start(broker, job_file(tmp_path, "eos-a", "100 ms", case), str(tmp_path / "state-a"))
    _, err = p.communicate(timeout=240)
    assert p.returncode == 0, err
    clean_s = time.monotonic() - t

    # Killed three times, each once the job has committed a random share of the input since the
    # previous kill (so every restart resumes from a transaction) and while it is still running.
    # A loaded machine can let a run finish before its kill lands: then the whole interrupted run
    # starts over with a new group, sink and state (up to 3 attempts).
    for attempt in range(3):
        name = "eos-b%d" % attempt
        create_topic(broker.bootstrap, name + "-out", 3)
        outcome = interrupted_run(broker, tmp_path, name, total, case)
        if outcome is not None:
            break
    else:
        raise AssertionError("in 3 attempts the job always finished before a kill landed")
    kills, resumed, logs = outcome
    assert resumed == 3, "only %d restart(s) resumed from a checkpoint:\n%s" % (resumed, "\n".join(logs))
    print("%s: clean run %.2f s, %s: kills at (share, offsets committed) %s" % (case, clean_s, name, kills))

    a = read_committed(broker.bootstrap, "eos-a-out", 3)
    b = read_committed(broker.bootstrap, name + "-out", 3)
    assert sum(v["n"] for _, v in a) == total
    assert len(a) > 0
    assert collections.Counter(json.dumps(r, sort_keys=True) for r in a) == \
        collections.Counter(json.dumps(r, sort_keys=True) for r in b), "kills at %s s" % kills
    assert per_key(a) == per_key(b)
