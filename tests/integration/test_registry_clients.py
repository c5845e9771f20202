"""confluent-kafka-python 1.7.0 against Brook's schema registry: its SchemaRegistryClient, call by
call, and the legacy `confluent_kafka.avro` AvroProducer/AvroConsumer (Debian's python3-avro)
producing and consuming through a Brook topic. Records are read back raw too: each value starts
with magic byte 0 and the 4-byte id the registry assigned (asked over plain HTTP)."""
import json
import struct
import time
from urllib.parse import quote

import pytest
import requests
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka import avro
from confluent_kafka.avro import AvroConsumer, AvroProducer, CachedSchemaRegistryClient
from confluent_kafka.avro.error import ClientError
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from clients import create_topic

V1 = {"type": "record", "name": "Order", "namespace": "brook.ck",
      "fields": [{"name": "id", "type": "long"}, {"name": "item", "type": "string"}]}
V2 = {**V1, "fields": V1["fields"] + [{"name": "qty", "type": "int", "default": 1}]}
BREAKING = {**V1, "fields": V1["fields"] + [{"name": "channel", "type": "string"}]}


def avro_schema(d):
    return Schema(json.dumps(d), "AVRO")


def registry_id(b, subject, version="latest"):
    r = requests.get(f"{b.registry_url}/subjects/{quote(subject, safe='')}/versions/{version}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def raw_records(bootstrap, topic, n, timeout=30):
    """The topic's first n records as (key bytes, value bytes), read by a plain consumer."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"raw-{topic}", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < n and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            out.append((m.key(), m.value()))
    finally:
        c.close()
    assert len(out) == n, f"read {len(out)} of {n} records from {topic}"
    return out


def wire_prefix(schema_id):
    return b"\x00" + struct.pack(">I", schema_id)


@pytest.fixture(scope="module")
def b(module_broker):
    return module_broker


def fresh(b):
    # The client caches ids and schemas; a fresh one makes every call reach the registry.
    return SchemaRegistryClient({"url": b.registry_url})


# --- SchemaRegistryClient, call by call --------------------------------------------------------

def test_register_get_lookup_versions(b):
    sr = fresh(b)
    subject = "ck-orders-value"
    id1 = sr.register_schema(subject, avro_schema(V1))
    assert fresh(b).register_schema(subject, avro_schema(V1)) == id1  # same schema, same id

    got = fresh(b).get_schema(id1)
    assert got.schema_type == "AVRO" and json.loads(got.schema_str) == V1

    reg = fresh(b).lookup_schema(subject, avro_schema(V1))
    assert (reg.schema_id, reg.subject, reg.version) == (id1, subject, 1)
    assert json.loads(reg.schema.schema_str) == V1

    id2 = sr.register_schema(subject, avro_schema(V2))
    assert id2 != id1
    latest = sr.get_latest_version(subject)
    assert (latest.schema_id, latest.version, latest.subject) == (id2, 2, subject)
    v1 = sr.get_version(subject, 1)
    assert (v1.schema_id, v1.version) == (id1, 1) and json.loads(v1.schema.schema_str) == V1
    assert sr.get_versions(subject) == [1, 2]
    assert subject in sr.get_subjects()

    # An id is global: the same schema under another subject keeps it.
    assert sr.register_schema("ck-orders-copy", avro_schema(V1)) == id1


def test_compatibility_calls(b):
    sr = fresh(b)
    subject = "ck-compat-value"
    sr.register_schema(subject, avro_schema(V1))
    assert sr.get_compatibility() == "BACKWARD"
    assert sr.test_compatibility(subject, avro_schema(V2)) is True
    assert sr.test_compatibility(subject, avro_schema(BREAKING)) is False
    assert sr.test_compatibility(subject, avro_schema(BREAKING), version=1) is False

    assert sr.set_compatibility(subject, "full") == {"compatibility": "FULL"}
    assert sr.get_compatibility(subject) == "FULL"
    assert sr.get_compatibility() == "BACKWARD"  # the global level stays
    # Under FULL, removing a field without a default breaks old readers.
    fewer = {**V1, "fields": [V1["fields"][0]]}
    assert sr.test_compatibility(subject, avro_schema(fewer)) is False
    with pytest.raises(SchemaRegistryError) as e:
        sr.register_schema(subject, avro_schema(fewer))
    assert e.value.http_status_code == 409 and e.value.error_code == 409

    assert sr.set_compatibility(subject, "NONE") == {"compatibility": "NONE"}
    assert sr.test_compatibility(subject, avro_schema(fewer)) is True
    assert sr.register_schema(subject, avro_schema(fewer)) > 0


def test_delete_version_and_subject(b):
    sr = fresh(b)
    subject = "ck-del-value"
    sr.register_schema(subject, avro_schema(V1))
    sr.register_schema(subject, avro_schema(V2))
    assert sr.delete_version(subject, 1) == 1
    assert sr.get_versions(subject) == [2]
    assert sr.delete_subject(subject) == [2]
    assert subject not in sr.get_subjects()
    with pytest.raises(SchemaRegistryError) as e:
        sr.get_versions(subject)
    assert e.value.error_code == 40401

    # permanent=True: the client soft-deletes, then deletes for good.
    gone = "ck-del-permanent"
    sr.register_schema(gone, avro_schema(V1))
    assert sr.delete_subject(gone, permanent=True) == [1]
    r = requests.get(f"{b.registry_url}/subjects?deleted=true", timeout=10)
    assert gone not in r.json()


def test_client_errors(b):
    sr = fresh(b)
    cases = [
        (lambda: sr.get_schema(987654), 404, 40403),
        (lambda: sr.get_latest_version("ck-no-such-subject"), 404, 40401),
        (lambda: sr.get_version("ck-orders-value", 99), 404, 40402),
        (lambda: sr.register_schema("ck-bad", Schema('{"type": "record", "name": "X"', "AVRO")), 422, 42201),
        (lambda: sr.set_compatibility("ck-bad", "SIDEWAYS"), 422, 42203),
        (lambda: sr.lookup_schema("ck-no-such-subject", avro_schema(V1)), 404, 40401),
    ]
    sr.register_schema("ck-orders-value", avro_schema(V1))
    for call, status, code in cases:
        with pytest.raises(SchemaRegistryError) as e:
            call()
        assert (e.value.http_status_code, e.value.error_code) == (status, code), e.value


# --- the legacy CachedSchemaRegistryClient (what AvroProducer/AvroConsumer use) ---------------

def test_legacy_cached_client_calls(b):
    c = CachedSchemaRegistryClient({"url": b.registry_url})
    subject = "ck-legacy-value"
    v1, v2 = avro.loads(json.dumps(V1)), avro.loads(json.dumps(V2))
    id1 = c.register(subject, v1)
    fresh_c = CachedSchemaRegistryClient({"url": b.registry_url})
    assert fresh_c.get_by_id(id1).to_json() == v1.to_json()
    assert fresh_c.check_registration(subject, v1) == id1
    assert fresh_c.get_version(subject, v1) == 1
    assert fresh_c.test_compatibility(subject, v2) is True
    assert fresh_c.test_compatibility(subject, avro.loads(json.dumps(BREAKING))) is False
    id2 = c.register(subject, v2)
    latest_id, latest_schema, latest_version = fresh_c.get_latest_schema(subject)
    assert (latest_id, latest_version) == (id2, 2) and latest_schema.to_json() == v2.to_json()
    bid, bschema, bversion = fresh_c.get_by_version(subject, 1)
    assert (bid, bversion) == (id1, 1) and bschema.to_json() == v1.to_json()
    assert fresh_c.get_by_version(subject, 7) == (None, None, None)  # its way of saying 40402
    assert c.update_compatibility("FORWARD", subject) == "FORWARD"
    assert fresh_c.get_compatibility(subject) == "FORWARD"
    assert c.delete_subject(subject) == [1, 2]


# --- the legacy AvroProducer / AvroConsumer (python3-avro) -------------------------------------

def test_legacy_avro_producer_and_consumer_through_a_topic(b):
    topic = "ck-avro-legacy"
    create_topic(b.bootstrap, topic)
    conf = {"bootstrap.servers": b.bootstrap, "schema.registry.url": b.registry_url}
    p1 = AvroProducer(conf, default_key_schema=avro.loads('"string"'), default_value_schema=avro.loads(json.dumps(V1)))
    for i in range(10):
        p1.produce(topic=topic, key=f"k{i}", value={"id": i, "item": f"item-{i}"})
    assert p1.flush(30) == 0
    # The evolved schema registers as version 2 and its records carry its own id.
    p2 = AvroProducer(conf, default_key_schema=avro.loads('"string"'), default_value_schema=avro.loads(json.dumps(V2)))
    for i in range(10, 15):
        p2.produce(topic=topic, key=f"k{i}", value={"id": i, "item": f"item-{i}", "qty": i})
    assert p2.flush(30) == 0

    c = AvroConsumer({**conf, "group.id": "ck-avro-legacy", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = []
    deadline = time.monotonic() + 30
    while len(got) < 15 and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        assert m.error() is None, m.error()
        got.append((m.key(), m.value()))
    c.close()
    assert got[:10] == [(f"k{i}", {"id": i, "item": f"item-{i}"}) for i in range(10)]
    assert got[10:] == [(f"k{i}", {"id": i, "item": f"item-{i}", "qty": i}) for i in range(10, 15)]

    key_id = registry_id(b, f"{topic}-key")
    v1_id, v2_id = registry_id(b, f"{topic}-value", 1), registry_id(b, f"{topic}-value", 2)
    assert v1_id != v2_id
    raw = raw_records(b.bootstrap, topic, 15)
    assert all(k.startswith(wire_prefix(key_id)) for k, _ in raw)
    assert all(v.startswith(wire_prefix(v1_id)) for _, v in raw[:10])
    assert all(v.startswith(wire_prefix(v2_id)) for _, v in raw[10:])


def test_legacy_producer_refused_an_incompatible_schema(b):
    topic = "ck-avro-refused"
    create_topic(b.bootstrap, topic)
    conf = {"bootstrap.servers": b.bootstrap, "schema.registry.url": b.registry_url}
    p = AvroProducer(conf, default_value_schema=avro.loads(json.dumps(V1)))
    p.produce(topic=topic, value={"id": 1, "item": "a"})
    assert p.flush(30) == 0
    bad = AvroProducer(conf, default_value_schema=avro.loads(json.dumps(BREAKING)))
    with pytest.raises(ClientError, match="Incompatible Avro schema:409"):
        bad.produce(topic=topic, value={"id": 2, "item": "b", "channel": "web"})
