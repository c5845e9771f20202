"""`brook sql` with Flink's 'avro-confluent' format against Brook's schema registry: events are
produced by confluent-kafka's AvroProducer (the serializer Debian's confluent-kafka 1.7 offers
on python3-avro: its newer AvroSerializer needs fastavro, which Debian does not package), a
TUMBLE job reads them by the writer schema's id and writes Avro whose schema it derived and
registered, and confluent-kafka's decoder (the MessageSerializer its AvroConsumer uses) reads the
output back. Expected rows are worked out by hand. Also the ways it fails: registry unreachable, unknown schema id, a field whose type
is not the column's, options Flink does not have."""
import datetime
import decimal
import json
import struct
import subprocess
import urllib.request

import avro.schema
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.avro import AvroConsumer, AvroProducer
from confluent_kafka.avro.cached_schema_registry_client import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer

from brookfixture import BROOK_BIN, free_port
from clients import ck_produce_all, ck_producer, create_topic

T0 = 1_700_000_000_000  # a multiple of 10 s
UTC = datetime.timezone.utc

CLICK = {
    "type": "record", "name": "Click", "namespace": "shop",
    "fields": [
        {"name": "user_id", "type": "string"},
        {"name": "url", "type": ["null", "string"], "default": None},
        {"name": "qty", "type": "int"},  # promoted to the table's BIGINT
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "referrer", "type": "string", "default": ""},  # not a column: skipped
    ],
}

JOB = """
CREATE TABLE clicks (
  user_id STRING,
  url STRING,
  qty BIGINT,
  price DECIMAL(9, 2),
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
  'connector' = 'kafka', 'topic' = '{src}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
  'format' = 'avro-confluent', 'avro-confluent.url' = '{registry}'{src_extra}
);
CREATE TABLE per_user (
  user_id STRING NOT NULL, window_start TIMESTAMP(3), window_end TIMESTAMP(3), clicks BIGINT, items BIGINT,
  top_price DOUBLE, last_url STRING
) WITH (
  'connector' = 'kafka', 'topic' = '{dst}',
  'key.format' = 'raw', 'key.fields' = 'user_id',
  'value.format' = 'avro-confluent', 'value.avro-confluent.schema-registry.url' = '{registry}'{dst_extra}
);
INSERT INTO per_user
SELECT user_id, window_start, window_end, COUNT(*), SUM(qty), MAX(price), MAX(url)
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS))
GROUP BY window_start, window_end, user_id;
"""

ROWS = [("u1", "/a", 1, "1.50", 1000), ("u1", None, 2, "2.25", 3000), ("u2", "/b", 5, "10.00", 4000),
        ("u1", "/c", 1, "0.99", 12500), ("u2", "/d", 3, "3.10", 11000), ("u1", "/a", 4, "7.00", 15000)]


def at(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, tz=UTC)


def produce_clicks(broker, topic, rows=ROWS):
    p = AvroProducer({"bootstrap.servers": broker.bootstrap, "schema.registry.url": broker.registry_url},
                     default_value_schema=avro.schema.parse(json.dumps(CLICK)))
    for u, url, qty, price, ms in rows:
        p.produce(topic=topic, value={"user_id": u, "url": url, "qty": qty, "price": decimal.Decimal(price),
                                      "ts": at(T0 + ms), "referrer": "x"})
    assert p.flush(30) == 0


def write_job(tmp_path, src, dst, registry, src_extra="", dst_extra="", name="job.sql"):
    path = tmp_path / name
    path.write_text(JOB.format(src=src, dst=dst, registry=registry, src_extra=src_extra, dst_extra=dst_extra))
    return str(path)


def run_sql(broker, path, *extra, timeout=90):
    return subprocess.run([BROOK_BIN, "sql", "run", path, "-b", broker.bootstrap, *extra],
                          capture_output=True, text=True, timeout=timeout)


def avro_decoder(broker):
    """confluent-kafka's (legacy, python3-avro) decoder of Confluent-framed Avro, as AvroConsumer
    uses it; used directly because the jobs' keys are raw."""
    return MessageSerializer(CachedSchemaRegistryClient({"url": broker.registry_url}))


def read_avro(broker, topic, isolation="read_uncommitted"):
    """(key bytes, value dict) of every record of partition 0."""
    dec = avro_decoder(broker)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "sql-avro-check", "enable.auto.commit": False,
                  "enable.partition.eof": True, "isolation.level": isolation})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        out = []
        while True:
            m = c.poll(10)
            assert m is not None, "no end of %s" % topic
            if m.error():
                assert m.error().code() == -191, m.error()  # _PARTITION_EOF
                return out
            out.append((m.key(), dec.decode_message(m.value())))
    finally:
        c.close()


