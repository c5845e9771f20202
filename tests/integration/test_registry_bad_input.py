"""Every bad input the registry refuses, one test each, through HTTP: the status, Confluent's
error_code and a message — never a 500."""
import json

import pytest
import requests

from registry_rest import CT, Registry, record

GOOD = record("Bad", ("a", "int"))


@pytest.fixture(scope="module")
def reg(module_broker):
    r = Registry(module_broker.registry_url)
    r.register_id("bad-base", GOOD)
    return r


def test_unparseable_schema_42201(reg):
    for schema in ('{"type": "record", "name": "X"}', "{not json", '{"type": "nosuchtype"}', '"int" trailing'):
        j = reg.err("POST", "/subjects/bad-parse/versions", {"schema": schema}, status=422, code=42201)
        assert "Invalid schema" in j["message"]
    reg.err("POST", "/subjects/bad-parse/versions", {}, status=422, code=42201)
    reg.err("POST", "/subjects/bad-parse/versions", {"schema": "x", "schemaType": "XML"}, status=422, code=42201)


def test_invalid_version_42202(reg):
    for v in ("0", "-2", "one", "2147483648", "1.0"):
        reg.err("GET", f"/subjects/bad-base/versions/{v}", status=422, code=42202)
    reg.err("DELETE", "/subjects/bad-base/versions/zero", status=422, code=42202)
    reg.err("GET", "/subjects/bad-base/versions/x/referencedby", status=422, code=42202)


def test_invalid_compatibility_level_42203(reg):
    reg.err("PUT", "/config/bad-base", {"compatibility": "MOSTLY"}, status=422, code=42203)
    reg.err("PUT", "/config", {"compatibility": 3}, status=422, code=42203)


def test_invalid_mode_42204(reg):
    reg.err("PUT", "/mode/bad-base", {"mode": "READWRITEISH"}, status=422, code=42204)
    reg.err("PUT", "/mode/bad-base", {}, status=422, code=42204)


def test_unknown_subject_40401(reg):
    reg.err("GET", "/subjects/bad-none/versions", status=404, code=40401)
    reg.err("GET", "/subjects/bad-none/versions/1", status=404, code=40401)
    reg.err("DELETE", "/subjects/bad-none", status=404, code=40401)
    reg.err("POST", "/subjects/bad-none", {"schema": json.dumps(GOOD)}, status=404, code=40401)


def test_unknown_version_40402(reg):
    reg.err("GET", "/subjects/bad-base/versions/99", status=404, code=40402)
    reg.err("DELETE", "/subjects/bad-base/versions/99", status=404, code=40402)


def test_unknown_id_40403(reg):
    for path in ("/schemas/ids/999999", "/schemas/ids/999999/schema", "/schemas/ids/999999/versions",
                 "/schemas/ids/999999/subjects", "/schemas/ids/abc"):
        reg.err("GET", path, status=404, code=40403)


def test_permanent_delete_before_soft_delete_40405_40407(reg):
    reg.register_id("bad-perm", GOOD)
    reg.err("DELETE", "/subjects/bad-perm", params={"permanent": "true"}, status=404, code=40405)
    reg.err("DELETE", "/subjects/bad-perm/versions/1", params={"permanent": "true"}, status=404, code=40407)


def test_delete_of_referenced_schema_42206(reg):
    reg.register_id("bad-ref-target", record("Target", ("t", "int")))
    reg.register_id("bad-ref-user", {"type": "record", "name": "RefUser", "fields": [{"name": "t", "type": "Target"}]},
                    references=[{"name": "Target", "subject": "bad-ref-target", "version": 1}])
    j = reg.err("DELETE", "/subjects/bad-ref-target/versions/1", status=422, code=42206)
    assert "bad-ref-target" in j["message"]


def test_incompatible_registration_409(reg):
    j = reg.err("POST", "/subjects/bad-base/versions",
                {"schema": json.dumps(record("Bad", ("a", "string")))}, status=409, code=409)
    assert "details" in j["message"] and "errorType" in j["message"]


def test_write_in_readonly_mode_42205(reg):
    reg.register_id("bad-ro", GOOD)
    reg.ok("PUT", "/mode/bad-ro", {"mode": "READONLY"})
    reg.err("POST", "/subjects/bad-ro/versions", {"schema": json.dumps(record("Bad", ("a", "int"), ("b", "int", 0)))},
            status=422, code=42205)
    reg.err("DELETE", "/subjects/bad-ro/versions/1", status=422, code=42205)


def test_conflicting_import_id_42207(broker):
    reg = Registry(broker.registry_url)
    reg.ok("PUT", "/mode", {"mode": "IMPORT"})
    reg.register_id("imp", GOOD, id=10)
    reg.err("POST", "/subjects/imp2/versions", {"schema": json.dumps(record("Other", ("o", "int"))), "id": 10},
            status=422, code=42207)


def test_invalid_subject_42208(reg):
    reg.err("POST", "/subjects/bad%01ctl/versions", {"schema": json.dumps(GOOD)}, status=422, code=42208)
    reg.err("PUT", "/config/bad%7Fdel", {"compatibility": "NONE"}, status=422, code=42208)
    reg.err("POST", "/subjects/not%FFutf8/versions", {"schema": json.dumps(GOOD)}, status=422, code=42208)


def test_oversized_body_413(broker_factory):
    b = broker_factory(sets={"schema.registry.max.request.bytes": "65536"})
    r = requests.post(b.registry_url + "/subjects/big/versions", headers={"Content-Type": CT},
                      data=json.dumps({"schema": json.dumps(record("Big", *[(f"f{i}", "int") for i in range(4000)]))}))
    assert r.status_code == 413 and r.json()["error_code"] == 413, r.text
    assert Registry(b.registry_url).ok("GET", "/subjects") == [], "the listener goes on serving"


def test_wrong_content_type_415(reg):
    j = reg.err("POST", "/subjects/bad-ct/versions", data=json.dumps({"schema": json.dumps(GOOD)}),
                headers={"Content-Type": "text/plain"}, status=415, code=415)
    assert "content type" in j["message"]
    reg.err("PUT", "/config", data='{"compatibility": "NONE"}', headers={"Content-Type": "application/xml"}, status=415)


def test_malformed_json_400_and_wrong_shapes_422(reg):
    j = reg.err("POST", "/subjects/bad-json/versions", data='{"schema": ', status=400, code=400)
    assert "JSON" in j["message"]
    reg.err("PUT", "/config", data="compatibility=NONE", status=400, code=400)
    reg.err("POST", "/subjects/bad-json/versions", data="[1, 2]", status=422, code=422)
    reg.err("POST", "/subjects/bad-json/versions", {"schema": {"type": "int"}}, status=422, code=422)
    reg.err("POST", "/subjects/bad-json/versions", {"schema": "\"int\"", "references": [{"name": 1}]},
            status=422, code=422)


def test_unknown_route_and_method(reg):
    reg.err("GET", "/nope", status=404)
    r = reg.call("PATCH", "/subjects")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
