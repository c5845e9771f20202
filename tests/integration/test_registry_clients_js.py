"""@kafkajs/confluent-schema-registry (npm; its own HTTP client, avsc, ajv and protobufjs) against
Brook's schema registry: AVRO (also with a reference), JSON and PROTOBUF schemas registered,
values encoded and decoded, getLatestSchemaId / getRegistryId / getRegistryIdBySchema, and the
encoded values through a Brook topic with kafkajs (tests/js/registry.js). The ids it reports are
checked against the registry over plain HTTP and against the records' first five bytes. Across
clients: what confluent-kafka-python's serializers wrote decodes in JS (tests/js/registry_decode.js),
and the JS client's Avro and JSON records decode in Python."""
import json
import os
import pathlib
import struct
import subprocess

import requests
from confluent_kafka import avro
from confluent_kafka.avro import AvroProducer, CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer

from clients import create_topic
from test_registry_clients import V2, raw_records, registry_id
from test_registry_clients_serde import USER_SCHEMA, produce, proto_root, shop_pb2  # noqa: F401 (fixtures)

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "js" / "registry.js"


def test_kafkajs_schema_registry_client(broker):
    topic = "js-registry"
    env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
    run = subprocess.run(["node", str(SCRIPT), broker.registry_url, broker.bootstrap, topic],
                         capture_output=True, text=True, timeout=90, env=env)
    assert run.returncode == 0, f"registry.js failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    out = json.loads(run.stdout.strip().splitlines()[-1])

    ids = out["ids"]
    assert ids["avro"] == registry_id(broker, f"{topic}-value")
    assert ids["json"] == registry_id(broker, f"{topic}-json")
    assert ids["protobuf"] == registry_id(broker, f"{topic}-proto")
    assert ids["money"] == registry_id(broker, f"{topic}-money")
    assert ids["payment"] == registry_id(broker, f"{topic}-payment")
    assert len(set(ids.values())) == 5
    assert out["latest"] == {"avro": ids["avro"], "json": ids["json"], "protobuf": ids["protobuf"]}
    assert out["by_version"] == ids["avro"] and out["by_schema"] == ids["avro"]
    assert out["proto_by_schema"] == ids["protobuf"] and out["json_by_schema"] == ids["json"]
    # Records in the topic: magic 0 + the 4-byte id, as the registry assigned them.
    assert out["record_headers"] == [("00" + struct.pack(">I", ids[k]).hex()) for k in ("avro", "json", "protobuf")]


def js_decode(b, topic, n):
    run = subprocess.run(["node", str(SCRIPT.parent / "registry_decode.js"), b.registry_url, b.bootstrap, topic, str(n)],
                         capture_output=True, text=True, timeout=90,
                         env=dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1"))
    assert run.returncode == 0, f"registry_decode.js failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_what_python_serializers_wrote_decodes_in_js(broker, shop_pb2):  # noqa: F811
    """confluent-kafka-python writes, @kafkajs/confluent-schema-registry reads: the JS client
    fetches each writer schema (and its references) by the id in the record from Brook."""
    b = broker
    sr = SchemaRegistryClient({"url": b.registry_url})

    create_topic(b.bootstrap, "x-json")
    users = [{"name": f"u{i}", "age": 30 + i, "emails": []} for i in range(3)]
    produce(b, "x-json", JSONSerializer(json.dumps(USER_SCHEMA), sr), users)
    got = js_decode(b, "x-json", 3)
    assert got["values"] == users and set(got["ids"]) == {registry_id(b, "x-json-value")}

    create_topic(b.bootstrap, "x-proto")
    orders = []
    for i in range(3):
        o = shop_pb2.Order(id=f"o{i}", items=["tea"])
        o.total.cents, o.total.currency = 500 + i, "EUR"
        o.placed_at.seconds = 1_700_000_000 + i
        orders.append(o)
    produce(b, "x-proto", ProtobufSerializer(shop_pb2.Order, sr), orders)
    got = js_decode(b, "x-proto", 3)
    # protobufjs: camelCase names, 64-bit integers as strings.
    assert [(v["id"], v["total"], v["placedAt"]["seconds"], v["items"]) for v in got["values"]] == \
        [(f"o{i}", {"cents": str(500 + i), "currency": "EUR"}, str(1_700_000_000 + i), ["tea"]) for i in range(3)]

    create_topic(b.bootstrap, "x-avro")
    p = AvroProducer({"bootstrap.servers": b.bootstrap, "schema.registry.url": b.registry_url},
                     default_value_schema=avro.loads(json.dumps(V2)))
    for i in range(3):
        p.produce(topic="x-avro", value={"id": i, "item": f"i{i}", "qty": i})
    assert p.flush(30) == 0
    got = js_decode(b, "x-avro", 3)
    assert got["values"] == [{"id": i, "item": f"i{i}", "qty": i} for i in range(3)]


def test_what_js_wrote_decodes_in_python(broker):
    """The reverse: registry.js's Avro and JSON records, decoded by the legacy Avro decoder and the
    JSONDeserializer (the JS client writes Protobuf without Confluent's message index, so only
    its own decoder reads those)."""
    b = broker
    topic = "js-registry-rev"
    run = subprocess.run(["node", str(SCRIPT), b.registry_url, b.bootstrap, topic],
                         capture_output=True, text=True, timeout=90,
                         env=dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1"))
    assert run.returncode == 0, run.stderr
    raw = raw_records(b.bootstrap, topic, 2)
    # The legacy AvroConsumer's decoder (the keys are plain strings, so not the consumer itself).
    legacy = MessageSerializer(CachedSchemaRegistryClient({"url": b.registry_url}))
    assert legacy.decode_message(raw[0][1]) == {"id": 42, "item": "kettle", "qty": 3}
    js_user_schema = requests.get(f"{b.registry_url}/subjects/{topic}-json/versions/latest", timeout=10).json()["schema"]
    assert JSONDeserializer(js_user_schema)(raw[1][1], None) == {"user": "ada", "age": 36}
