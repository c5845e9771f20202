"""Power cuts under load: the broker runs on brook_powerfs; at a random point it is killed
(SIGKILL) and every write it had not fsynced is dropped (all of them, or all but a random subset
and a torn last page), then it is restarted. After each restart the broker must have started
and kept everything it acknowledged:

- every acks=all record it acknowledged, at its acknowledged offset, exactly once and in order
  (full check every CHECK_EVERY cuts and at the end; the log end is checked after every cut);
- every committed offset it acknowledged (group `plg`), at least that high;
- every topic whose create it acknowledged and did not (acknowledgedly) delete, and none it
  acknowledged deleting.

acks=1 records may be lost by a cut (they were acknowledged before the fsync); their count is
reported, not asserted. Segments are small (16 KiB) so cuts land around rolls, and the offsets
topic's segments are tiny (2 KiB) and the log cleaner looks every 100 ms, so cuts land around
its cleaning passes (writing `.cleaned`, the swap) too.

`make test` runs CUTS (300 in all); BROOK_POWERLOSS_SOAK=1 runs 3,300 (BROOK_POWERLOSS_CUTS and
BROOK_POWERLOSS_HWM_CUTS set the counts); BROOK_POWERLOSS_SEED replays a run (the seed is printed).
"""
import os
import random
import time
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from brookfixture import Broker
from workload import GROUP, PARTITIONS, QUIET, TOPIC_ALL, TOPIC_ONE, Ledger, Workload

SOAK = os.environ.get("BROOK_POWERLOSS_SOAK") == "1"
# Cuts per mode in `make test` (drop-all gets most: it is the one that runs to the end on main).
CUTS = {"drop": 170, "subset": 100}
if SOAK:
    CUTS = {"drop": 1500, "subset": 1500}
if os.environ.get("BROOK_POWERLOSS_CUTS"):
    CUTS = {m: int(os.environ["BROOK_POWERLOSS_CUTS"]) for m in CUTS}
HWM_CUTS = int(os.environ.get("BROOK_POWERLOSS_HWM_CUTS", 300 if SOAK else 30))
CHECK_EVERY = 15
SETS = {"schema.registry.enable": "false", "log.segment.bytes": 16384,
        "offsets.topic.segment.bytes": 2048, "log.cleaner.backoff.ms": 100}
OFFSETS_CLEANED = "cleaner: __consumer_offsets/0:"  # a pass of the log cleaner over the offsets topic
MODES = {
    "drop": lambda rng: dict(keep=0.0, tear=False),
    "subset": lambda rng: dict(keep=rng.choice([0.1, 0.5, 0.9]), tear=rng.random() < 0.7),
}


def consumer(bootstrap, group="powerloss-check"):
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                     "enable.partition.eof": False, "fetch.wait.max.ms": 50, **QUIET})


def read_all(bootstrap, topic, timeout=60):
    """Every record of `topic` as {partition: [(offset, value)]} plus the log end offsets."""
    c = consumer(bootstrap)
    try:
        ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(PARTITIONS)}
        starts = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[0] for p in range(PARTITIONS)}
        c.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
        got = defaultdict(list)
        want = sum(ends[p] - starts[p] for p in ends)
        n = 0
        deadline = time.monotonic() + timeout
        while n < want and time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.2):
                assert m.error() is None, f"{topic}: consumer error {m.error()}"
                got[m.partition()].append((m.offset(), m.value().decode()))
                n += 1
        assert n == want, f"{topic}: read {n} of {want} records (log ends {ends})"
        return got, ends
    finally:
        c.close()


