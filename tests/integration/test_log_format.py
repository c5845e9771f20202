"""`log.format=json` (`brook serve --log-format json`): every line the broker writes is one JSON
object with ts (ISO 8601 UTC), level, logger, thread and msg, escaped even when the message
echoes client input with quotes and backslashes; an unknown format refuses to start."""
import json
import re
import subprocess

import pytest

from brookfixture import BROOK_BIN, Broker, BrokerError
from clients import create_topic
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
        assert set(obj) >= {"ts", "level", "logger", "thread", "msg"}, line
        assert TS.match(obj["ts"]), obj["ts"]
        assert obj["level"] in ("trace", "debug", "info", "warning", "error", "critical"), line
        assert isinstance(obj["thread"], int) and obj["logger"] == "brook"
        objs.append(obj)
    assert any(f"created topic {topic}" in o["msg"] for o in objs)
    storms = [o for o in objs if "rebalance storm" in o["msg"]]
    assert storms and storms[0]["level"] == "warning"
    assert group in storms[0]["msg"] and client_id in storms[0]["msg"], storms[0]["msg"]


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
