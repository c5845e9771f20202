"""Churn audit of a cooperative-sticky consumer group (issue 16, last item of "Found by attacking a
running broker"): 20 members, one leaving (close(), a LeaveGroup) and a fresh one joining in its
place every ~0.5 s while a producer runs; each member processes a batch and then commits it
synchronously. At the end a fresh member drains from the group's committed offsets.

What it proves:
- no skips: every acknowledged record was delivered to some member at least once (a skip is the
  symptom seen once: a member's position jumped from the committed offset to about the log end);
- Brook answers committed offsets exactly as committed: after the run, the group's committed offset
  of every partition is a value some member's synchronous commit got success for;
- each skip, if any, is reported with its cause: the member that jumped, the offset it first got
  after its assignment, and what the group had committed for that partition just before.

Finding (librdkafka 2.0.2, Debian's; debug=cgrp,fetch logs): the skip is the client's, not
Brook's. A member that kept its partition through an incremental rebalance ("0 newly added, 0
revoked") had fetched records 76..94 onto its fetch queue (op version v6); librdkafka then logged
"Pausing fetchers for 1 assigned partition(s): incremental rebalance" and "Resuming fetchers ...:
incremental assign called" (v8), dropped the v6 records as outdated, and fetched on at 95, the
next *fetch* offset, instead of the application's position 76. No OffsetFetch was sent for it, no
Fetch answered an error, no offset reset happened: every Brook answer was right. This is
librdkafka's documented 2.0.0 known issue "Poor Consumer batch API messaging guarantees"
(rd_kafka_consume_batch_queue, i.e. Python's consume(num_messages>1), with pause/resume/
rebalancing: "some of the messages might be lost"), fixed in librdkafka v2.1.0 (#4208: batch
consume "intermittently skipping offsets when pause or resume was being used for a partition").
So the members here take records with single-record poll(), which that bug does not touch, and
the test asserts zero skips; BROOK_CHURN_BATCH=1 switches to consume(num_messages=200) to show
the client bug (it then reports the skips with their cause and fails).

`make test` runs ~25 s of churn (bounded well under 60 s); BROOK_CHURN_FULL=1 runs 120 s of churn.
BROOK_CHURN_DEBUG=<dir> writes each member's librdkafka `debug=cgrp,fetch` log there, to see what
the client asked (OffsetFetch, Fetch) and what Brook answered.
"""
import logging
import os
import random
import threading
import time
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from clients import create_topic

FULL = os.environ.get("BROOK_CHURN_FULL") == "1"
CHURN_S = 120 if FULL else 25
MEMBERS = 20
PARTITIONS = 10
CHURN_EVERY_S = 0.5
PRODUCE_PER_S = 300
DEBUG_DIR = os.environ.get("BROOK_CHURN_DEBUG")
BATCH = os.environ.get("BROOK_CHURN_BATCH") == "1"


