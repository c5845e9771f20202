"""The schema registry's REST API through HTTP, endpoint by endpoint: bodies, status codes and
Confluent's error codes, against a real `brook serve` (Avro schemas)."""
import json

import pytest

from registry_rest import CT, Registry, quote, record

USER = record("User", ("name", "string"))
USER2 = record("User", ("name", "string"), ("age", "int", 0))        # BACKWARD-compatible with USER
USER_BAD = record("User", ("name", "string"), ("email", "string"))  # new field without default


@pytest.fixture(scope="module")
def reg(module_broker):
    return Registry(module_broker.registry_url)


@pytest.fixture
def fresh(broker):
    """A registry of its own, for tests that change global config or mode."""
    return Registry(broker.registry_url)


def test_root_metadata_and_types(reg):
    r = reg.call("GET", "/")
    assert r.status_code == 200 and r.json() == {}
    assert r.headers["Content-Type"] == CT
    md = reg.ok("GET", "/v1/metadata/id")
    assert md["scope"]["path"] == []
    assert md["scope"]["clusters"]["schema-registry-cluster"] == "schema-registry"
    assert isinstance(md["scope"]["clusters"]["kafka-cluster"], str)
    assert "AVRO" in reg.ok("GET", "/schemas/types")


def test_register_and_read_back_every_way(reg):
    sid = reg.register_id("api-rw-value", USER)
    assert sid >= 1
    by_id = reg.ok("GET", f"/schemas/ids/{sid}")
    assert set(by_id) == {"schema"}, "AVRO: no schemaType, no references"
    assert json.loads(by_id["schema"]) == USER
    raw = reg.call("GET", f"/schemas/ids/{sid}/schema")
    assert raw.status_code == 200 and json.loads(raw.text) == USER
    assert reg.ok("GET", f"/schemas/ids/{sid}/versions") == [{"subject": "api-rw-value", "version": 1}]
    assert reg.ok("GET", f"/schemas/ids/{sid}/subjects") == ["api-rw-value"]
    assert "api-rw-value" in reg.ok("GET", "/subjects")
    assert reg.ok("GET", "/subjects/api-rw-value/versions") == [1]
    for v in ("1", "latest", "-1"):
        got = reg.ok("GET", f"/subjects/api-rw-value/versions/{v}")
        assert got == {"subject": "api-rw-value", "version": 1, "id": sid, "schema": by_id["schema"]}
    assert json.loads(reg.call("GET", "/subjects/api-rw-value/versions/1/schema").text) == USER
    assert reg.ok("GET", "/subjects/api-rw-value/versions/1/referencedby") == []
    with_max = reg.ok("GET", f"/schemas/ids/{sid}", params={"fetchMaxId": "true"})
    assert with_max["maxId"] >= sid
    assert reg.ok("GET", f"/schemas/ids/{sid}", params={"subject": "api-rw-value"})["schema"] == by_id["schema"]


def test_same_schema_same_id_whitespace_and_key_order_do_not_count(reg):
    sid = reg.register_id("api-same", USER)
    assert reg.register_id("api-same", USER) == sid
    reordered = '{ "fields" : [ {"type":"string", "name":"name"} ],\n  "name": "User", "type": "record" }'
    assert reg.register_id("api-same", reordered) == sid
    assert reg.ok("GET", "/subjects/api-same/versions") == [1]


def test_ids_are_global_versions_per_subject(reg):
    a = reg.register_id("api-glob-a", record("Glob", ("x", "int")))
    b = reg.register_id("api-glob-b", record("Other", ("y", "int")))
    c = reg.register_id("api-glob-b", record("Other", ("y", "int"), ("z", "int", 1)))
    assert a < b < c
    assert reg.register_id("api-glob-c", record("Glob", ("x", "int"))) == a
    assert reg.ok("GET", "/subjects/api-glob-c/versions") == [1]
    assert sorted(reg.ok("GET", f"/schemas/ids/{a}/subjects")) == ["api-glob-a", "api-glob-c"]


