"""The registry's state in `_schemas`: it survives SIGTERM and kill -9 unchanged, a log written in
Confluent's format by hand is read, and what Brook writes is Confluent's format byte for byte."""
import json

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from registry_rest import Registry, record

A = record("A", ("x", "int"))
A2 = record("A", ("x", "int"), ("y", "string", "d"))
B = record("B", ("z", "long"))


def snapshot(reg):
    """Everything the API shows, deleted things included."""
    out = {"config": reg.ok("GET", "/config"), "mode": reg.ok("GET", "/mode"), "subjects": {}}
    for s in reg.ok("GET", "/subjects", params={"deleted": "true"}):
        vs = reg.ok("GET", f"/subjects/{s}/versions", params={"deleted": "true"})
        cfg = reg.call("GET", f"/config/{s}")
        mode = reg.call("GET", f"/mode/{s}")
        out["subjects"][s] = {
            "live": reg.ok("GET", f"/subjects/{s}/versions") if s in reg.ok("GET", "/subjects") else [],
            "versions": [reg.ok("GET", f"/subjects/{s}/versions/{v}", params={"deleted": "true"}) for v in vs],
            "config": cfg.json() if cfg.status_code == 200 else None,
            "mode": mode.json() if mode.status_code == 200 else None,
        }
    out["schemas"] = reg.ok("GET", "/schemas", params={"deleted": "true"})
    return out


def populate(reg):
    reg.register_id("st-a", A)
    reg.register_id("st-a", A2)
    reg.register_id("st-b", B)
    reg.register_id("st-c", A)
    reg.ok("DELETE", "/subjects/st-a/versions/1")
    reg.ok("DELETE", "/subjects/st-c")
    reg.ok("PUT", "/config", {"compatibility": "FULL"})
    reg.ok("PUT", "/config/st-b", {"compatibility": "NONE"})
    reg.ok("PUT", "/mode/st-b", {"mode": "READONLY"})
    reg.register_id("st-d", B)
    reg.ok("DELETE", "/subjects/st-d")
    reg.ok("DELETE", "/subjects/st-d", params={"permanent": "true"})


@pytest.mark.parametrize("graceful", [True, False], ids=["sigterm", "kill9"])
def test_state_survives_restart(broker, graceful):
    reg = Registry(broker.registry_url)
    populate(reg)
    before = snapshot(reg)
    broker.restart(graceful=graceful)
    reg = Registry(broker.registry_url)
    assert snapshot(reg) == before
    # Ids and versions go on where they stopped.
    assert reg.register_id("st-e", record("E", ("e", "int"))) == 4
    assert reg.ok("GET", "/subjects/st-a/versions/latest")["version"] == 2


def produce(bootstrap, records):
    p = Producer({"bootstrap.servers": bootstrap})
    for k, v in records:
        p.produce("_schemas", key=json.dumps(k, separators=(",", ":")),
                  value=None if v is None else json.dumps(v, separators=(",", ":")), partition=0)
    assert p.flush(10) == 0


