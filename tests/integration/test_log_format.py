"""`log.format=json` (`brook serve --log-format json`): every line the broker writes is one JSON
object with ts (ISO 8601 UTC), level, logger, component, thread, msg and fields, escaped even
when the message echoes client input with quotes and backslashes; the rebalance-storm warning
is component=group with the group, reasons and client in its fields; a torn-tail truncation
warning is component=storage with topic and partition; text lines name the component too; an
unknown format refuses to start."""
import json
import os
import re
import subprocess

import pytest

from brookfixture import BROOK_BIN, Broker, BrokerError
from clients import ck_producer, create_topic
from groups_helpers import ck_group_consumer, poll_until

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_json_log_lines_parse_and_escape_client_input(broker_factory):
    # Threshold 1: the first rebalance logs the storm warning, which names the group and the
    # client.id, both chosen by the client.
    b = broker_factory(sets={"log.format": "json", "group.rebalance.storm.threshold": 1})
    topic, group, client_id = "json-log", 'odd "group" \\ 1', 'app "x" \\ y'
    create_topic(b.bootstrap, topic, partitions=1)
    c = ck_group_consumer(b.bootstrap, group, **{"client.id": client_id})
    try:
        c.subscribe([topic])
        poll_until([c], lambda: bool(c.assignment()), timeout=30, on_msg=lambda *_: None)
    finally:
        c.close()
    b.stop()  # graceful: the shutdown lines must be JSON too

    lines = b.log_text().splitlines()
    assert lines
    objs = []
    for line in lines:
        obj = json.loads(line)  # every line, not just the broker's own
        assert set(obj) >= {"ts", "level", "logger", "component", "thread", "msg", "fields"}, line
        assert isinstance(obj["fields"], dict) and (obj["component"] is None or isinstance(obj["component"], str))
        assert TS.match(obj["ts"]), obj["ts"]
        assert obj["level"] in ("trace", "debug", "info", "warning", "error", "critical"), line
        assert isinstance(obj["thread"], int) and obj["logger"] == "brook"
        objs.append(obj)
    assert any(f"created topic {topic}" in o["msg"] for o in objs)
    storms = [o for o in objs if "rebalance storm" in o["msg"]]
    assert storms and storms[0]["level"] == "warning"
    assert group in storms[0]["msg"] and client_id in storms[0]["msg"], storms[0]["msg"]
    storm = storms[0]
    assert storm["component"] == "group", storm
    f = storm["fields"]
    assert f["group"] == group and f["client_id"] == client_id, f
    assert isinstance(f["reasons"], str) and f["reasons"] and f["reasons"] in storm["msg"], f
    assert isinstance(f["rebalances"], int) and f["rebalances"] >= 1 and f["threshold"] == 1, f
    created = [o for o in objs if f"created topic {topic}" in o["msg"]][0]
    assert created["component"] == "broker" and created["fields"] == {"topic": topic, "partitions": 1}, created
    assert any(o["component"] == "app" and o["msg"] == "shutdown complete" for o in objs)
    listening = [o for o in objs if o["msg"].startswith("Kafka API listening")][0]
    assert listening["component"] == "app" and listening["fields"]["port"] == b.port, listening


def test_json_truncation_warning_names_topic_and_partition(broker_factory):
    b = broker_factory(sets={"log.format": "json"})
    create_topic(b.bootstrap, "torn-json", partitions=2)
    p = ck_producer(b.bootstrap)
    for i in range(20):
        p.produce("torn-json", value=b"v%d" % i, partition=1)
    assert p.flush(30) == 0
    b.stop()
    seg = b.topic_dir("torn-json", 1) / ("0" * 20 + ".log")
    with open(seg, "ab") as fh:
        fh.write(b"\x00" * 8 + b"\x00\x00\x01\x00" + os.urandom(300))
    b.start()
    objs = [json.loads(line) for line in b.log_text().splitlines()]
    torn = [o for o in objs if "torn or corrupt batch" in o["msg"]]
    assert len(torn) == 1, [o["msg"] for o in objs]
    t = torn[0]
    assert t["level"] == "warning" and t["component"] == "storage", t
    assert t["fields"]["topic"] == "torn-json" and t["fields"]["partition"] == 1, t
    assert isinstance(t["fields"]["dropped_bytes"], int) and t["fields"]["dropped_bytes"] > 0, t
    assert t["fields"]["error"].isupper(), t  # a Kafka error name


def test_text_lines_name_the_component(broker):
    create_topic(broker.bootstrap, "text-log")
    broker.stop()
    text = broker.log_text()
    assert re.search(r"\] broker: created topic text-log with 1 partitions$", text, re.M), text[-2000:]
    assert re.search(r"\] app: shutdown complete$", text, re.M), text[-2000:]


def test_text_is_the_default(broker):
    broker.stop()
    first = broker.log_text().splitlines()[0]
    with pytest.raises(ValueError):
        json.loads(first)


@pytest.mark.parametrize("how", [["--set", "log.format=xml"], ["--log-format", "xml"]])
def test_unknown_log_format_refuses_to_start(tmp_path, how):
    r = subprocess.run([BROOK_BIN, "serve", "--data-dir", str(tmp_path / "d"), *how],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "log.format must be text or json, not 'xml'" in r.stderr