def test_lookup_under_subject(reg):
    sid = reg.register_id("api-look", USER)
    got = reg.ok("POST", "/subjects/api-look", {"schema": json.dumps(USER)})
    assert got == {"subject": "api-look", "version": 1, "id": sid, "schema": got["schema"]}
    reg.err("POST", "/subjects/api-look", {"schema": json.dumps(USER2)}, status=404, code=40403)
    reg.err("POST", "/subjects/api-look-none", {"schema": json.dumps(USER)}, status=404, code=40401)
    reg.err("POST", "/subjects/api-look", {"schema": "{nope"}, status=422, code=42201)


def test_incompatible_registration_is_409_with_reasons(reg):
    reg.register_id("api-compat", USER)
    j = reg.err("POST", "/subjects/api-compat/versions", {"schema": json.dumps(USER_BAD)}, status=409, code=409)
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in j["message"] and "email" in j["message"], j
    assert reg.ok("GET", "/subjects/api-compat/versions") == [1]
    assert reg.register_id("api-compat", USER2) > 0
    assert reg.ok("GET", "/subjects/api-compat/versions") == [1, 2]


def test_compatibility_endpoints(reg):
    reg.register_id("api-check", USER)
    path = "/compatibility/subjects/api-check/versions"
    assert reg.ok("POST", path + "/latest", {"schema": json.dumps(USER2)}) == {"is_compatible": True}
    assert reg.ok("POST", path, {"schema": json.dumps(USER_BAD)}) == {"is_compatible": False}
    v = reg.ok("POST", path + "/1", {"schema": json.dumps(USER_BAD)}, params={"verbose": "true"})
    assert v["is_compatible"] is False
    assert v["messages"][0].startswith("{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'"), v
    assert "{oldSchemaVersion: 1}" in v["messages"]
    assert "{validateFields: 'false', compatibility: 'BACKWARD'}" in v["messages"]
    assert reg.ok("POST", path, {"schema": json.dumps(USER2)}, params={"verbose": "true"}) == {
        "is_compatible": True, "messages": []}
    assert reg.ok("POST", "/compatibility/subjects/api-check-none/versions", {"schema": json.dumps(USER)}) == {
        "is_compatible": True}, "nothing to be incompatible with"
    reg.err("POST", "/compatibility/subjects/api-check-none/versions/1", {"schema": json.dumps(USER)}, code=40401)
    reg.err("POST", path + "/7", {"schema": json.dumps(USER)}, code=40402)
    reg.err("POST", path + "/zero", {"schema": json.dumps(USER)}, code=42202)


def test_transitive_checks_every_live_version(reg):
    s = "api-trans"
    reg.ok("PUT", f"/config/{s}", {"compatibility": "NONE"})
    reg.register_id(s, record("T", ("a", "int")))
    reg.register_id(s, record("T", ("b", "int")))
    newer = record("T", ("b", "int"), ("c", "int", 0))
    reg.ok("PUT", f"/config/{s}", {"compatibility": "BACKWARD_TRANSITIVE"})
    reg.err("POST", f"/subjects/{s}/versions", {"schema": json.dumps(newer)}, status=409)
    reg.ok("PUT", f"/config/{s}", {"compatibility": "BACKWARD"})
    assert reg.ok("POST", f"/compatibility/subjects/{s}/versions", {"schema": json.dumps(newer)})["is_compatible"]
    # Transitive again, but with version 1 soft-deleted: only live versions count.
    reg.ok("PUT", f"/config/{s}", {"compatibility": "BACKWARD_TRANSITIVE"})
    assert reg.ok("DELETE", f"/subjects/{s}/versions/1") == 1
    assert reg.register_id(s, newer) > 0
    assert reg.ok("GET", f"/subjects/{s}/versions") == [2, 3]


def test_forward_and_full(reg):
    reg.ok("PUT", "/config/api-fwd", {"compatibility": "FORWARD"})
    reg.register_id("api-fwd", USER2)
    reg.err("POST", "/subjects/api-fwd/versions", {"schema": json.dumps(record("User", ("age", "int", 0)))},
            status=409)  # the old reader needs `name`, which has no default
    reg.ok("PUT", "/config/api-full", {"compatibility": "FULL"})
    reg.register_id("api-full", USER)
    reg.err("POST", "/subjects/api-full/versions", {"schema": json.dumps(USER_BAD)}, status=409)
    assert reg.register_id("api-full", USER2) > 0