def test_reads_a_log_written_in_confluents_format(broker_factory):
    b = broker_factory(sets={"schema.registry.enable": "false"})
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    admin.create_topics([NewTopic("_schemas", 1, 1, config={"retention.ms": "-1"})])["_schemas"].result(10)
    a_text = json.dumps(A, separators=(",", ":"))
    ref_user = json.dumps({"type": "record", "name": "Holder", "fields": [{"name": "a", "type": "A"}]})
    produce(b.bootstrap, [
        ({"keytype": "NOOP", "magic": 0}, None),
        ({"keytype": "SCHEMA", "subject": "conf-a", "version": 1, "magic": 1},
         {"subject": "conf-a", "version": 1, "id": 11, "schema": a_text, "deleted": False}),
        ({"keytype": "SCHEMA", "subject": "conf-b", "version": 1, "magic": 1},
         {"subject": "conf-b", "version": 1, "id": 12, "schemaType": "AVRO", "schema": ref_user,
          "references": [{"name": "A", "subject": "conf-a", "version": 1}], "deleted": False}),
        ({"keytype": "SCHEMA", "subject": "conf-c", "version": 1, "magic": 1},
         {"subject": "conf-c", "version": 1, "id": 13, "schema": json.dumps(B), "deleted": False}),
        ({"keytype": "SCHEMA", "subject": "conf-c", "version": 2, "magic": 1},
         {"subject": "conf-c", "version": 2, "id": 14, "schema": json.dumps(record("B", ("z", "long"), ("w", "int", 1))),
          "deleted": False}),
        ({"keytype": "DELETE_SUBJECT", "subject": "conf-c", "magic": 0}, {"subject": "conf-c", "version": 2}),
        ({"keytype": "SCHEMA", "subject": "conf-d", "version": 1, "magic": 1},
         {"subject": "conf-d", "version": 1, "id": 15, "schema": json.dumps(record("D", ("d", "int"))), "deleted": False}),
        ({"keytype": "SCHEMA", "subject": "conf-d", "version": 1, "magic": 1}, None),
        ({"keytype": "CONFIG", "subject": None, "magic": 0}, {"compatibilityLevel": "FORWARD"}),
        ({"keytype": "CONFIG", "subject": "conf-a", "magic": 0}, {"compatibilityLevel": "NONE"}),
        ({"keytype": "MODE", "subject": "conf-b", "magic": 0}, {"mode": "READONLY"}),
        ({"keytype": "SOMETHING_NEW", "magic": 0}, {"x": 1}),
        ({"keytype": "SCHEMA", "subject": "conf-e", "version": 1, "magic": 1}, {"garbage": True}),
    ])
    b.sets["schema.registry.enable"] = "true"
    b.restart()
    reg = Registry(b.registry_url)
    assert reg.ok("GET", "/subjects") == ["conf-a", "conf-b"]
    assert reg.ok("GET", "/subjects", params={"deleted": "true"}) == ["conf-a", "conf-b", "conf-c"]
    assert json.loads(reg.ok("GET", "/schemas/ids/11")["schema"]) == A
    assert reg.ok("GET", "/schemas/ids/12")["references"] == [{"name": "A", "subject": "conf-a", "version": 1}]
    assert reg.ok("GET", "/subjects/conf-c/versions", params={"deleted": "true"}) == [1, 2]
    reg.err("GET", "/schemas/ids/15", code=40403)
    assert reg.ok("GET", "/config") == {"compatibilityLevel": "FORWARD"}
    assert reg.ok("GET", "/config/conf-a") == {"compatibilityLevel": "NONE"}
    assert reg.ok("GET", "/mode/conf-b") == {"mode": "READONLY"}
    # The same schema text registered again finds Confluent's id; a new one goes past the highest (15).
    assert reg.register_id("conf-x", A) == 11
    assert reg.register_id("conf-x2", record("X", ("q", "int"))) == 16
    assert reg.register_id("conf-d", record("D", ("d", "int"))) == 17
    assert reg.ok("GET", "/subjects/conf-d/versions") == [2], "version 1 was deleted for good"
    assert "offset" in b.log_text() and "unknown keytype SOMETHING_NEW" in b.log_text()


def read_log(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "raw-reader", "enable.partition.eof": True,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("_schemas", 0, 0)])
    out = []
    while True:
        m = c.poll(10)
        assert m is not None, "no end of partition"
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                break
            raise AssertionError(m.error())
        out.append((m.key().decode(), None if m.value() is None else m.value().decode()))
    c.close()
    return out