def expected_rows():
    w = lambda s: at(T0 + s * 1000)  # noqa: E731
    return [
        # [0, 10) fires when u1@12.5 s moves the watermark to 10.5 s
        (b"u1", {"user_id": "u1", "window_start": w(0), "window_end": w(10), "clicks": 2, "items": 3,
                 "top_price": 2.25, "last_url": "/a"}),
        (b"u2", {"user_id": "u2", "window_start": w(0), "window_end": w(10), "clicks": 1, "items": 5,
                 "top_price": 10.0, "last_url": "/b"}),
        # the rest at the end of the bounded input
        (b"u1", {"user_id": "u1", "window_start": w(10), "window_end": w(20), "clicks": 2, "items": 5,
                 "top_price": 7.0, "last_url": "/c"}),
        (b"u2", {"user_id": "u2", "window_start": w(10), "window_end": w(20), "clicks": 1, "items": 3,
                 "top_price": 3.1, "last_url": "/d"}),
    ]


def registry_get(broker, path):
    with urllib.request.urlopen(broker.registry_url + path, timeout=5) as r:
        return json.loads(r.read())


DERIVED = {
    "type": "record", "name": "record", "namespace": "org.apache.flink.avro.generated",
    "fields": [
        {"name": "user_id", "type": "string"},
        {"name": "window_start", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}], "default": None},
        {"name": "window_end", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}], "default": None},
        {"name": "clicks", "type": ["null", "long"], "default": None},
        {"name": "items", "type": ["null", "long"], "default": None},
        {"name": "top_price", "type": ["null", "double"], "default": None},
        {"name": "last_url", "type": ["null", "string"], "default": None},
    ],
}


def test_tumble_avro_source_and_sink(module_broker, tmp_path):
    b = module_broker
    for t in ("av-clicks", "av-out"):
        create_topic(b.bootstrap, t)
    produce_clicks(b, "av-clicks")
    p = run_sql(b, write_job(tmp_path, "av-clicks", "av-out", b.registry_url))
    assert p.returncode == 0, p.stderr
    assert "6 records in, 4 rows out, 0 late" in p.stderr, p.stderr
    assert read_avro(b, "av-out") == expected_rows()
    # The schema the job registered under Flink's default subject is the one Flink derives.
    latest = registry_get(b, "/subjects/av-out-value/versions/latest")
    assert json.loads(latest["schema"]) == DERIVED
    # Every record is framed with that id.
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "sql-avro-frame", "enable.auto.commit": False})
    try:
        c.assign([TopicPartition("av-out", 0, 0)])
        m = c.poll(10)
        assert m is not None and m.error() is None
        assert m.value()[0] == 0 and struct.unpack(">i", m.value()[1:5])[0] == latest["id"]
    finally:
        c.close()


def test_tumble_avro_exactly_once_worker(module_broker, tmp_path):
    """The key-grouped (exactly-once) path: the sink's schema is registered before the first
    transaction; a read_committed AvroConsumer sees the same rows."""
    b = module_broker
    for t in ("av-eo-clicks", "av-eo-out"):
        create_topic(b.bootstrap, t)
    produce_clicks(b, "av-eo-clicks")
    path = write_job(tmp_path, "av-eo-clicks", "av-eo-out", b.registry_url,
                     src_extra=", 'properties.group.id' = 'av-eo'",
                     dst_extra=", 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'av-eo'")
    p = run_sql(b, path, "--state-dir", str(tmp_path / "state"), timeout=120)
    assert p.returncode == 0, p.stderr
    got = read_avro(b, "av-eo-out", isolation="read_committed")
    # key groups fire independently: compare as a set of rows per window
    key = lambda kv: (kv[1]["window_start"], kv[0])  # noqa: E731
    assert sorted(got, key=key) == sorted(expected_rows(), key=key)


def test_avro_subject_option_and_key_format(module_broker, tmp_path):
    """'avro-confluent.subject' names the subject; an avro-confluent key holds the key fields."""
    b = module_broker
    for t in ("av-k-clicks", "av-k-out"):
        create_topic(b.bootstrap, t)
    produce_clicks(b, "av-k-clicks")
    job = JOB.format(src="av-k-clicks", dst="av-k-out", registry=b.registry_url, src_extra="",
                     dst_extra=", 'value.avro-confluent.subject' = 'per-user-v1'")
    job = job.replace("'key.format' = 'raw'", "'key.format' = 'avro-confluent', 'key.avro-confluent.url' = '%s'" % b.registry_url)
    path = tmp_path / "k.sql"
    path.write_text(job)
    p = run_sql(b, str(path))
    assert p.returncode == 0, p.stderr
    assert registry_get(b, "/subjects/per-user-v1/versions/latest")["id"] > 0
    key_schema = json.loads(registry_get(b, "/subjects/av-k-out-key/versions/latest")["schema"])
    assert key_schema["fields"] == [{"name": "user_id", "type": "string"}]
    c = AvroConsumer({"bootstrap.servers": b.bootstrap, "schema.registry.url": b.registry_url,
                      "group.id": "sql-avro-k", "enable.auto.commit": False, "enable.partition.eof": True})
    try:
        c.assign([TopicPartition("av-k-out", 0, 0)])
        keys = []
        while True:
            m = c.poll(10)
            assert m is not None
            if m.error():
                break
            keys.append(m.key())
        assert keys == [{"user_id": u} for u in ("u1", "u2", "u1", "u2")]
    finally:
        c.close()


