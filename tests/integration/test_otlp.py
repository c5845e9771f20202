"""OpenTelemetry export: Brook POSTs its metrics as OTLP/HTTP JSON to a collector.

A small http.server on a free port stands in for the collector. Brook starts with
otel.exporter.otlp.endpoint pointing at it and a 500 ms interval; after N records are
produced, a POST to /v1/metrics (Content-Type application/json) carries resource
service.name and brook_topic_records_in_total for the topic as a cumulative monotonic sum
whose value is >= N and equal to what /metrics says; histograms carry per-bucket counts
that are /metrics' cumulative le buckets differenced. With the receiver down, Brook keeps
serving and logs exactly one warning; when the receiver is back, exports resume (and one
"recovered" line is logged).
"""
import json
import re
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from brookfixture import free_port
from clients import ck_produce_all, ck_producer, create_topic


class Collector:
    """Records every POST: (path, content type, decoded JSON body)."""

    def __init__(self, port):
        self.port = port
        self.posts = []
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner.lock:
                    owner.posts.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self):
        with self.lock:
            return len(self.posts)

    def last(self):
        with self.lock:
            return self.posts[-1]


def wait_for(pred, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def metric(payload, name):
    for rm in payload["resourceMetrics"]:
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                if m["name"] == name:
                    return m
    return None


def point_for(m, kind, **labels):
    for p in m[kind]["dataPoints"]:
        attrs = {a["key"]: a["value"]["stringValue"] for a in p["attributes"]}
        if all(attrs.get(k) == v for k, v in labels.items()):
            return p
    return None


def scrape(broker):
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=10) as r:
        return r.read().decode()


def test_otlp_export_matches_metrics_and_survives_collector_outage(broker_factory):
    collector = Collector(free_port()).start()
    b = broker_factory(sets={"otel.exporter.otlp.endpoint": f"http://127.0.0.1:{collector.port}",
                             "otel.metric.export.interval": "500",
                             "otel.service.name": "brook-otlp-test"})
    topic = "otlp-orders"
    n = 25
    create_topic(b.bootstrap, topic)
    ck_produce_all(ck_producer(b.bootstrap), topic, [{"value": b"v%d" % i} for i in range(n)])

    def exported_count():
        if not collector.count():
            return None
        path, ctype, payload = collector.last()
        m = metric(payload, "brook_topic_records_in_total")
        p = m and point_for(m, "sum", topic=topic)
        return p and float(p["asDouble"]) >= n and (path, ctype, payload, m, p)

    path, ctype, payload, m, p = wait_for(exported_count, what="an export with the produced records")
    assert path == "/v1/metrics"
    assert ctype == "application/json"
    res = {a["key"]: a["value"]["stringValue"] for a in payload["resourceMetrics"][0]["resource"]["attributes"]}
    assert res["service.name"] == "brook-otlp-test"
    assert res["service.instance.id"] and res["host.name"]
    assert payload["resourceMetrics"][0]["scopeMetrics"][0]["scope"]["name"] == "brook"
    assert m["sum"]["isMonotonic"] is True and m["sum"]["aggregationTemporality"] == 2
    assert int(p["startTimeUnixNano"]) <= int(p["timeUnixNano"])
    # Nothing is produced any more, so /metrics and the export agree exactly.
    text = scrape(b)
    line = re.search(r'^brook_topic_records_in_total\{topic="otlp-orders"\} (\S+)$', text, re.M)
    assert float(line.group(1)) == float(p["asDouble"]) == n

    # A histogram: per-bucket counts are /metrics' cumulative buckets differenced.
    h = metric(payload, "brook_kafka_request_duration_seconds")
    hp = point_for(h, "histogram", api="Produce")
    assert h["histogram"]["aggregationTemporality"] == 2
    assert len(hp["bucketCounts"]) == len(hp["explicitBounds"]) + 1
    assert sum(int(c) for c in hp["bucketCounts"]) == int(hp["count"]) >= 1
    cumulative = [int(v) for v in re.findall(
        r'^brook_kafka_request_duration_seconds_bucket\{api="Produce",le="[^"]+"\} (\d+)$', text, re.M)]
    assert [int(c) for c in hp["bucketCounts"]] == [c - prev for prev, c in zip([0] + cumulative, cumulative)]
    # A gauge.
    hw = metric(payload, "brook_partition_high_watermark")
    assert float(point_for(hw, "gauge", topic=topic, partition="0")["asDouble"]) == n

    # Collector down: Brook keeps serving and warns once for the whole streak.
    collector.stop()
    time.sleep(2.5)  # ~5 failed intervals
    assert b.alive()
    assert re.search(r'brook_topic_records_in_total\{topic="otlp-orders"\}', scrape(b))
    warnings = [l for l in b.log_text().splitlines() if "OTLP metric export" in l and "failed:" in l]
    assert len(warnings) == 1, warnings

    # Back on the same port: exports resume.
    collector = Collector(collector.port).start()
    try:
        wait_for(lambda: collector.count() >= 1, what="exports to resume")
        wait_for(lambda: "recovered" in b.log_text(), what="the recovery line")
        assert len([l for l in b.log_text().splitlines() if "OTLP metric export" in l and "failed:" in l]) == 1
    finally:
        collector.stop()


def test_bad_otlp_endpoint_refuses_to_start(broker_factory):
    import pytest
    from brookfixture import BrokerError
    with pytest.raises(BrokerError, match="https is not supported"):
        broker_factory(sets={"otel.exporter.otlp.endpoint": "https://127.0.0.1:4318"})


def test_export_is_off_by_default(broker):
    assert "OTLP" not in broker.log_text()
