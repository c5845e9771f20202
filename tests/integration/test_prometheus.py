"""A real Prometheus scrapes a running Brook; its query API gives the group's true lag, and every
query of deploy/grafana/brook.json returns data.

Prometheus is Debian's package (/usr/bin/prometheus, installed by scripts/install-deps.sh),
started here on a free port with its TSDB in the test's tmp dir and a 1 s scrape interval over
the broker's admin /metrics. The lag it returns is checked against what confluent-kafka says
the group's consumer left behind: per partition, the high watermark minus the offset the
consumer committed, and in total exactly produced minus consumed. The test is skipped (saying
so) only where the prometheus binary is missing.
"""
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition

from brookfixture import free_port
from clients import ck_produce_all, ck_producer, create_topic
from groups_helpers import ck_group_consumer, consume_and_commit, poll_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "brook.json")
PROMETHEUS = os.environ.get("PROMETHEUS_BIN", "/usr/bin/prometheus")
SCRAPE_TIMEOUT_S = 20
READY_TIMEOUT_S = 60

CONFIG = """\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: brook
    static_configs:
      - targets: ["127.0.0.1:{admin_port}"]
"""


class Prometheus:
    """One prometheus process on a free port; every wait is bounded, close() always kills it."""

    def __init__(self, tmp, admin_port):
        self.port = free_port()
        self.dir = tmp
        (tmp / "prometheus.yml").write_text(CONFIG.format(admin_port=admin_port))
        self.log = open(tmp / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            cwd=tmp, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=READY_TIMEOUT_S):
        """Until /-/ready says 200: before its TSDB is open Prometheus answers every API call with
        503 Service Unavailable, for longer than a second on a loaded machine."""
        def ready():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=5) as r:
                    return r.status == 200
            except urllib.error.HTTPError as e:
                if e.code == 503:
                    return False
                raise
        self.wait("ready (/-/ready)", ready, timeout)

    def query(self, expr):
        """The result vector of an instant query (raises on an API error: a bad expression fails loudly)."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{expr!r}: HTTP {e.code} {e.read().decode()}") from None
        assert body["status"] == "success", body
        return body["data"]["result"]

    def wait(self, what, cond, timeout=SCRAPE_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"prometheus exited: {self.log_text()}"
            try:
                if cond():
                    return
            except (urllib.error.URLError, ConnectionError) as e:  # not listening yet
                last = e
            time.sleep(0.2)
        raise AssertionError(f"prometheus: {what} not within {timeout}s ({last}); log: {self.log_text()}")

    def log_text(self):
        self.log.flush()
        return (self.dir / "prometheus.log").read_text()[-2000:]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def prometheus_factory(tmp_path):
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip(f"{PROMETHEUS} missing (Debian package prometheus; scripts/install-deps.sh installs it)")
    made = []

    def make(admin_port):
        d = tmp_path / f"prometheus{len(made)}"
        d.mkdir()
        made.append(Prometheus(d, admin_port))
        made[-1].wait_ready()
        return made[-1]

    yield make
    for p in made:
        p.close()


def dashboard_exprs():
    """(panel title, expr) of every query target in the dashboard, rows' nested panels included."""
    with open(DASHBOARD) as f:
        dash = json.load(f)
    out = []

    def walk(panels):
        for p in panels:
            walk(p.get("panels", []))
            for t in p.get("targets", []):
                out.append((p["title"], t["expr"]))
    walk(dash["panels"])
    return dash, out


def substitute(expr, values):
    """Grafana's variables as Grafana would expand them for one selected value each."""
    for name, value in values.items():
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    left = re.findall(r"\$\{?\w+", expr)
    assert not left, f"unexpanded variables {left} in {expr!r}"
    return expr