def test_what_brook_writes_is_confluents_format(broker):
    reg = Registry(broker.registry_url)
    a = reg.register_id("fmt-a", A)
    a_text = reg.ok("GET", f"/schemas/ids/{a}")["schema"]
    reg.register_id("fmt-a", A2)
    reg.register_id("fmt-j", record("J", ("j", "int")))
    reg.ok("DELETE", "/subjects/fmt-a/versions/1")
    reg.ok("DELETE", "/subjects/fmt-a/versions/1", params={"permanent": "true"})
    reg.ok("DELETE", "/subjects/fmt-j")
    reg.ok("PUT", "/config", {"compatibility": "FULL"})
    reg.ok("PUT", "/config/fmt-a", {"compatibility": "NONE", "normalize": True})
    reg.ok("PUT", "/mode/fmt-a", {"mode": "READONLY"})
    reg.ok("DELETE", "/mode/fmt-a")
    a2_text = reg.ok("GET", "/subjects/fmt-a/versions/2")["schema"]
    j_text = reg.ok("GET", "/subjects/fmt-j/versions/1", params={"deleted": "true"})["schema"]
    skey = lambda s, v: json.dumps({"keytype": "SCHEMA", "subject": s, "version": v, "magic": 1}, separators=(",", ":"))
    sval = lambda s, v, i, t, d: json.dumps({"subject": s, "version": v, "id": i, "schema": t, "deleted": d},
                                            separators=(",", ":"))
    assert read_log(broker.bootstrap) == [
        (skey("fmt-a", 1), sval("fmt-a", 1, a, a_text, False)),
        (skey("fmt-a", 2), sval("fmt-a", 2, a + 1, a2_text, False)),
        (skey("fmt-j", 1), sval("fmt-j", 1, a + 2, j_text, False)),
        (skey("fmt-a", 1), sval("fmt-a", 1, a, a_text, True)),
        (skey("fmt-a", 1), None),
        ('{"keytype":"DELETE_SUBJECT","subject":"fmt-j","magic":0}', '{"subject":"fmt-j","version":1}'),
        ('{"keytype":"CONFIG","subject":null,"magic":0}', '{"compatibilityLevel":"FULL"}'),
        ('{"keytype":"CONFIG","subject":"fmt-a","magic":0}', '{"compatibilityLevel":"NONE","normalize":true}'),
        ('{"keytype":"MODE","subject":"fmt-a","magic":0}', '{"mode":"READONLY"}'),
        ('{"keytype":"MODE","subject":"fmt-a","magic":0}', None),
    ]
    md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=5).topics["_schemas"]
    assert len(md.partitions) == 1


def test_no_topic_until_the_first_write_and_registry_can_be_off(broker_factory):
    b = broker_factory()
    reg = Registry(b.registry_url)
    assert reg.ok("GET", "/subjects") == []
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    assert "_schemas" not in admin.list_topics(timeout=5).topics
    off = broker_factory(sets={"schema.registry.enable": "false"})
    with pytest.raises(Exception):
        Registry(off.registry_url).call("GET", "/subjects")


def test_not_ready_until_loaded(tmp_path):
    """A registry that cannot reach its broker (advertised at a dead port) never loads: its routes
    answer 503/50002, `/` still answers, and the admin API's /v1/ready says not ready."""
    import urllib.error
    import urllib.request

    from brookfixture import Broker, free_port

    class Unreachable(Broker):
        registry_enabled = False  # do not wait for the registry in start()

        def argv(self):
            a = super().argv()
            a[a.index("--advertise-addr") + 1] = f"127.0.0.1:{free_port()}"
            return a

    b = Unreachable(tmp_path / "data", tmp_path / "logs")
    try:
        b.start()
        reg = Registry(b.registry_url)
        j = reg.err("GET", "/subjects", status=503, code=50002)
        assert "loading" in j["message"]
        reg.err("POST", "/subjects/x/versions", {"schema": '"int"'}, status=503, code=50002)
        assert reg.ok("GET", "/") == {}
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{b.admin_port}/v1/ready", timeout=5)
        assert e.value.code == 503
        b.stop()  # SIGTERM stops a registry still waiting for its broker (exit code 0)
    finally:
        b.close()


def test_acknowledged_registrations_survive_kill9_mid_stream(broker):
    """Registrations run while the broker is killed: every one answered 200 is there after the
    restart with the id it was given, and ids stay unique."""
    import threading
    import time

    import requests

    acked, stop = [], threading.Event()

    def writer():
        r = Registry(broker.registry_url)
        i = 0
        while not stop.is_set():
            try:
                resp = r.register(f"k9-{i % 5}", record("K9", ("a", "int"), *[(f"f{j}", "int", 0) for j in range(i)]))
            except requests.RequestException:
                return
            if resp.status_code == 200:
                acked.append((f"k9-{i % 5}", i, resp.json()["id"]))
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    broker.kill9()
    stop.set()
    t.join(30)
    assert len(acked) > 10, "the writer got going before the kill"
    broker.start()
    reg = Registry(broker.registry_url)
    for subject, i, sid in acked:
        schema = record("K9", ("a", "int"), *[(f"f{j}", "int", 0) for j in range(i)])
        assert reg.ok("POST", f"/subjects/{subject}", {"schema": json.dumps(schema)})["id"] == sid
    assert len({sid for _, _, sid in acked}) == len(acked)
