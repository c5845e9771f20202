"""Admin listener: /v1/health, /v1/ready, /metrics, and HTTP errors as JSON.

After N records produced with confluent-kafka and a group that consumed and committed M of
them, /metrics reports brook_topic_records_in_total == N and
brook_consumer_group_lag_records == N - M for the partition; request counters move; the
scrape passes `promtool check metrics` (Debian's prometheus package, installed by
scripts/install-deps.sh; skipped, saying so, only where promtool is missing).
Unknown path -> 404 JSON, wrong method -> 405 JSON, garbage -> 400 and the listener goes on.
"""
import json
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from clients import ck_produce_all, ck_producer, create_topic
from groups_helpers import ck_group_consumer, consume_and_commit, poll_until


def get(broker, path, method="GET"):
    """(status, content type, body) of one request to the admin listener."""
    req = urllib.request.Request(f"http://127.0.0.1:{broker.admin_port}{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def samples(text, name):
    """{frozenset(labels.items()): value} of every sample named `name`."""
    out = {}
    pat = re.compile(r'^' + re.escape(name) + r'(?:\{(.*)\})? (\S+)$')
    for line in text.splitlines():
        m = pat.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1) or ""))
        out[frozenset(labels.items())] = float(m.group(2))
    return out


def value(text, name, **labels):
    got = samples(text, name).get(frozenset({k: str(v) for k, v in labels.items()}.items()))
    assert got is not None, f"no sample {name}{labels}"
    return got


def test_health_and_ready(broker):
    status, ctype, body = get(broker, "/v1/health")
    assert status == 200 and ctype == "application/json" and json.loads(body) == {"status": "ok"}
    status, _, body = get(broker, "/v1/ready")
    assert status == 200 and json.loads(body)["status"] == "ready"


def test_http_errors_are_json_and_garbage_does_not_stop_the_listener(broker):
    status, ctype, body = get(broker, "/v1/nope")
    assert status == 404 and ctype == "application/json"
    assert json.loads(body)["error_code"] == 404
    status, _, body = get(broker, "/v1/health", method="POST")
    assert status == 405 and json.loads(body)["error_code"] == 405
    with socket.create_connection(("127.0.0.1", broker.admin_port), timeout=5) as s:
        s.sendall(b"\x00\x01\x02 definitely not HTTP\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head
    assert json.loads(body)["error_code"] == 400
    assert get(broker, "/v1/health")[0] == 200


def test_metrics_count_traffic_and_group_lag(broker):
    topic, group, n, m = "metrics-orders", "metrics-group", 200, 70
    create_topic(broker.bootstrap, topic, partitions=1)
    p = ck_producer(broker.bootstrap, **{"client.software.name": "brook-test"})
    ck_produce_all(p, topic, [{"value": b"v%d" % i} for i in range(n)])

    c = ck_group_consumer(broker.bootstrap, group)
    consume_and_commit(c, topic, m)

    status, ctype, text = get(broker, "/metrics")
    assert status == 200
    assert ctype.startswith("text/plain; version=0.0.4")
    assert value(text, "brook_topic_records_in_total", topic=topic) == n
    assert value(text, "brook_topic_bytes_in_total", topic=topic) > 0
    assert value(text, "brook_topic_bytes_out_total", topic=topic) > 0
    assert value(text, "brook_partition_high_watermark", topic=topic, partition=0) == n
    assert value(text, "brook_partition_log_start_offset", topic=topic, partition=0) == 0
    assert value(text, "brook_partition_segments", topic=topic, partition=0) >= 1
    assert value(text, "brook_partition_size_bytes", topic=topic, partition=0) > 0
    assert value(text, "brook_consumer_group_lag_records", group=group, topic=topic, partition=0) == n - m
    assert value(text, "brook_consumer_group_members", group=group) == 1
    assert value(text, "brook_consumer_group_state", group=group, state="Stable") == 1
    produce = sum(v for k, v in samples(text, "brook_kafka_requests_total").items() if ("api", "Produce") in k)
    assert produce >= 1
    assert value(text, "brook_kafka_request_duration_seconds_count", api="Produce") == produce
    assert value(text, "brook_kafka_request_duration_seconds_bucket", api="Produce", le="+Inf") == produce
    assert value(text, "brook_fsync_duration_seconds_count") >= 1
    assert value(text, "brook_group_commit_batch_size_count") >= 1
    assert value(text, "brook_connections", client_software="brook-test") >= 1
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                 "process_start_time_seconds"):
        assert value(text, name) > 0
    # The filesystem of the data directory, labelled with the path the broker was given.
    free = value(text, "brook_disk_free_bytes", path=broker.data_dir)
    total = value(text, "brook_disk_total_bytes", path=broker.data_dir)
    assert 0 < total and 0 <= free <= total

    # Counters move: a second scrape after more requests shows more Metadata requests.
    def metadata_total(t):
        return sum(v for k, v in samples(t, "brook_kafka_requests_total").items() if ("api", "Metadata") in k)
    before = metadata_total(text)
    p.list_topics(timeout=5)
    assert metadata_total(get(broker, "/metrics")[2]) > before

    # Errors: a fetch past the end is a per-partition OFFSET_OUT_OF_RANGE; a frame with an
    # unknown API key makes the broker close the connection.
    lost = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "metrics-lost",
                     "auto.offset.reset": "error", "enable.auto.commit": False})
    lost.assign([TopicPartition(topic, 0, n + 1000)])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        msg = lost.poll(0.2)
        if msg is not None and msg.error():
            break
    lost.close()
    with socket.create_connection(("127.0.0.1", broker.port), timeout=5) as s:
        s.sendall(struct.pack(">ihhih", 10, 999, 0, 1, -1))
        assert s.recv(1) == b""  # closed by the broker
    text = get(broker, "/metrics")[2]
    assert value(text, "brook_kafka_request_errors_total", api="Fetch", error="OFFSET_OUT_OF_RANGE") >= 1
    assert value(text, "brook_kafka_request_errors_total", api="unknown", error="CONNECTION_CLOSED") == 1

    promtool = shutil.which("promtool")
    if promtool is None:
        c.close()
        pytest.skip("promtool missing (Debian package prometheus; scripts/install-deps.sh installs it): "
                    "format not checked by promtool")
    r = subprocess.run([promtool, "check", "metrics"], input=get(broker, "/metrics")[2].encode(),
                       capture_output=True, timeout=30)
    c.close()
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()


def test_a_deleted_topic_leaves_no_series(broker):
    topic, group = "metrics-gone", "metrics-gone-group"
    create_topic(broker.bootstrap, topic, partitions=2)
    ck_produce_all(ck_producer(broker.bootstrap), topic, [{"value": b"x", "partition": i % 2} for i in range(10)])
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    poll_until([c], lambda: len(got) >= 1, timeout=15, on_msg=lambda _, m: got.append(m))
    c.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)
    c.close()
    text = get(broker, "/metrics")[2]
    assert value(text, "brook_topic_bytes_out_total", topic=topic) > 0
    assert value(text, "brook_consumer_group_lag_records", group=group, topic=topic, partition=0) == 4

    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.delete_topics([topic], operation_timeout=15)[topic].result(15)
    text = get(broker, "/metrics")[2]
    for name in ("brook_topic_bytes_out_total", "brook_topic_records_in_total", "brook_partition_high_watermark",
                 "brook_consumer_group_lag_records"):
        assert not any(("topic", topic) in k for k in samples(text, name)), name