# --- what goes wrong ---------------------------------------------------------------------------

def test_registry_unreachable(module_broker, tmp_path):
    b = module_broker
    for t in ("av-un-clicks", "av-un-out"):
        create_topic(b.bootstrap, t)
    produce_clicks(b, "av-un-clicks", ROWS[:1])
    dead = "http://127.0.0.1:%d" % free_port()
    # the sink registers at start
    p = run_sql(b, _job_with(tmp_path, "av-un-clicks", "av-un-out", b.registry_url, dead, "sink.sql"))
    assert p.returncode == 1, p.stderr
    assert "cannot reach the schema registry at " + dead in p.stderr, p.stderr
    # the source asks for the writer schema at its first record
    p = run_sql(b, _job_with(tmp_path, "av-un-clicks", "av-un-out", dead, b.registry_url, "source.sql"))
    assert p.returncode == 1, p.stderr
    assert "cannot reach the schema registry at " + dead + " for schema id" in p.stderr, p.stderr


def _job_with(tmp_path, src, dst, src_registry, dst_registry, name):
    job = JOB.format(src=src, dst=dst, registry=src_registry, src_extra="", dst_extra="")
    job = job.replace("'value.avro-confluent.schema-registry.url' = '%s'" % src_registry,
                      "'value.avro-confluent.schema-registry.url' = '%s'" % dst_registry)
    path = tmp_path / name
    path.write_text(job)
    return str(path)


def test_unknown_schema_id(module_broker, tmp_path):
    b = module_broker
    for t in ("av-id-clicks", "av-id-out"):
        create_topic(b.bootstrap, t)
    ck_produce_all(ck_producer(b.bootstrap), "av-id-clicks", [{"value": b"\x00" + struct.pack(">i", 987654) + b"\x02u"}])
    p = run_sql(b, write_job(tmp_path, "av-id-clicks", "av-id-out", b.registry_url))
    assert p.returncode == 1, p.stderr
    assert "record av-id-clicks/0@0: the value names schema id 987654, which the registry at %s does not have" % b.registry_url \
        in p.stderr, p.stderr
    # not Confluent's framing at all
    create_topic(b.bootstrap, "av-id-json")
    ck_produce_all(ck_producer(b.bootstrap), "av-id-json", [{"value": b'{"user_id": "u1"}'}])
    p = run_sql(b, write_job(tmp_path, "av-id-json", "av-id-out", b.registry_url, name="json.sql"))
    assert p.returncode == 1, p.stderr
    assert "record av-id-json/0@0: the value is not in Confluent's Avro framing" in p.stderr, p.stderr


def test_field_type_that_is_not_the_columns(module_broker, tmp_path):
    b = module_broker
    for t in ("av-ty-clicks", "av-ty-out"):
        create_topic(b.bootstrap, t)
    schema = json.loads(json.dumps(CLICK))
    schema["fields"][4] = {"name": "ts", "type": "string"}  # the table's ts is TIMESTAMP(3)
    p = AvroProducer({"bootstrap.servers": b.bootstrap, "schema.registry.url": b.registry_url},
                     default_value_schema=avro.schema.parse(json.dumps(schema)))
    p.produce(topic="av-ty-clicks", value={"user_id": "u1", "url": None, "qty": 1, "price": decimal.Decimal("1.00"),
                                           "ts": "2023-11-14 22:13:21", "referrer": ""})
    assert p.flush(30) == 0
    p = run_sql(b, write_job(tmp_path, "av-ty-clicks", "av-ty-out", b.registry_url))
    assert p.returncode == 1, p.stderr
    assert "field 'ts' is Avro string, which column ts TIMESTAMP(3) cannot take; a TIMESTAMP column reads a long with " \
           "logicalType timestamp-millis or timestamp-micros" in p.stderr, p.stderr


def test_unknown_option_is_a_usage_error(module_broker, tmp_path):
    b = module_broker
    path = write_job(tmp_path, "x", "y", b.registry_url, src_extra=", 'avro-confluent.basic-auth.user-info' = 'u:p'")
    p = run_sql(b, path)
    assert p.returncode == 2, p.stderr
    assert "unsupported option 'avro-confluent.basic-auth.user-info' for connector 'kafka'" in p.stderr, p.stderr
