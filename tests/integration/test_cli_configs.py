"""`brook topic alter-config` and `brook topic describe -c/-a` against a real broker, checked with
confluent-kafka's AdminClient, plus their error paths (exit 1: the broker refused, with its reason;
exit 2: bad usage)."""
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

from clients import create_topic
from test_cli import brook, json_lines, ok


def describe(bs, topic):
    admin = AdminClient({"bootstrap.servers": bs})
    res = ConfigResource("topic", topic)
    return admin.describe_configs([res], request_timeout=10)[res].result(timeout=15)


def test_alter_config_set_and_delete(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-cfg", config={"segment.ms": "600000"})
    out = json_lines(ok(brook(b, "topic", "alter-config", "cli-cfg", "--set", "retention.ms=1000",
                              "--set", "max.message.bytes=2000", "--format", "json")))
    assert {"topic": "cli-cfg", "config": "retention.ms", "value": "1000", "action": "set"} in out
    cfg = describe(b.bootstrap, "cli-cfg")
    assert cfg["retention.ms"].value == "1000" and cfg["max.message.bytes"].value == "2000"
    assert cfg["segment.ms"].value == "600000"  # keys not named stay as they were
    ok(brook(b, "topic", "alter-config", "cli-cfg", "--delete", "retention.ms", "-s", "compression.type=zstd"))
    cfg = describe(b.bootstrap, "cli-cfg")
    assert cfg["retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    assert (cfg["compression.type"].value, cfg["max.message.bytes"].value) == ("zstd", "2000")


def test_describe_configs_text_and_json(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-cfg-desc", partitions=2, config={"retention.ms": "123456"})
    text = ok(brook(b, "topic", "describe", "cli-cfg-desc", "-c"))
    assert text.splitlines()[0].split() == ["CONFIG", "VALUE", "SOURCE"]
    assert any(ln.split() == ["retention.ms", "123456", "DYNAMIC_TOPIC_CONFIG"] for ln in text.splitlines()), text
    rows = json_lines(ok(brook(b, "topic", "describe", "cli-cfg-desc", "--print-configs", "--format", "json")))
    assert {"config": "retention.ms", "value": "123456", "source": "DYNAMIC_TOPIC_CONFIG"} in rows
    assert {"config": "segment.bytes", "value": str(1 << 30), "source": "DEFAULT_CONFIG"} in rows
    rows = json_lines(ok(brook(b, "topic", "describe", "cli-cfg-desc", "-a", "--format", "json")))
    assert [r["partition"] for r in rows if "partition" in r] == [0, 1]
    assert {"config": "retention.ms", "value": "123456", "source": "DYNAMIC_TOPIC_CONFIG"} in rows
    text = ok(brook(b, "topic", "describe", "cli-cfg-desc", "-a"))
    assert "HIGH-WATERMARK" in text.splitlines()[0] and "DYNAMIC_TOPIC_CONFIG" in text


def test_alter_config_errors(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "cli-cfg-bad", config={"retention.ms": "5000"})
    p = brook(b, "topic", "alter-config", "cli-cfg-bad", "--set", "nope=1")
    assert p.returncode == 1 and "unknown topic config 'nope'" in p.stderr and "INVALID_CONFIG" in p.stderr, p.stderr
    p = brook(b, "topic", "alter-config", "cli-cfg-bad", "--set", "retention.ms=soon")
    assert p.returncode == 1, p.stderr
    assert "invalid value 'soon' for topic config retention.ms: expected an integer >= -1" in p.stderr, p.stderr
    p = brook(b, "topic", "alter-config", "cli-cfg-bad", "--delete", "nope")
    assert p.returncode == 1 and "unknown topic config 'nope'" in p.stderr, p.stderr
    p = brook(b, "topic", "alter-config", "cli-cfg-missing", "--set", "retention.ms=1")
    assert p.returncode == 1 and "cli-cfg-missing" in p.stderr and "does not exist" in p.stderr, p.stderr
    p = brook(b, "topic", "describe", "cli-cfg-missing", "-c")
    assert p.returncode == 1 and "does not exist" in p.stderr, p.stderr
    # Usage errors: nothing to do, no '=', the same key set and deleted.
    for args in (["cli-cfg-bad"], ["cli-cfg-bad", "--set", "retention.ms"],
                 ["cli-cfg-bad", "--set", "retention.ms=1", "--delete", "retention.ms"]):
        p = brook(b, "topic", "alter-config", *args)
        assert p.returncode == 2, (args, p.stderr)
    assert describe(b.bootstrap, "cli-cfg-bad")["retention.ms"].value == "5000"  # nothing changed
