#!/usr/bin/python3
"""Writes python_schemas.json: the exact schema strings confluent-kafka-python 1.7.0's
ProtobufSerializer registers for order.proto and its imports (base64 of each file's
serialized FileDescriptorProto, through the serializer's own _schema_to_str), and the message
index bytes it writes before the payload for some of order.proto's messages.

Run with Debian's python (python3-confluent-kafka, python3-protobuf, protobuf-compiler):
    /usr/bin/python3 tests/unit/registry_protobuf/data/gen_python_schemas.py
"""
import importlib
import io
import json
import pathlib
import subprocess
import sys
import tempfile

from confluent_kafka.schema_registry.protobuf import ProtobufSerializer, _create_msg_index, _schema_to_str

here = pathlib.Path(__file__).resolve().parent
with tempfile.TemporaryDirectory() as out:
    subprocess.run(["protoc", f"-I{here}", f"--python_out={out}", "order.proto", "shop/common.proto"],
                   cwd=here, check=True)
    sys.path.insert(0, out)
    order_pb2 = importlib.import_module("order_pb2")
    files = []

    def walk(fd):  # dependencies first, as the serializer's _resolve_dependencies registers them
        for dep in fd.dependencies:
            walk(dep)
        if all(f["name"] != fd.name for f in files):
            files.append({"name": fd.name, "schema": _schema_to_str(fd)})

    walk(order_pb2.DESCRIPTOR)
    indexes = []
    for desc in (order_pb2.Order.DESCRIPTOR, order_pb2.Refund.DESCRIPTOR, order_pb2.Order.Line.DESCRIPTOR):
        buf = io.BytesIO()
        ProtobufSerializer._encode_uvarints(buf, _create_msg_index(desc))
        indexes.append({"message": desc.full_name, "bytes": buf.getvalue().hex()})
(here / "python_schemas.json").write_text(json.dumps({"schemas": files, "indexes": indexes}, indent=1) + "\n")
print(f"wrote {len(files)} schemas, {len(indexes)} index paths")
