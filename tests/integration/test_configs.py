"""DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and the broker, spoken by
confluent-kafka (librdkafka), kafka-python and raw requests: values, sources, synonyms,
documentation, validation errors, live effect on produce, and persistence across a restart."""
import time

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
from kafka.admin import ConfigResource as KPConfigResource
from kafka.admin import ConfigResourceType, KafkaAdminClient

from clients import ck_alter, ck_producer, create_topic
import configs_raw as cr
from rawkafka import RawConn

GIB = str(1 << 30)


def ck_describe(bootstrap, kind, name):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    res = ConfigResource(kind, name)
    return admin.describe_configs([res], request_timeout=10)[res].result(timeout=15)


def test_describe_topic_sources_and_synonyms(broker):
    create_topic(broker.bootstrap, "cfg-desc", config={"retention.ms": "3600000"})
    cfg = ck_describe(broker.bootstrap, "topic", "cfg-desc")
    r = cfg["retention.ms"]
    assert (r.value, r.source, r.is_default, r.is_read_only) == ("3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value, False, False)
    # Topic override first, then the broker property it stands for, at its default.
    assert [(s.name, s.value, s.source) for s in r.synonyms.values()] == [
        ("retention.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
        ("log.retention.ms", "604800000", ConfigSource.DEFAULT_CONFIG.value)]
    s = cfg["segment.bytes"]
    assert (s.value, s.source, s.is_default) == (GIB, ConfigSource.DEFAULT_CONFIG.value, True)
    # Every documented key is described, Brook's kill switch too.
    for key in ["compression.type", "min.insync.replicas", "flush.ms", "preallocate", "unclean.leader.election.enable",
                "segment.jitter.ms", "message.timestamp.type", "max.message.bytes", "brook.produce.enabled"]:
        assert key in cfg, key
    assert cfg["compression.type"].value == "producer"
    assert cfg["brook.produce.enabled"].value == "true"


def test_alter_topic_applies_live(broker):
    bs = broker.bootstrap
    create_topic(bs, "cfg-live")
    assert ck_alter(bs, "topic", "cfg-live", {"max.message.bytes": "2000", "retention.ms": "7200000"}) is None
    cfg = ck_describe(bs, "topic", "cfg-live")
    assert cfg["max.message.bytes"].value == "2000"
    assert cfg["max.message.bytes"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    # The new limit is in force for the next produce.
    p = ck_producer(bs, **{"linger.ms": 0})
    errs = []
    p.produce("cfg-live", value=b"x" * 3000, on_delivery=lambda e, m: errs.append(e))
    p.flush(15)
    p.produce("cfg-live", value=b"y" * 100, on_delivery=lambda e, m: errs.append(e))
    p.flush(15)
    assert [e.code() if e else None for e in errs] == [KafkaError.MSG_SIZE_TOO_LARGE, None]
    # AlterConfigs replaces the whole set: what is left out returns to its default.
    assert ck_alter(bs, "topic", "cfg-live", {"retention.ms": "7200000"}) is None
    cfg = ck_describe(bs, "topic", "cfg-live")
    assert (cfg["max.message.bytes"].value, cfg["max.message.bytes"].source) == ("1048588", ConfigSource.DEFAULT_CONFIG.value)
    errs.clear()
    p.produce("cfg-live", value=b"x" * 3000, on_delivery=lambda e, m: errs.append(e))
    p.flush(15)
    assert errs == [None]


def test_alter_topic_bad_input(broker):
    bs = broker.bootstrap
    create_topic(bs, "cfg-bad", config={"retention.ms": "60000"})
    e = ck_alter(bs, "topic", "cfg-bad", {"retention.ms": "soon"})
    assert e.code() == KafkaError.INVALID_CONFIG
    assert "invalid value 'soon' for topic config retention.ms: expected an integer >= -1" in e.str()
    e = ck_alter(bs, "topic", "cfg-bad", {"no.such.config": "1"})
    assert e.code() == KafkaError.INVALID_CONFIG and "unknown topic config 'no.such.config'" in e.str()
    e = ck_alter(bs, "topic", "cfg-bad", {"remote.storage.enable": "true"})
    assert e.code() == KafkaError.INVALID_CONFIG and "no tiered storage" in e.str()
    e = ck_alter(bs, "topic", "cfg-missing", {"retention.ms": "1"})
    assert e.code() == KafkaError.UNKNOWN_TOPIC_OR_PART and "cfg-missing" in e.str()
    e = ck_alter(bs, "topic", "__consumer_offsets", {"retention.ms": "1"})
    assert e.code() == KafkaError.INVALID_REQUEST and "internal" in e.str()
    # Nothing changed on any failure.
    assert ck_describe(bs, "topic", "cfg-bad")["retention.ms"].value == "60000"
    with pytest.raises(KafkaException) as ei:
        ck_describe(bs, "topic", "cfg-missing")
    assert ei.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_broker_configs_dynamic_and_static(broker_factory):
    b = broker_factory(sets={"log.retention.check.interval.ms": "60000"})
    bs = b.bootstrap
    cfg = ck_describe(bs, "broker", "0")
    assert cfg["log.retention.check.interval.ms"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert cfg["data.dir"].source == ConfigSource.STATIC_BROKER_CONFIG.value  # from --data-dir
    assert cfg["data.dir"].is_read_only and not cfg["log.retention.ms"].is_read_only
    assert (cfg["log.retention.ms"].value, cfg["log.retention.ms"].source) == ("604800000", ConfigSource.DEFAULT_CONFIG.value)

    create_topic(bs, "cfg-follows")
    create_topic(bs, "cfg-own", config={"retention.ms": "1000"})
    # This broker's entry over the cluster-wide default, both over the static value. (librdkafka
    # refuses a broker resource named "": the cluster default goes in raw.)
    with RawConn(bs) as c:
        assert cr.alter(c, [(cr.BROKER, "", [("log.retention.ms", "5000000")])]) == [(0, None, cr.BROKER, "")]
    assert ck_alter(bs, "broker", "0", {"log.retention.ms": "6000000"}) is None
    cfg = ck_describe(bs, "broker", "0")
    r = cfg["log.retention.ms"]
    assert (r.value, r.source) == ("6000000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    # Synonyms share the name here (librdkafka's dict keeps one): read them raw.
    with RawConn(bs) as c:
        syn = cr.describe_v3(c, [(cr.BROKER, "0", ["log.retention.ms"])])[0]["configs"]["log.retention.ms"]["synonyms"]
    assert syn == [("log.retention.ms", "6000000", cr.DYNAMIC_BROKER), ("log.retention.ms", "5000000", cr.DYNAMIC_DEFAULT_BROKER),
                   ("log.retention.ms", "604800000", cr.DEFAULT)]
    with RawConn(bs) as c:
        default = cr.describe_v3(c, [(cr.BROKER, "", None)])[0]["configs"]
    assert list(default) == ["log.retention.ms"] and default["log.retention.ms"]["value"] == "5000000"
    assert default["log.retention.ms"]["source"] == cr.DYNAMIC_DEFAULT_BROKER
    # A topic without its own value follows; one with its own keeps it.
    t = ck_describe(bs, "topic", "cfg-follows")["retention.ms"]
    assert (t.value, t.source) == ("6000000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    assert ck_describe(bs, "topic", "cfg-own")["retention.ms"].value == "1000"

    e = ck_alter(bs, "broker", "0", {"num.partitions": "3"})
    assert e.code() == KafkaError.INVALID_REQUEST and "cannot change while Brook runs" in e.str()
    e = ck_alter(bs, "broker", "0", {"log.retention.ms": "-5"})
    assert e.code() == KafkaError.INVALID_CONFIG and "log.retention.ms" in e.str()
    e = ck_alter(bs, "broker", "0", {"no.such.property": "1"})
    assert e.code() == KafkaError.INVALID_CONFIG and "unknown broker config 'no.such.property'" in e.str()


def test_changes_survive_restart(broker_factory):
    b = broker_factory()
    bs = b.bootstrap
    create_topic(bs, "cfg-persist")
    assert ck_alter(bs, "topic", "cfg-persist", {"max.message.bytes": "2000", "compression.type": "zstd"}) is None
    assert ck_alter(bs, "broker", "0", {"log.segment.bytes": "4096"}) is None
    b.restart()
    cfg = ck_describe(b.bootstrap, "topic", "cfg-persist")
    assert cfg["max.message.bytes"].value == "2000" and cfg["compression.type"].value == "zstd"
    assert (cfg["segment.bytes"].value, cfg["segment.bytes"].source) == ("4096", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    # ... and in force: a batch over the limit is still refused after the restart.
    p = ck_producer(b.bootstrap)
    errs = []
    p.produce("cfg-persist", value=b"x" * 3000, on_delivery=lambda e, m: errs.append(e))
    p.flush(15)
    assert errs[0].code() == KafkaError.MSG_SIZE_TOO_LARGE


def test_kafka_python_admin_describe_and_alter(broker):
    bs = broker.bootstrap
    create_topic(bs, "cfg-kp")
    admin = KafkaAdminClient(bootstrap_servers=bs, api_version_auto_timeout_ms=10000)
    try:
        resp = admin.alter_configs([KPConfigResource(ConfigResourceType.TOPIC, "cfg-kp",
                                                     configs={"retention.bytes": "123456"})])
        assert [r[0] for r in resp.resources] == [0]
        resp = admin.alter_configs([KPConfigResource(ConfigResourceType.TOPIC, "cfg-kp",
                                                     configs={"retention.bytes": "-7"})])
        assert resp.resources[0][0] == cr.ERR["INVALID_CONFIG"] and "expected an integer >= -1" in resp.resources[0][1]
        out = admin.describe_configs([KPConfigResource(ConfigResourceType.TOPIC, "cfg-kp")], include_synonyms=True)
        (err, msg, rtype, name, configs), = out[0].resources
        by_name = {c[0]: c for c in configs}
        assert err == 0 and by_name["retention.bytes"][1] == "123456" and by_name["retention.bytes"][3] == cr.DYNAMIC_TOPIC
        resp = admin.alter_configs([KPConfigResource(ConfigResourceType.BROKER, "0",
                                                     configs={"log.retention.bytes": "99999999"})])
        assert [r[0] for r in resp.resources] == [0]
        out = admin.describe_configs([KPConfigResource(ConfigResourceType.BROKER, "0")])
        by_name = {c[0]: c for c in out[0].resources[0][4]}
        assert by_name["log.retention.bytes"][1] == "99999999" and by_name["log.retention.bytes"][3] == cr.DYNAMIC_BROKER
    finally:
        admin.close()


def test_incremental_alter_raw(broker):
    bs = broker.bootstrap
    create_topic(bs, "cfg-inc", config={"retention.ms": "60000", "segment.ms": "600000"})
    with RawConn(bs) as c:
        res = cr.incremental_alter(c, [(cr.TOPIC, "cfg-inc", [("max.message.bytes", cr.SET, "5000"),
                                                             ("segment.ms", cr.DELETE, None),
                                                             ("leader.replication.throttled.replicas", cr.APPEND, "0:0")])])
        assert res == [(0, None, cr.TOPIC, "cfg-inc")]
        res = cr.incremental_alter(c, [(cr.TOPIC, "cfg-inc", [("leader.replication.throttled.replicas", cr.APPEND, "1:0,0:0")])])
        assert res[0][0] == 0
        d = cr.describe_v3(c, [(cr.TOPIC, "cfg-inc", None)])[0]
        cfg = d["configs"]
        assert cfg["retention.ms"]["value"] == "60000"            # untouched
        assert cfg["max.message.bytes"]["value"] == "5000"
        assert cfg["segment.ms"]["source"] == cr.DEFAULT           # deleted: back to the default
        assert cfg["leader.replication.throttled.replicas"]["value"] == "0:0,1:0"
        assert cfg["leader.replication.throttled.replicas"]["type"] == 7  # LIST
        res = cr.incremental_alter(c, [(cr.TOPIC, "cfg-inc", [("leader.replication.throttled.replicas", cr.SUBTRACT, "0:0")])])
        assert res[0][0] == 0
        # v3: config types and documentation.
        d = cr.describe_v3(c, [(cr.TOPIC, "cfg-inc", ["retention.ms", "leader.replication.throttled.replicas"])])[0]
        assert set(d["configs"]) == {"retention.ms", "leader.replication.throttled.replicas"}
        assert d["configs"]["leader.replication.throttled.replicas"]["value"] == "1:0"
        assert d["configs"]["retention.ms"]["type"] == 5 and "older than this" in d["configs"]["retention.ms"]["doc"]
        d = cr.describe_v3(c, [(cr.TOPIC, "cfg-inc", ["retention.ms"])], documentation=False)[0]
        assert d["configs"]["retention.ms"]["doc"] is None

        # validate_only changes nothing.
        res = cr.incremental_alter(c, [(cr.TOPIC, "cfg-inc", [("retention.ms", cr.SET, "1")])], validate_only=True)
        assert res[0][0] == 0
        assert cr.describe_v3(c, [(cr.TOPIC, "cfg-inc", ["retention.ms"])])[0]["configs"]["retention.ms"]["value"] == "60000"
        # The broker's own dynamic list, appended to and subtracted from.
        res = cr.incremental_alter(c, [(cr.BROKER, "0", [("brook.produce.blocked.client.ids", cr.APPEND, "a,b")])])
        assert res[0][0] == 0
        res = cr.incremental_alter(c, [(cr.BROKER, "0", [("brook.produce.blocked.client.ids", cr.SUBTRACT, "a")])])
        d = cr.describe_v3(c, [(cr.BROKER, "0", ["brook.produce.blocked.client.ids"])])[0]
        entry = d["configs"]["brook.produce.blocked.client.ids"]
        assert (entry["value"], entry["source"], entry["type"]) == ("b", cr.DYNAMIC_BROKER, 7)


def test_bad_resources_and_operations_raw(broker):
    bs = broker.bootstrap
    create_topic(bs, "cfg-raw-bad")
    INVALID_REQUEST, INVALID_CONFIG = cr.ERR["INVALID_REQUEST"], cr.ERR["INVALID_CONFIG"]
    with RawConn(bs) as c:
        def one(resources, **kw):
            return cr.incremental_alter(c, resources, **kw)

        cases = [
            ((cr.BROKER_LOGGER, "0", [("root", cr.SET, "DEBUG")]), INVALID_REQUEST, "BROKER_LOGGER"),
            ((3, "x", [("a", cr.SET, "b")]), INVALID_REQUEST, "unsupported config resource type 3"),
            ((cr.BROKER, "7", [("log.retention.ms", cr.SET, "1")]), INVALID_REQUEST, "expected 0 or empty string"),
            ((cr.BROKER, "zero", [("log.retention.ms", cr.SET, "1")]), INVALID_REQUEST, "must be an integer"),
            ((cr.TOPIC, "bad/name", [("retention.ms", cr.SET, "1")]), cr.ERR["INVALID_TOPIC_EXCEPTION"], "not valid"),
            ((cr.TOPIC, "cfg-raw-bad", [("retention.ms", 9, "1")]), INVALID_REQUEST, "unknown operation 9"),
            ((cr.TOPIC, "cfg-raw-bad", [("retention.ms", cr.SET, None)]), INVALID_REQUEST, "null value for retention.ms"),
            ((cr.TOPIC, "cfg-raw-bad", [("retention.ms", cr.APPEND, "5")]), INVALID_CONFIG, "only for list configs"),
            ((cr.TOPIC, "cfg-raw-bad", [("retention.ms", cr.SET, "1"), ("retention.ms", cr.SET, "2")]), INVALID_REQUEST,
             "more than once"),
            ((cr.TOPIC, "cfg-raw-bad", [("nope", cr.DELETE, None)]), INVALID_CONFIG, "unknown topic config 'nope'"),
            ((cr.TOPIC, "cfg-raw-bad", [("segment.bytes", cr.SET, "10")]), INVALID_CONFIG, "[1024, 2147483647]"),
            ((cr.TOPIC, "cfg-raw-none", [("retention.ms", cr.SET, "1")]), cr.ERR["UNKNOWN_TOPIC_OR_PARTITION"], "does not exist"),
        ]
        for resource, code, text in cases:
            (err, msg, _, _), = one([resource])
            assert err == code and text in (msg or ""), (resource, err, msg)
        # The same resource twice: both refused, nothing applied.
        res = one([(cr.TOPIC, "cfg-raw-bad", [("retention.ms", cr.SET, "1")])] * 2)
        assert [r[0] for r in res] == [INVALID_REQUEST] * 2
        # AlterConfigs with a null value.
        (err, msg, _, _), = cr.alter(c, [(cr.TOPIC, "cfg-raw-bad", [("retention.ms", None)])])
        assert err == INVALID_REQUEST and "null value" in msg
        d = cr.describe_v3(c, [(cr.TOPIC, "cfg-raw-bad", ["retention.ms"]), (cr.BROKER_LOGGER, "0", None),
                               (cr.TOPIC, "cfg-raw-none", None)])
        assert d[0]["configs"]["retention.ms"]["source"] == cr.DEFAULT
        assert d[1]["error_code"] == INVALID_REQUEST and d[2]["error_code"] == cr.ERR["UNKNOWN_TOPIC_OR_PARTITION"]


def test_create_topics_accepts_kafka_configs_and_assignment(broker):
    from confluent_kafka.admin import NewTopic
    bs = broker.bootstrap
    admin = AdminClient({"bootstrap.servers": bs})
    configs = {"compression.type": "lz4", "file.delete.delay.ms": "1000", "flush.messages": "10", "flush.ms": "1000",
               "follower.replication.throttled.replicas": "*", "leader.replication.throttled.replicas": "0:0",
               "local.retention.bytes": "-2", "local.retention.ms": "-2", "message.downconversion.enable": "false",
               "min.insync.replicas": "1", "preallocate": "true", "unclean.leader.election.enable": "false",
               "index.interval.bytes": "8192", "segment.index.bytes": "1048576", "segment.jitter.ms": "10",
               "message.timestamp.difference.max.ms": "60000", "message.timestamp.before.max.ms": "60000",
               "message.timestamp.after.max.ms": "60000", "brook.produce.enabled": "true"}
    futs = admin.create_topics([NewTopic("cfg-all", 1, 1, config=configs),
                                NewTopic("cfg-assigned", 2, replica_assignment=[[0], [0]]),
                                NewTopic("cfg-elsewhere", 2, replica_assignment=[[0], [1]]),
                                NewTopic("cfg-bad-compression", 1, 1, config={"compression.type": "brotli"})],
                               request_timeout=15)
    futs["cfg-all"].result(15)
    futs["cfg-assigned"].result(15)
    with pytest.raises(KafkaException) as ei:
        futs["cfg-elsewhere"].result(15)
    assert ei.value.args[0].code() == KafkaError.INVALID_REPLICA_ASSIGNMENT and "broker 1" in ei.value.args[0].str()
    with pytest.raises(KafkaException) as ei:
        futs["cfg-bad-compression"].result(15)
    assert ei.value.args[0].code() == KafkaError.INVALID_CONFIG and "compression.type" in ei.value.args[0].str()
    md = admin.list_topics(timeout=10)
    assert len(md.topics["cfg-assigned"].partitions) == 2
    cfg = ck_describe(bs, "topic", "cfg-all")
    for k, v in configs.items():
        assert (cfg[k].value, cfg[k].source) == (v, ConfigSource.DYNAMIC_TOPIC_CONFIG.value), k


def test_min_insync_replicas_above_one_refuses_acks_all(broker):
    bs = broker.bootstrap
    create_topic(bs, "cfg-isr", config={"min.insync.replicas": "2"})
    errs = []
    p = ck_producer(bs, **{"acks": "all", "message.timeout.ms": "3000", "enable.idempotence": "false"})
    p.produce("cfg-isr", value=b"a", on_delivery=lambda e, m: errs.append(e))
    p.flush(10)
    assert errs and errs[0] is not None and errs[0].code() in (KafkaError.NOT_ENOUGH_REPLICAS, KafkaError._MSG_TIMED_OUT)
    p1 = ck_producer(bs, acks="1")
    errs.clear()
    p1.produce("cfg-isr", value=b"b", on_delivery=lambda e, m: errs.append(e))
    p1.flush(10)
    assert errs == [None]


def test_help_config_marks_dynamic_properties():
    import subprocess
    from brookfixture import BROOK_BIN
    out = subprocess.run([BROOK_BIN, "serve", "--help-config"], capture_output=True, text=True, timeout=10).stdout
    lines = {ln.split(" = ")[0]: ln for ln in out.splitlines() if " = " in ln}
    assert "(dynamic" in lines["log.retention.ms"] and "(dynamic" in lines["brook.produce.blocked.client.ids"]
    assert "(dynamic" not in lines["data.dir"] and "(dynamic" not in lines["num.partitions"]


def test_describe_v0_reports_is_default(broker):
    from kafka.protocol.admin import DescribeConfigsRequest
    create_topic(broker.bootstrap, "cfg-v0", config={"retention.ms": "60000"})
    with RawConn(broker.bootstrap) as c:
        resp = c.request(DescribeConfigsRequest[0](resources=[(cr.TOPIC, "cfg-v0", ["retention.ms", "segment.ms"])]))
    (err, _, _, _, entries), = resp.resources
    assert err == 0
    # (name, value, read_only, is_default, is_sensitive)
    assert sorted(entries) == [("retention.ms", "60000", False, False, False), ("segment.ms", "604800000", False, True, False)]


def test_damaged_dynamic_config_file_stops_start_up(broker_factory):
    from brookfixture import BrokerError
    b = broker_factory()
    with RawConn(b.bootstrap) as c:
        assert cr.alter(c, [(cr.BROKER, "0", [("log.retention.ms", "5000")])])[0][0] == 0
    path = b.data_dir / "_meta" / "dynamic_broker_configs.json"
    assert '"log.retention.ms": "5000"' in path.read_text()
    b.stop()
    path.write_text('{"broker": ["not", "a", "map"]}')
    # Serving with other settings than the operator made would be a silent surprise.
    with pytest.raises(BrokerError) as ei:
        b.start()
    assert "dynamic_broker_configs.json" in str(ei.value)