def test_version_soft_and_permanent_delete(reg):
    s = "api-delv"
    v1, v2 = record("DelV", ("name", "string")), record("DelV", ("name", "string"), ("age", "int", 0))
    reg.register_id(s, v1)
    sid2 = reg.register_id(s, v2)
    reg.err("DELETE", f"/subjects/{s}/versions/2", params={"permanent": "true"}, status=404, code=40407)
    assert reg.ok("DELETE", f"/subjects/{s}/versions/2") == 2
    reg.err("DELETE", f"/subjects/{s}/versions/2", status=404, code=40406)
    assert reg.ok("GET", f"/subjects/{s}/versions") == [1]
    assert reg.ok("GET", f"/subjects/{s}/versions", params={"deleted": "true"}) == [1, 2]
    assert reg.ok("GET", f"/subjects/{s}/versions", params={"deletedOnly": "true"}) == [2]
    reg.err("GET", f"/subjects/{s}/versions/2", status=404, code=40402)
    assert reg.ok("GET", f"/subjects/{s}/versions/2", params={"deleted": "true"})["id"] == sid2
    assert reg.ok("GET", f"/subjects/{s}/versions/latest")["version"] == 1
    assert reg.ok("GET", f"/schemas/ids/{sid2}")["schema"], "a soft-deleted schema still decodes by id"
    assert reg.ok("GET", f"/schemas/ids/{sid2}/versions") == []
    assert reg.ok("GET", f"/schemas/ids/{sid2}/versions", params={"deleted": "true"}) == [{"subject": s, "version": 2}]
    assert reg.ok("GET", f"/schemas/ids/{sid2}/subjects") == []
    assert reg.ok("GET", f"/schemas/ids/{sid2}/subjects", params={"deleted": "true"}) == [s]
    assert reg.ok("GET", f"/schemas/ids/{sid2}/subjects", params={"deleted": "true", "subject": "other"}) == []
    assert reg.ok("DELETE", f"/subjects/{s}/versions/2", params={"permanent": "true"}) == 2
    reg.err("GET", f"/subjects/{s}/versions/2", params={"deleted": "true"}, code=40402)
    reg.err("GET", f"/schemas/ids/{sid2}", status=404, code=40403)
    # The same schema again: a new version number (2 is never reused) and, its id being gone, a new id.
    assert reg.register_id(s, v2) > sid2
    assert reg.ok("GET", f"/subjects/{s}/versions") == [1, 3]


def test_subject_soft_and_permanent_delete(reg):
    s = "api-dels"
    reg.register_id(s, USER)
    reg.register_id(s, USER2)
    reg.err("DELETE", f"/subjects/{s}", params={"permanent": "true"}, status=404, code=40405)
    assert reg.ok("DELETE", f"/subjects/{s}") == [1, 2]
    reg.err("DELETE", f"/subjects/{s}", status=404, code=40404)
    assert s not in reg.ok("GET", "/subjects")
    assert s in reg.ok("GET", "/subjects", params={"deleted": "true"})
    assert s in reg.ok("GET", "/subjects", params={"deletedOnly": "true"})
    reg.err("GET", f"/subjects/{s}/versions", status=404, code=40401)
    reg.err("GET", f"/subjects/{s}/versions/latest", status=404, code=40401)
    assert reg.ok("DELETE", f"/subjects/{s}", params={"permanent": "true"}) == [1, 2]
    assert s not in reg.ok("GET", "/subjects", params={"deleted": "true"})
    reg.err("DELETE", f"/subjects/{s}", status=404, code=40401)


def test_subject_names_are_percent_decoded(reg):
    s = "api ns/odd:name"
    sid = reg.register_id(s, USER)
    assert s in reg.ok("GET", "/subjects")
    assert reg.ok("GET", f"/subjects/{quote(s)}/versions/1")["subject"] == s
    assert reg.ok("GET", "/subjects", params={"subjectPrefix": "api ns/"}) == [s]
    assert s in reg.ok("GET", "/subjects", params={"subjectPrefix": ":*:"}), "Confluent's every-context prefix"
    assert {"subject": s, "version": 1} in reg.ok("GET", f"/schemas/ids/{sid}/versions")