def test_prometheus_scrapes_true_lag_and_every_dashboard_query_has_data(broker, prometheus_factory):
    topic, group, partitions, n, m = "prom-orders", "prom-group", 3, 300, 115
    create_topic(broker.bootstrap, topic, partitions=partitions)
    p = ck_producer(broker.bootstrap, **{"client.software.name": "brook-prom-test"})
    ck_produce_all(p, topic, [{"value": b"v%d" % i, "partition": i % partitions} for i in range(n)])

    c = ck_group_consumer(broker.bootstrap, group)
    consume_and_commit(c, topic, m)
    tps = [TopicPartition(topic, i) for i in range(partitions)]
    # A partition the consumer took nothing from has no committed offset, hence no lag series (as
    # in Kafka's tools); the consumer commits its position there (0) so all of n - m is counted.
    untouched = [TopicPartition(topic, tp.partition, 0) for tp in c.committed(tps, timeout=10) if tp.offset < 0]
    if untouched:
        c.commit(offsets=untouched, asynchronous=False)
    committed = {tp.partition: tp.offset for tp in c.committed(tps, timeout=10)}
    high = {i: c.get_watermark_offsets(TopicPartition(topic, i), timeout=10)[1] for i in range(partitions)}
    expected = {i: high[i] - committed[i] for i in range(partitions)}
    assert sum(high.values()) == n and sum(expected.values()) == n - m, (high, committed)

    # An error for the error panels: a fetch past the end is a per-partition OFFSET_OUT_OF_RANGE.
    lost = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "prom-lost",
                     "auto.offset.reset": "error", "enable.auto.commit": False})
    lost.assign([TopicPartition(topic, 0, n + 1000)])
    errors = []
    try:
        poll_until([lost], lambda: errors, timeout=15, on_msg=lambda _, msg: None)
    except KafkaException as e:  # poll_until raises the error it reads: that is the goal
        errors.append(e)
    lost.close()

    prom = prometheus_factory(broker.admin_port)
    prom.wait("the broker target up", lambda: any(r["value"][1] == "1" for r in prom.query('up{job="brook"}')))
    # rate() needs two samples in its range: wait for three scrapes of the lag series.
    prom.wait("three scrapes", lambda: any(
        float(r["value"][1]) >= 3
        for r in prom.query(f'count_over_time(brook_consumer_group_lag_records{{group="{group}"}}[1m])')))

    got = {int(r["metric"]["partition"]): float(r["value"][1])
           for r in prom.query(f'brook_consumer_group_lag_records{{group="{group}", topic="{topic}"}}')}
    assert got == expected, (got, expected)
    total = prom.query(f'sum(brook_consumer_group_lag_records{{group="{group}", topic="{topic}"}})')
    assert float(total[0]["value"][1]) == n - m
    seconds = prom.query(f'max(brook_consumer_group_lag_seconds{{group="{group}", topic="{topic}"}})')
    assert 0 < float(seconds[0]["value"][1]) < 600, seconds

    # Every dashboard query, its variables set to this test's topic and group; rate windows as
    # Grafana's $__rate_interval would be for a 1 s scrape interval (at least 4 scrapes).
    dash, exprs = dashboard_exprs()
    assert dash["schemaVersion"] >= 36 and len(exprs) >= 20
    variables = {v["name"] for v in dash["templating"]["list"]}
    assert {"DS_PROMETHEUS", "topic", "group"} <= variables
    # (names without regex metacharacters, so the value stands for itself inside `=~"..."`)
    assert re.fullmatch(r"[\w-]+", topic) and re.fullmatch(r"[\w-]+", group)
    values = {"topic": topic, "group": group,
              "__rate_interval": "1m", "__interval": "15s", "__range": "1h"}
    empty = []
    for title, expr in exprs:
        if not prom.query(substitute(expr, values)):
            empty.append((title, expr))
    c.close()
    assert not empty, f"dashboard queries without data: {empty}"
    # The check can fail: a misspelt metric gives an empty vector (not an error), bad syntax a 400.
    assert prom.query("sum by (topic) (rate(brook_topic_bytes_in_totl[1m]))") == []
    with pytest.raises(AssertionError, match="HTTP 400"):
        prom.query("sum by (topic) (rate(brook_topic_bytes_in_total[1m])")


def test_dashboard_panels_use_the_datasource_variable():
    dash, _ = dashboard_exprs()
    ids = []

    def walk(panels):
        for p in panels:
            ids.append(p["id"])
            walk(p.get("panels", []))
            if p["type"] != "row":
                assert p["datasource"]["uid"] == "${DS_PROMETHEUS}", p["title"]
                assert p["targets"] and all(t["datasource"]["uid"] == "${DS_PROMETHEUS}" for t in p["targets"])
    walk(dash["panels"])
    assert len(ids) == len(set(ids)), "duplicate panel ids"