class Audit:
    """Everything the members saw, under one lock (members run in threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = defaultdict(set)        # partition -> offsets the producer got acks for
        self.delivered = defaultdict(set)    # partition -> offsets delivered to any member
        self.commits = defaultdict(list)     # partition -> [(t_done, offset)] successful commits
        self.first_after_assign = []         # (member, partition, first offset, committed before)
        self.jumps = []                      # (member, partition, delivered, next delivered) with a hole
        self.commit_errors = defaultdict(int)
        self.errors = []

    def committed_before(self, p, t):
        c = [o for (td, o) in self.commits[p] if td <= t]
        return max(c) if c else None


def member_conf(bs, group, n):
    conf = {"bootstrap.servers": bs, "group.id": group, "auto.offset.reset": "earliest",
            "enable.auto.commit": False, "partition.assignment.strategy": "cooperative-sticky",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100,
            "enable.partition.eof": False, "client.id": f"churn-{n}"}
    if DEBUG_DIR:
        log = logging.getLogger(f"churn-{n}")
        log.setLevel(logging.DEBUG)
        log.propagate = False  # to the file only, not into pytest's captured output
        h = logging.FileHandler(os.path.join(DEBUG_DIR, f"member-{n}.log"))
        h.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(h)
        conf.update({"debug": "cgrp,fetch", "logger": log})
    return conf


def take(c):
    """Up to 200 records or 0.2 s worth. Single-record poll() by default: librdkafka 2.0.x's batch
    consume (consume(num_messages>1), rd_kafka_consume_batch_queue) loses records fetched before a
    pause/resume, and every cooperative rebalance pauses and resumes the whole assignment (see the
    module docstring); BROOK_CHURN_BATCH=1 uses it to show that client bug."""
    if BATCH:
        return c.consume(num_messages=200, timeout=0.2)
    out, end = [], time.monotonic() + 0.2
    while len(out) < 200 and time.monotonic() < end:
        m = c.poll(0.05)
        if m is not None:
            out.append(m)
        elif out:
            break
    return out


def run_member(n, bs, group, topic, audit, stop, joined):
    """One member's life: join, process-then-commit until `stop`, then close (leave)."""
    c = Consumer(member_conf(bs, group, n))
    fresh = set()  # partitions assigned and not yet delivered from since this assignment
    last = {}      # partition -> last offset delivered to this member in its current ownership

    def on_assign(_c, parts):
        fresh.update(tp.partition for tp in parts)
        joined.set()

    def on_revoke(_c, parts):
        fresh.difference_update(tp.partition for tp in parts)
        for tp in parts:
            last.pop(tp.partition, None)

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
    try:
        # librdkafka < 2.3.0 aborts the process (assertion `assignor_state', librdkafka #4312, fixed
        # by #4381) when a cooperative-sticky member closes before its first assignment: a member
        # told to stop first waits (bounded) for that assignment.
        give_up = None
        while True:
            if stop.is_set():
                if joined.is_set():
                    break
                give_up = give_up or time.monotonic() + 20
                if time.monotonic() > give_up:
                    break
            msgs = take(c)
            if not msgs:
                continue
            done_upto = {}
            now = time.monotonic()
            with audit.lock:
                for m in msgs:
                    if m.error():
                        if m.error().code() != KafkaError._PARTITION_EOF:
                            audit.errors.append(f"member {n}: {m.error()}")
                        continue
                    p, o = m.partition(), m.offset()
                    if p in fresh:
                        fresh.discard(p)
                        audit.first_after_assign.append((n, p, o, audit.committed_before(p, now)))
                    # Offsets are dense (idempotent producer, no transactions): a hole inside one
                    # ownership is records this member's client never handed over.
                    if p in last and o > last[p] + 1:
                        audit.jumps.append((n, p, last[p], o))
                    last[p] = o
                    audit.delivered[p].add(o)
                    done_upto[p] = max(done_upto.get(p, -1), o)
            if not done_upto:
                continue
            try:
                res = c.commit(offsets=[TopicPartition(topic, p, o + 1) for p, o in done_upto.items()],
                               asynchronous=False)
            except Exception as e:  # rebalance in progress, illegal generation: the next owner redoes it
                with audit.lock:
                    audit.commit_errors[str(e)[:80]] += 1
                continue
            done = time.monotonic()
            with audit.lock:
                for tp in res or []:
                    if tp.error:
                        audit.commit_errors[str(tp.error)[:80]] += 1
                    else:
                        audit.commits[tp.partition].append((done, tp.offset))
    finally:
        c.close()