def test_references_and_referencedby(reg):
    customer = record("Customer", ("id", "long"), namespace="com.acme")
    cid = reg.register_id("api-ref-customer", customer)
    order = {"type": "record", "name": "Order", "namespace": "com.acme",
             "fields": [{"name": "customer", "type": "com.acme.Customer"}]}
    refs = [{"name": "com.acme.Customer", "subject": "api-ref-customer", "version": 1}]
    reg.err("POST", "/subjects/api-ref-order/versions", {"schema": json.dumps(order)}, status=422, code=42201)
    reg.err("POST", "/subjects/api-ref-order/versions",
            {"schema": json.dumps(order), "references": [dict(refs[0], version=9)]}, status=422, code=42201)
    oid = reg.register_id("api-ref-order", order, references=refs)
    got = reg.ok("GET", f"/schemas/ids/{oid}")
    assert got["references"] == refs
    assert reg.ok("GET", "/subjects/api-ref-order/versions/1")["references"] == refs
    assert reg.ok("GET", "/subjects/api-ref-customer/versions/1/referencedby") == [oid]
    reg.err("DELETE", "/subjects/api-ref-customer/versions/1", status=422, code=42206)
    reg.err("DELETE", "/subjects/api-ref-customer", status=422, code=42206)
    assert reg.ok("POST", "/subjects/api-ref-order", {"schema": json.dumps(order), "references": refs})["id"] == oid
    assert cid != oid


def test_schemas_listing(reg):
    reg.register_id("api-list-a", record("LA", ("x", "int")))
    reg.register_id("api-list-a", record("LA", ("x", "int"), ("y", "int", 0)))
    reg.register_id("api-list-b", record("LB", ("x", "int")))
    all_ = reg.ok("GET", "/schemas", params={"subjectPrefix": "api-list-"})
    assert [(s["subject"], s["version"]) for s in all_] == [("api-list-a", 1), ("api-list-a", 2), ("api-list-b", 1)]
    latest = reg.ok("GET", "/schemas", params={"subjectPrefix": "api-list-", "latestOnly": "true"})
    assert [(s["subject"], s["version"]) for s in latest] == [("api-list-a", 2), ("api-list-b", 1)]
    page = reg.ok("GET", "/schemas", params={"subjectPrefix": "api-list-", "offset": "1", "limit": "1"})
    assert [(s["subject"], s["version"]) for s in page] == [("api-list-a", 2)]


def test_config_global_and_subject(fresh):
    reg = fresh
    assert reg.ok("GET", "/config") == {"compatibilityLevel": "BACKWARD"}
    assert reg.ok("PUT", "/config", {"compatibility": "FULL"}) == {"compatibility": "FULL"}
    assert reg.ok("GET", "/config") == {"compatibilityLevel": "FULL"}
    reg.err("GET", "/config/cfg", status=404, code=40408)
    assert reg.ok("GET", "/config/cfg", params={"defaultToGlobal": "true"}) == {"compatibilityLevel": "FULL"}
    assert reg.ok("PUT", "/config/cfg", {"compatibility": "none", "normalize": True}) == {
        "compatibility": "NONE", "normalize": True}
    assert reg.ok("GET", "/config/cfg") == {"compatibilityLevel": "NONE", "normalize": True}
    reg.err("PUT", "/config/cfg", {"compatibility": "SIDEWAYS"}, status=422, code=42203)
    reg.err("PUT", "/config", {}, status=422, code=42203)
    reg.err("PUT", "/config/cfg", {"compatibility": "FULL", "normalize": "yes"}, status=422, code=422)
    assert reg.ok("DELETE", "/config/cfg") == {"compatibilityLevel": "NONE", "normalize": True}
    reg.err("DELETE", "/config/cfg", status=404, code=40401)
    assert reg.ok("PUT", "/config/only-norm", {"normalize": True}) == {"normalize": True}
    assert reg.ok("GET", "/config/only-norm") == {"compatibilityLevel": "FULL", "normalize": True}
    assert reg.ok("DELETE", "/config") == {"compatibilityLevel": "FULL"}
    assert reg.ok("GET", "/config") == {"compatibilityLevel": "BACKWARD"}


