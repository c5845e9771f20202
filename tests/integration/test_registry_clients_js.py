"""@kafkajs/confluent-schema-registry (npm; its own HTTP client, avsc, ajv and protobufjs) against
Brook's schema registry: AVRO (also with a reference), JSON and PROTOBUF schemas registered,
values encoded and decoded, getLatestSchemaId / getRegistryId / getRegistryIdBySchema, and the
encoded values through a Brook topic with kafkajs (tests/js/registry.js). The ids it reports are
checked against the registry over plain HTTP and against the records' first five bytes."""
import json
import os
import pathlib
import struct
import subprocess

from test_registry_clients import registry_id

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