def produce(bs, topic, audit, stop):
    p = Producer({"bootstrap.servers": bs, "acks": "all", "linger.ms": 5,
                  "enable.idempotence": True})

    def cb(err, m):
        if err is None:
            with audit.lock:
                audit.acked[m.partition()].add(m.offset())

    i = 0
    while not stop.is_set():
        t0 = time.monotonic()
        for _ in range(PRODUCE_PER_S // 10):
            p.produce(topic, key=str(i).encode(), value=b"v%d" % i, on_delivery=cb)
            i += 1
        p.poll(0)
        time.sleep(max(0.0, 0.1 - (time.monotonic() - t0)))
    assert p.flush(30) == 0, "producer could not deliver everything"


def gaps(offsets, acked):
    """Acked offsets not in `offsets`, as [first, last] runs."""
    missing = sorted(acked - offsets)
    runs = []
    for o in missing:
        if runs and runs[-1][1] == o - 1:
            runs[-1][1] = o
        else:
            runs.append([o, o])
    return runs


@pytest.mark.slow
@pytest.mark.timeout(CHURN_S + 150)
def test_cooperative_sticky_churn_skips_nothing(broker, tmp_path):
    bs = broker.bootstrap
    topic, group = "churn", "churn-group"
    create_topic(bs, topic, partitions=PARTITIONS)
    audit = Audit()
    stop_prod = threading.Event()
    prod = threading.Thread(target=produce, args=(bs, topic, audit, stop_prod), daemon=True)
    prod.start()

    members = {}  # n -> (thread, stop event, joined event)
    next_n = 0

    def start_member():
        nonlocal next_n
        ev, joined = threading.Event(), threading.Event()
        t = threading.Thread(target=run_member, args=(next_n, bs, group, topic, audit, ev, joined),
                             daemon=True)
        members[next_n] = (t, ev, joined)
        next_n += 1
        t.start()

    for _ in range(MEMBERS):
        start_member()
    rng = random.Random(16)
    start = time.monotonic()
    deadline = start + CHURN_S
    leaves = 0
    tick = 0
    while time.monotonic() < deadline:
        tick += 1  # on a fixed schedule, so a slow iteration does not stretch the churn period
        time.sleep(max(0.0, start + tick * CHURN_EVERY_S - time.monotonic()))
        ready = sorted(n for n, (_, _, j) in members.items() if j.is_set())
        if not ready:
            continue
        victim = rng.choice(ready)
        members.pop(victim)[1].set()  # it closes (LeaveGroup) on its own thread
        leaves += 1
        start_member()
    stop_prod.set()
    prod.join(60)
    for _, ev, _ in members.values():
        ev.set()
    for t, _, _ in list(members.values()):
        t.join(30)

    # Drain: a fresh member resumes every partition from Brook's committed offsets.
    with audit.lock:
        acked_total = sum(len(s) for s in audit.acked.values())
    drain = Consumer(member_conf(bs, group, "drain"))
    committed = {tp.partition: tp.offset for tp in drain.committed(
        [TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=20)}
    drain.subscribe([topic])
    end = time.monotonic() + 40
    while time.monotonic() < end:
        for m in drain.consume(num_messages=500, timeout=0.5):
            if not m.error():
                audit.delivered[m.partition()].add(m.offset())
        if all(audit.acked[p] <= audit.delivered[p] for p in range(PARTITIONS)):
            break
    drain.close()

    skipped = {p: gaps(audit.delivered[p], audit.acked[p]) for p in range(PARTITIONS)}
    skipped = {p: g for p, g in skipped.items() if g}
    n_skipped = sum(b - a + 1 for g in skipped.values() for a, b in g)
    print(f"\n[churn] {CHURN_S}s, {leaves} leaves, {acked_total} acked, "
          f"{sum(len(v) for v in audit.commits.values())} commits ok, "
          f"commit errors {dict(audit.commit_errors)}, skipped {n_skipped}")

    causes = []
    for p, runs in skipped.items():
        for a, b in runs:
            inside = [f"member {n} delivered {x} then {y} with no revoke between (its client dropped "
                      f"fetched records)" for (n, pp, x, y) in audit.jumps if pp == p and x < a and y > b]
            # Or a member's first delivery after an assignment started past the committed offset.
            start = [f"member {n} started at {o} after an assignment, committed then {cb}"
                     for (n, pp, o, cb) in audit.first_after_assign if pp == p and o > b
                     and (cb is None or cb <= a)]
            causes.append(f"p{p} [{a}..{b}] ({b - a + 1} records): "
                          f"{(inside + start)[:2] or 'no member jumped it'}")
    assert not audit.errors, audit.errors
    assert not skipped, "acknowledged records never delivered:\n" + "\n".join(causes)

    # Brook answers what was committed: every partition's committed offset is one that a member's
    # commit was acknowledged for (or, for a partition nobody committed, none).
    for p in range(PARTITIONS):
        ok = {o for _, o in audit.commits[p]}
        if ok:
            assert committed[p] in ok, f"p{p}: committed {committed[p]} was never acknowledged ({sorted(ok)[-5:]})"
        else:
            assert committed[p] < 0, f"p{p}: committed {committed[p]} with no commit acknowledged"
