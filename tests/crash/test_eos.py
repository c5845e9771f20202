"""Exactly once through crashes: a consume-transform-produce loop (eos_app.py) over 10,000
records, the application killed with SIGKILL twice at random points and the broker once, must
leave exactly one committed output per input, visible to a read_committed consumer."""
import collections
import os
import random
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from brookfixture import Broker  # noqa: E402
from clients import create_topic  # noqa: E402

INPUTS = 10_000
PARTITIONS = 3


class App:
    """The application process; restarted whenever it dies or is killed."""

    def __init__(self, bootstrap, log_dir):
        self.bootstrap = bootstrap
        self.log_dir = log_dir
        self.proc = None
        self.starts = 0
        self.kills = 0

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.log_dir, f"app-{self.starts}.log"), "wb")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "eos_app.py"), self.bootstrap,
                                      "eos-in", "eos-out", "eos-group", "eos-app"],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def ensure_running(self):
        if self.proc.poll() is not None:
            self.start()

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)
        self.kills += 1

    def committed_so_far(self):
        path = os.path.join(self.log_dir, f"app-{self.starts}.log")
        lines = [ln for ln in open(path, errors="replace").read().splitlines() if ln.startswith("committed ")]
        return int(lines[-1].split()[1]) if lines else 0


def group_lag(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "eos-group"})
    try:
        tps = c.committed([TopicPartition("eos-in", p) for p in range(PARTITIONS)], timeout=10)
        lag = 0
        for tp in tps:
            _, hi = c.get_watermark_offsets(TopicPartition("eos-in", tp.partition), timeout=10)
            lag += hi - max(tp.offset, 0)
        return lag
    finally:
        c.close()


def read_outputs(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "eos-check", "isolation.level": "read_committed",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition("eos-out", p, 0) for p in range(PARTITIONS)])
    out, eof = [], set()
    deadline = time.monotonic() + 60
    while len(eof) < PARTITIONS and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add(m.partition())
            continue
        out.append(m.value().decode())
    c.close()
    return out


@pytest.mark.crash
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_exactly_once_through_app_and_broker_crashes(tmp_path):
    rng = random.Random(os.environ.get("BROOK_EOS_SEED", time.time_ns()))
    b = Broker(tmp_path / "data", tmp_path / "logs", smp=2, sets={"group.initial.rebalance.delay.ms": 0})
    b.start()
    app = App(b.bootstrap, str(tmp_path))
    try:
        create_topic(b.bootstrap, "eos-in", partitions=PARTITIONS)
        create_topic(b.bootstrap, "eos-out", partitions=PARTITIONS)
        p = Producer({"bootstrap.servers": b.bootstrap, "enable.idempotence": True, "linger.ms": 5})
        for i in range(INPUTS):
            p.produce("eos-in", key=str(i % 97).encode(), value=f"in-{i}".encode())
            if i % 1000 == 0:
                p.poll(0)
        assert p.flush(30) == 0

        app.start()
        # app kill 1, broker kill, app kill 2: each once the group has committed a random amount
        # of the input, then a random few ms later, so kills land inside transactions too
        plan = [("app", rng.randint(1000, 3000)), ("broker", rng.randint(4000, 6000)), ("app", rng.randint(7000, 9000))]
        for event, at in plan:
            deadline = time.monotonic() + 120
            while INPUTS - group_lag(b.bootstrap) < at and time.monotonic() < deadline:
                app.ensure_running()
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 0.2))
            if event == "app":
                app.kill9()
                app.start()
            else:
                b.restart(graceful=False)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            app.ensure_running()
            if group_lag(b.bootstrap) == 0:
                break
            time.sleep(0.5)
        assert group_lag(b.bootstrap) == 0, "the application did not catch up"
        app.kill9()

        outputs = read_outputs(b.bootstrap)
        per_input = collections.Counter(v.split(":", 2)[2] for v in outputs)
        missing = [f"in-{i}" for i in range(INPUTS) if per_input[f"in-{i}"] == 0]
        dupes = {k: n for k, n in per_input.items() if n > 1}
        assert not missing, f"{len(missing)} inputs without output, e.g. {missing[:5]}"
        assert not dupes, f"{len(dupes)} inputs with several outputs, e.g. {list(dupes.items())[:5]}"
        assert len(outputs) == INPUTS
        assert app.kills >= 3  # the two planned kills and the final stop
    finally:
        if app.proc and app.proc.poll() is None:
            app.kill9()
        b.close()
