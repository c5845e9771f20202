"""`brook sql status` and `brook sql run --metrics-addr`: two workers of an exactly-once windowed
job are seen in the job's consumer group (key groups, source partitions, lag, each worker's
advertised metrics endpoint), and each worker's /metrics is Prometheus text that
`promtool check metrics` accepts, with the job's numbers in it."""
import json
import random
import re
import shutil
import subprocess
import time
import urllib.request

import pytest

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, create_topic
from test_sql_scale import JOB, PARTS, TUMBLE, Worker, phase_events, wait_committed, workers  # noqa: F401 (fixture)


def status(broker, *args):
    return subprocess.run([BROOK_BIN, "sql", "status", "-b", broker.bootstrap, *args], capture_output=True, text=True,
                          timeout=30)


def metrics_url(worker, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ln in worker.lines:
            m = re.search(r"metrics on (http://\S+/metrics)", ln)
            if m:
                return m.group(1)
        time.sleep(0.05)
    raise AssertionError("no metrics address in:\n" + "\n".join(worker.lines))


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def sample(text, name, **labels):
    for ln in text.splitlines():
        if ln.startswith(name + "{") and all('%s="%s"' % kv in ln for kv in labels.items()):
            return float(ln.rsplit(" ", 1)[1])
    return None


def metrics_worker(broker, path, state):
    return Worker(broker, path, state, extra=("--metrics-addr", "127.0.0.1:0"))


def test_status_and_metrics_of_two_workers(broker, tmp_path, workers):
    assert "no brook sql jobs" in status(broker).stdout
    create_topic(broker.bootstrap, "st-in", PARTS)
    create_topic(broker.bootstrap, "st-out", 3)
    job = tmp_path / "st.sql"
    job.write_text(JOB.format(topic="st-in", group="st", tvf=TUMBLE, bounded=""))
    ck_produce_all(ck_producer(broker.bootstrap), "st-in", phase_events(0, random.Random(1)))

    a = metrics_worker(broker, str(job), str(tmp_path / "a"))
    workers.append(a)
    a.wait_assigned(16)
    wait_committed(broker.bootstrap, "st", "st-in", 1500 * PARTS)
    b = metrics_worker(broker, str(job), str(tmp_path / "b"))
    workers.append(b)
    b.wait_assigned(8)
    a.wait_assigned(8)
    urls = {metrics_url(a), metrics_url(b)}
    rng = random.Random(2)
    ck_produce_all(ck_producer(broker.bootstrap), "st-in", phase_events(1, rng))  # both workers read and checkpoint
    wait_committed(broker.bootstrap, "st", "st-in", 2 * 1500 * PARTS)

    r = status(broker, "--format", "json")
    assert r.returncode == 0, r.stderr
    jobs = json.loads(r.stdout)["jobs"]
    assert [j["job"] for j in jobs] == ["st"]
    st = jobs[0]
    assert st["group"] == "brook-sql-st" and st["key_groups"] == 16
    assert len(st["workers"]) == 2
    assert sorted(len(w["key_groups"]) for w in st["workers"]) == [8, 8]
    assert sorted(kg for w in st["workers"] for kg in w["key_groups"]) == list(range(16))
    assert sorted(len(w["source_partitions"]) for w in st["workers"]) == [2, 2]
    assert {w["metrics"] for w in st["workers"]} == urls
    assert {x["topic"] for x in st["lag"]} == {"st-in", "brook-sql-st-repartition"}
    text = status(broker).stdout
    assert re.search(r"job st .* 2 worker\(s\)\s+16 key groups", text), text
    assert "key groups 0-7" in text and "key groups 8-15" in text, text

    for url in urls:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the workers publish about once a second
            m = scrape(url)
            if sample(m, "brook_sql_key_groups", job="1-out") == 8 and \
                    (sample(m, "brook_sql_checkpoint_duration_seconds_count", job="1-out") or 0) > 0 and \
                    (sample(m, "brook_sql_records_in_total", job="1-out") or 0) > 0 and "brook_sql_watermark_lag_seconds{" in m:
                break
            time.sleep(0.2)
        assert sample(m, "brook_sql_key_groups", job="1-out") == 8, m
        assert sample(m, "brook_sql_checkpoint_duration_seconds_count", job="1-out") > 0, m
        for fam in ("brook_sql_records_in_total", "brook_sql_rows_out_total", "brook_sql_late_rows_total",
                    "brook_sql_open_windows", "brook_sql_state_bytes"):
            assert sample(m, fam, job="1-out") is not None, fam
        assert "brook_sql_watermark_lag_seconds{" in m, m
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # published about once a second
        n = sum(sample(scrape(u), "brook_sql_records_in_total", job="1-out") for u in urls)
        if n >= 2 * 1500 * PARTS:
            break
        time.sleep(0.2)
    assert n == 2 * 1500 * PARTS

    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool missing (Debian package prometheus; scripts/install-deps.sh installs it)")
    r = subprocess.run([promtool, "check", "metrics"], input=scrape(next(iter(urls))).encode(), capture_output=True,
                       timeout=30)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    a.stop()
    b.stop()


def test_bad_metrics_address_and_unreachable_status(broker, tmp_path):
    job = tmp_path / "j.sql"
    job.write_text(JOB.format(topic="x-in", group="x", tvf=TUMBLE, bounded=""))
    r = subprocess.run([BROOK_BIN, "sql", "run", str(job), "-b", broker.bootstrap, "--metrics-addr", "nonsense"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "--metrics-addr nonsense: address 'nonsense' must be HOST:PORT" in r.stderr
    r = subprocess.run([BROOK_BIN, "sql", "status", "-b", "127.0.0.1:1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "cannot reach the brokers at 127.0.0.1:1" in r.stderr
    r = subprocess.run([BROOK_BIN, "sql", "status", "--format", "yaml"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "yaml" in r.stderr
