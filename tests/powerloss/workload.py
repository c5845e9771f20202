"""The clients that run against the broker between two power cuts, and the ledger of what the
broker acknowledged (which must survive every later cut).

One `Workload` per power-on period: an idempotent acks=all producer (topic `pl`), a plain
acks=1 producer (`pl1`), a consumer committing its position synchronously (group `plg`,
offsets-only commits through assign(), so no rebalance waits on the previous period's member;
a subprocess, committer.py),
and an admin client creating one topic and deleting the one created before. Each thread records
only what the broker answered successfully; `stop()` (called after the broker was killed)
purges whatever was still in flight.
"""
import concurrent.futures
import os
import random
import subprocess
import sys
import threading
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

TOPIC_ALL, TOPIC_ONE, GROUP = "pl", "pl1", "plg"
PARTITIONS = 3
HERE = os.path.dirname(os.path.abspath(__file__))
QUIET = {"log_level": 0, "logger": lambda *a: None}


class Ledger:
    """What the broker acknowledged, across all periods."""

    def __init__(self):
        self.lock = threading.Lock()
        self.all_acks = {}          # (partition, offset) -> value, acks=all
        self.one_acks = []          # values, acks=1 (a cut may lose them, and their offsets are reused)
        self.commits = {}           # partition -> highest acknowledged committed offset
        self.topics = set()         # acknowledged creates not (yet) deleted
        self.deleted = set()        # acknowledged deletes
        self.uncertain = set()      # delete sent, no answer before the cut: either outcome is right
        self.creates = self.deletes = self.commit_acks = 0


class Workload:
    def __init__(self, bootstrap, ledger, period, rng, workdir, commit_topic=TOPIC_ALL):
        self.bootstrap, self.ledger, self.period = bootstrap, ledger, period
        self.rng = random.Random(rng.random())
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self.produce_all, self.produce_one, self.topics)]
        self.report = os.path.join(workdir, f"commits-{period}.txt")
        self.committer = None
        self.commit_topic = commit_topic
        self.errors = []

    def start(self):
        self.commit()
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        self.committer.kill()
        self.committer.wait()
        with self.ledger.lock:
            self._read_commits()
        for t in self.threads:
            t.join(timeout=30)
            assert not t.is_alive(), "a workload thread did not stop"
        assert not self.errors, self.errors[:3]

    def _guard(self, body):
        try:
            body()
        except Exception as e:  # a bug in the workload itself, not a broker answer
            self.errors.append(repr(e))

    def _produce(self, conf, topic, record):
        p = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 2, **conf, **QUIET})

        def on_delivery(err, msg):
            if err is None:
                with self.ledger.lock:
                    record(msg)

        n = 0
        while not self.stopping.is_set():
            for _ in range(20):
                try:
                    p.produce(topic, f"{self.period}-{n}".encode(), partition=n % PARTITIONS,
                              on_delivery=on_delivery)
                    n += 1
                except BufferError:
                    break
            p.poll(0.01)
            time.sleep(0.01)  # ~2,000 records/s: the full checks read everything back
        p.purge()
        p.flush(2)

    def produce_all(self):
        self._guard(lambda: self._produce({"enable.idempotence": True, "acks": "all"}, TOPIC_ALL,
                                          lambda m: self.ledger.all_acks.__setitem__((m.partition(), m.offset()),
                                                                                     m.value().decode())))

    def produce_one(self):
        self._guard(lambda: self._produce({"acks": "1", "retries": 0}, TOPIC_ONE,
                                          lambda m: self.ledger.one_acks.append(m.value().decode())))

    def commit(self):
        """Runs committer.py as a subprocess (see there), killed by stop()."""
        self.committer = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "committer.py"), self.bootstrap, GROUP, self.commit_topic,
             str(PARTITIONS), self.report], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _read_commits(self):
        if not os.path.exists(self.report):
            return
        with open(self.report) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "C" and line.endswith("\n"):
                    p, o = int(parts[1]), int(parts[2])
                    self.ledger.commits[p] = max(self.ledger.commits.get(p, 0), o)
                    self.ledger.commit_acks += 1
        os.unlink(self.report)

    def _wait(self, fut):
        """The admin request's answer; raises once the cut came first (no answer will come)."""
        while True:
            try:
                return fut.result(timeout=0.02)
            except concurrent.futures.TimeoutError:
                if self.stopping.is_set():
                    raise

    def topics(self):
        def body():
            time.sleep(self.rng.uniform(0, 0.2))
            a = AdminClient({"bootstrap.servers": self.bootstrap, **QUIET})
            name = f"tmp-{self.period}"
            try:
                self._wait(a.create_topics([NewTopic(name, 1, 1)], operation_timeout=5)[name])
                with self.ledger.lock:
                    self.ledger.topics.add(name)
                    self.ledger.creates += 1
            except Exception:
                return
            with self.ledger.lock:
                older = sorted(t for t in self.ledger.topics if t != name)
            for old in older:
                if self.stopping.is_set():
                    return
                with self.ledger.lock:
                    self.ledger.topics.discard(old)
                    self.ledger.uncertain.add(old)
                try:
                    self._wait(a.delete_topics([old], operation_timeout=5)[old])
                except Exception:
                    return
                with self.ledger.lock:
                    self.ledger.uncertain.discard(old)
                    self.ledger.deleted.add(old)
                    self.ledger.deletes += 1
        self._guard(body)