class Checker:
    def __init__(self, ledger, commit_topic):
        self.ledger, self.commit_topic = ledger, commit_topic
        self.checked = self.lost = 0

    def after_restart(self, bootstrap, cut):
        """Cheap checks after every cut: log ends cover the acks, commits and topics are there."""
        led = self.ledger
        c = consumer(bootstrap, GROUP)
        try:
            with led.lock:
                acked_end = defaultdict(int)
                for (p, o) in led.all_acks:
                    acked_end[p] = max(acked_end[p], o + 1)
                commits = dict(led.commits)
            for p in range(PARTITIONS):
                end = c.get_watermark_offsets(TopicPartition(TOPIC_ALL, p), timeout=10)[1]
                assert end >= acked_end[p], (f"cut {cut}: {TOPIC_ALL}/{p} ends at {end} but offset "
                                             f"{acked_end[p] - 1} was acknowledged (acks=all)")
            got = c.committed([TopicPartition(self.commit_topic, p) for p in range(PARTITIONS)], timeout=10)
            for tp in got:
                want = commits.get(tp.partition)
                if want is not None:
                    assert tp.offset >= want, (f"cut {cut}: group {GROUP} {self.commit_topic}/{tp.partition} committed "
                                               f"{tp.offset}, but {want} was acknowledged")
        finally:
            c.close()
        md = AdminClient({"bootstrap.servers": bootstrap, **QUIET}).list_topics(timeout=10)
        present = {t for t, m in md.topics.items() if m.error is None}
        with led.lock:
            missing = led.topics - present
            back = led.deleted & present
            for t in led.uncertain:
                (led.topics if t in present else led.deleted).add(t)
            led.uncertain.clear()
        assert not missing, f"cut {cut}: acknowledged topic creates lost: {sorted(missing)}"
        assert not back, f"cut {cut}: acknowledged topic deletes undone: {sorted(back)}"

    def full(self, bootstrap, cut):
        """Every acks=all ack at its offset, no value twice, each period's values in order."""
        got, ends = read_all(bootstrap, TOPIC_ALL)
        by_pos = {p: dict(recs) for p, recs in got.items()}
        with self.ledger.lock:
            acks = dict(self.ledger.all_acks)
        lost = [(p, o, v, by_pos.get(p, {}).get(o)) for (p, o), v in acks.items() if by_pos.get(p, {}).get(o) != v]
        self.checked, self.lost = len(acks), len(lost)
        assert not lost, f"cut {cut}: {len(lost)} of {len(acks)} acknowledged records lost/moved, e.g. {lost[:5]}"
        values = [v for recs in got.values() for _, v in recs]
        assert len(values) == len(set(values)), f"cut {cut}: a record is in the log twice"
        for p, recs in got.items():
            last = {}
            for o, v in recs:
                period, n = map(int, v.split("-"))
                assert n % PARTITIONS == p, f"cut {cut}: {v} in partition {p}"
                assert last.get(period, -1) < n, f"cut {cut}: partition {p} out of order at offset {o} ({v})"
                last[period] = n
        return ends


def run_cuts(powerfs, tmp_path, mode, cuts, rng, after_restart=None, commit_topic=TOPIC_ALL):
    """Starts the broker on `powerfs`, then `cuts` times: run the workload for a random moment,
    kill -9, cut the power (MODES[mode]), restart and check. Returns (broker, ledger, checker)."""
    b = Broker(powerfs.mnt / "data", tmp_path / "logs", smp=2, sets=SETS)
    led = Ledger()
    chk = Checker(led, commit_topic)
    b.start()
    admin = AdminClient({"bootstrap.servers": b.bootstrap, **QUIET})
    for t in (TOPIC_ALL, TOPIC_ONE):
        admin.create_topics([NewTopic(t, PARTITIONS, 1)])[t].result(timeout=15)
    powerfs.command("sync")  # the starting point is on disk
    try:
        for cut in range(1, cuts + 1):
            w = Workload(b.bootstrap, led, cut, rng, str(tmp_path), commit_topic).start()
            time.sleep(rng.uniform(0.03, 0.4))
            b.kill9()
            powerfs.cut(seed=rng.randrange(1 << 30), **MODES[mode](rng))
            w.stop()
            b.start()  # raises if the broker does not come back
            chk.after_restart(b.bootstrap, cut)
            if after_restart:
                after_restart(b, cut)
            if cut % CHECK_EVERY == 0 or cut == cuts:
                chk.full(b.bootstrap, cut)
    except BaseException:
        b.close()
        raise
    return b, led, chk


