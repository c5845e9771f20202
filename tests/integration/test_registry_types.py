"""The three schema types through the core: JSON Schema and Protobuf register, are served with
their schemaType, resolve references (a Protobuf import), and a subject changes type only under NONE."""
import json

import pytest

from registry_rest import Registry, record


@pytest.fixture(scope="module")
def reg(module_broker):
    return Registry(module_broker.registry_url)


def test_types_listed(reg):
    assert sorted(reg.ok("GET", "/schemas/types")) == ["AVRO", "JSON", "PROTOBUF"]


def test_json_schema(reg):
    v1 = {"type": "object", "properties": {"a": {"type": "integer"}}}
    sid = reg.register_id("ty-json", json.dumps(v1), schema_type="JSON")
    got = reg.ok("GET", f"/schemas/ids/{sid}")
    assert got["schemaType"] == "JSON" and json.loads(got["schema"]) == v1
    assert reg.ok("GET", "/subjects/ty-json/versions/1")["schemaType"] == "JSON"
    assert reg.register_id("ty-json", json.dumps(v1, indent=3), schema_type="JSON") == sid
    found = reg.ok("POST", "/subjects/ty-json", {"schema": json.dumps(v1), "schemaType": "JSON"})
    assert found["id"] == sid
    reg.err("POST", "/subjects/ty-json/versions", {"schema": '{"type": 12}', "schemaType": "JSON"}, code=42201)


def test_protobuf_with_an_import(reg):
    dep = 'syntax = "proto3";\npackage acme;\nmessage Money { int64 cents = 1; }\n'
    did = reg.register_id("ty-money", dep, schema_type="PROTOBUF")
    order = ('syntax = "proto3";\npackage acme;\nimport "money.proto";\n'
             'message Order { string id = 1; acme.Money total = 2; }\n')
    refs = [{"name": "money.proto", "subject": "ty-money", "version": 1}]
    reg.err("POST", "/subjects/ty-order/versions", {"schema": order, "schemaType": "PROTOBUF"}, code=42201)
    oid = reg.register_id("ty-order", order, schema_type="PROTOBUF", references=refs)
    got = reg.ok("GET", f"/schemas/ids/{oid}")
    assert got["schemaType"] == "PROTOBUF" and got["references"] == refs
    assert reg.ok("GET", "/subjects/ty-money/versions/1/referencedby") == [oid]
    assert did != oid


def test_schema_type_changes_only_under_none(reg):
    reg.register_id("ty-change", record("C", ("c", "int")))
    j = reg.err("POST", "/subjects/ty-change/versions",
                {"schema": '{"type": "object"}', "schemaType": "JSON"}, status=409)
    assert "SCHEMA_TYPE_CHANGED" in j["message"]
    reg.ok("PUT", "/config/ty-change", {"compatibility": "NONE"})
    assert reg.register_id("ty-change", '{"type": "object"}', schema_type="JSON") > 0


def test_json_policy_strict_by_default_lenient_per_subject(reg):
    v1 = {"type": "object", "properties": {"a": {"type": "integer"}}}
    v2 = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}}
    reg.register_id("ty-policy", json.dumps(v1), schema_type="JSON")
    j = reg.err("POST", "/subjects/ty-policy/versions", {"schema": json.dumps(v2), "schemaType": "JSON"}, status=409)
    assert "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL" in j["message"], j
    assert reg.ok("PUT", "/config/ty-policy", {"jsonCompatibilityPolicy": "LENIENT"}) == {
        "jsonCompatibilityPolicy": "LENIENT"}
    assert reg.ok("GET", "/config/ty-policy")["jsonCompatibilityPolicy"] == "LENIENT"
    assert reg.register_id("ty-policy", json.dumps(v2), schema_type="JSON") > 0
    reg.err("PUT", "/config/ty-policy", {"jsonCompatibilityPolicy": "SLOPPY"}, status=422, code=42203)
