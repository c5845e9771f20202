"""deploy/prometheus/alerts.yml: promtool accepts the rules, their unit tests pass, every metric
they use is served by a running broker, and every runbook_url points at a heading of
docs/runbook.md.

promtool comes from Debian's prometheus package (scripts/install-deps.sh); the promtool tests
are skipped, saying so, only where it is missing. The drift check needs no promtool: after a
topic is created, produced to, consumed and committed by a group and one request is refused,
every `brook_*` / `process_*` name in the rules must have a sample in GET /metrics.
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import urllib.request

import pytest
import yaml

from clients import ck_produce_all, ck_producer, create_topic
from groups_helpers import ck_group_consumer, consume_and_commit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")
RULE_TESTS = os.path.join(ROOT, "deploy", "prometheus", "alerts_test.yml")
RUNBOOK = os.path.join(ROOT, "docs", "runbook.md")

METRIC_NAME = re.compile(r"\b((?:brook|process)_[a-zA-Z0-9_]+)")


def promtool():
    p = shutil.which("promtool")
    if p is None:
        pytest.skip("promtool missing (Debian package prometheus; scripts/install-deps.sh installs it)")
    return p


def alert_rules():
    with open(RULES) as f:
        doc = yaml.safe_load(f)
    return [r for g in doc["groups"] for r in g["rules"]]


def metric_names_in_rules():
    return sorted({m for r in alert_rules() for m in METRIC_NAME.findall(r["expr"])})


def test_promtool_check_rules():
    r = subprocess.run([promtool(), "check", "rules", RULES], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_test_rules():
    r = subprocess.run([promtool(), "test", "rules", RULE_TESTS], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_alert_is_unit_tested_and_labelled_and_has_a_runbook_section():
    with open(RULE_TESTS) as f:
        tests = yaml.safe_load(f)["tests"]
    fired, silent = set(), set()
    for t in tests:
        for case in t.get("alert_rule_test", []):
            (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    with open(RUNBOOK) as f:
        headings = {github_slug(line.lstrip("#").strip()) for line in f if line.startswith("## ")}
    for rule in alert_rules():
        name = rule["alert"]
        assert name in fired, f"{name}: no promtool case where it fires"
        assert name in silent, f"{name}: no promtool case where it stays silent"
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        ann = rule["annotations"]
        assert ann.get("summary") and ann.get("description"), name
        path, _, anchor = ann["runbook_url"].partition("#")
        assert path == "docs/runbook.md" and anchor in headings, f"{name}: runbook_url {ann['runbook_url']}"


def github_slug(heading):
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def scrape(broker):
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=10) as r:
        return r.read().decode()


def test_every_metric_in_the_rules_is_served(broker):
    topic, group, n, m = "alerts-orders.dlq", "alerts-group", 50, 20
    create_topic(broker.bootstrap, topic, partitions=1)
    p = ck_producer(broker.bootstrap)
    ck_produce_all(p, topic, [{"value": b"v%d" % i} for i in range(n)])
    c = ck_group_consumer(broker.bootstrap, group)
    consume_and_commit(c, topic, m)
    # One refused request (unknown API key: the broker closes the connection), so the error
    # counter has a sample.
    with socket.create_connection(("127.0.0.1", broker.port), timeout=5) as s:
        s.sendall(struct.pack(">ihhih", 10, 999, 0, 1, -1))
        assert s.recv(1) == b""
    text = scrape(broker)
    c.close()

    served = {m.group(1) for m in re.finditer(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", text, re.M)}
    used = metric_names_in_rules()
    assert used, "no brook_ metric found in the rules"
    missing = [name for name in used if name not in served]
    assert not missing, f"alerts.yml uses metrics the broker does not serve: {missing}"