def seeded():
    seed = int(os.environ.get("BROOK_POWERLOSS_SEED", random.randrange(1 << 30)))
    return seed, random.Random(seed)


@pytest.mark.powerloss
@pytest.mark.timeout(3600 if SOAK else 300)
# "subset" failed on main before the recovery point (h16-durability): a cut that persisted a later
# page of the active segment but not an earlier one left a zero hole below the last index entry,
# which recovery did not CRC-check and producer-state replay refused ("cannot open partition
# pl1/N: CORRUPT_MESSAGE", the broker did not start), within the first 1-3 cuts of every run.
@pytest.mark.parametrize("mode", list(MODES))
def test_power_cuts_keep_every_acknowledged_write(powerfs, tmp_path, capsys, mode):
    seed, rng = seeded()
    began = time.monotonic()
    b, led, chk = run_cuts(powerfs, tmp_path, mode, CUTS[mode], rng)
    try:
        one, _ = read_all(b.bootstrap, TOPIC_ONE)
        one_values = {v for recs in one.values() for _, v in recs}
        one_lost = sum(1 for v in led.one_acks if v not in one_values)
        logs = b.log_text(all_runs=True)
        segs = len(list((b.data_dir / TOPIC_ALL).rglob("*.log")))
        with capsys.disabled():
            print(f"\npowerloss[{mode}] seed={seed}: {CUTS[mode]} cuts in {time.monotonic() - began:.0f}s; "
                  f"acks=all records checked {chk.checked} lost {chk.lost}; "
                  f"committed offsets acknowledged {led.commit_acks} (last per partition checked after every cut) lost 0; "
                  f"topics created {led.creates} deleted {led.deletes}; "
                  f"acks=1 acknowledged {len(led.one_acks)} lost {one_lost} (allowed); "
                  f"{segs} segments of {TOPIC_ALL}, offsets topic cleaning passes {logs.count(OFFSETS_CLEANED)}")
        assert chk.checked > 1000 and led.commit_acks > 50 and led.creates > 10
        assert segs > PARTITIONS, "segments should have rolled"
        assert OFFSETS_CLEANED in logs, "the log cleaner should have cleaned the offsets topic"
    finally:
        b.close()


@pytest.mark.powerloss
@pytest.mark.timeout(3600 if SOAK else 300)
def test_consumers_only_see_durable_records(powerfs, tmp_path, capsys):
    """With the high watermark at the durable offset, a committed offset never passes the log
    end that survives a cut. The group consumes the acks=1 topic here: its records stay unsynced
    longest, so a consumer that may read them commits past the surviving end at once."""
    seed, rng = seeded()
    beyond = []

    def check(b, cut):
        c = consumer(b.bootstrap, GROUP)
        try:
            got = c.committed([TopicPartition(TOPIC_ONE, p) for p in range(PARTITIONS)], timeout=10)
            for tp in got:
                end = c.get_watermark_offsets(TopicPartition(TOPIC_ONE, tp.partition), timeout=10)[1]
                if tp.offset > end:
                    beyond.append((cut, tp.partition, tp.offset, end))
        finally:
            c.close()

    b, led, chk = run_cuts(powerfs, tmp_path, "drop", HWM_CUTS, rng, check, commit_topic=TOPIC_ONE)
    b.close()
    with capsys.disabled():
        print(f"\npowerloss[durable-hwm] seed={seed}: {HWM_CUTS} cuts; committed offsets past the "
              f"surviving log end: {len(beyond)} {beyond[:3]}")
    assert not beyond, f"{len(beyond)} committed offsets past the log end after a cut, e.g. {beyond[:3]}"