def test_normalize(fresh):
    reg = fresh
    a = {"type": "record", "name": "N", "namespace": "x", "fields": [{"name": "f", "type": "int"}]}
    b = {"type": "record", "name": "x.N", "fields": [{"name": "f", "type": "int"}]}
    sid = reg.register_id("norm", a, params={"normalize": "true"})
    assert reg.register_id("norm", b, params={"normalize": "true"}) == sid
    assert reg.ok("POST", "/subjects/norm", {"schema": json.dumps(b)}, params={"normalize": "true"})["id"] == sid


def test_modes(fresh):
    reg = fresh
    assert reg.ok("GET", "/mode") == {"mode": "READWRITE"}
    reg.register_id("m-a", USER)
    assert reg.ok("PUT", "/mode", {"mode": "READONLY"}) == {"mode": "READONLY"}
    j = reg.err("POST", "/subjects/m-a/versions", {"schema": json.dumps(USER2)}, status=422, code=42205)
    assert "read-only" in j["message"]
    reg.err("DELETE", "/subjects/m-a", status=422, code=42205)
    reg.err("GET", "/mode/m-a", status=404, code=40409)
    assert reg.ok("GET", "/mode/m-a", params={"defaultToGlobal": "true"}) == {"mode": "READONLY"}
    assert reg.ok("PUT", "/mode/m-a", {"mode": "READWRITE"}) == {"mode": "READWRITE"}
    assert reg.register_id("m-a", USER2) > 0
    reg.err("PUT", "/mode", {"mode": "SIDEWAYS"}, status=422, code=42204)
    reg.err("PUT", "/mode", {"mode": 7}, status=422, code=42204)
    assert reg.ok("DELETE", "/mode/m-a") == {"mode": "READWRITE"}
    reg.err("DELETE", "/mode/m-a", status=404, code=40409)
    assert reg.ok("DELETE", "/mode") == {"mode": "READONLY"}
    # IMPORT: refused while subjects exist unless forced; explicit ids then.
    reg.err("PUT", "/mode", {"mode": "IMPORT"}, status=422, code=42205)
    assert reg.ok("PUT", "/mode", {"mode": "IMPORT"}, params={"force": "true"}) == {"mode": "IMPORT"}
    assert reg.register_id("m-imp", USER_BAD, id=500, version=3) == 500
    assert reg.ok("GET", "/subjects/m-imp/versions") == [3]
    reg.err("POST", "/subjects/m-imp2/versions", {"schema": json.dumps(USER), "id": 500}, status=422, code=42207)
    reg.ok("PUT", "/mode", {"mode": "READWRITE"})
    reg.err("POST", "/subjects/m-b/versions", {"schema": json.dumps(record("Q", ("q", "int"))), "id": 900},
            status=422, code=42205)
    assert reg.register_id("m-b", record("Q", ("q", "int"))) == 501, "ids go on after the highest"


def test_concurrent_registrations_agree(reg):
    """Writes from many connections at once (served on both shards) are serialised: one id per
    schema, versions 1..n per subject, nothing lost or doubled."""
    from concurrent.futures import ThreadPoolExecutor
    schemas = [record("Conc", ("a", "int"), *[(f"f{j}", "int", 0) for j in range(i)]) for i in range(12)]

    def work(k):
        r = Registry(reg.url)
        return [(i, r.register_id(f"api-conc-{k % 3}", s)) for i, s in enumerate(schemas)]

    with ThreadPoolExecutor(8) as ex:
        results = [x for part in ex.map(work, range(8)) for x in part]
    ids = {}
    for i, sid in results:
        assert ids.setdefault(i, sid) == sid, f"schema {i} got two ids"
    assert len(set(ids.values())) == len(schemas)
    for k in range(3):
        assert reg.ok("GET", f"/subjects/api-conc-{k}/versions") == list(range(1, len(schemas) + 1))


def test_admin_ready_includes_the_registry(module_broker):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{module_broker.admin_port}/v1/ready", timeout=5) as r:
        assert r.status == 200
