"""`brook schema register|get|list|delete|config|check` (src/cli) against Brook's schema registry,
each result checked over plain HTTP with requests (an independent client of the same REST API),
and the error paths with their exit codes: 0 done, 1 a registry error (its error_code and
message) or an incompatible schema, 2 bad usage."""
import functools
import http.server
import json
import os
import pathlib
import re
import socket
import subprocess
import threading
import time
from urllib.parse import quote

import pytest
import requests
import yaml

from brookfixture import BROOK_BIN, free_port

ORDER_V1 = {"type": "record", "name": "Order", "namespace": "brook.cli",
            "fields": [{"name": "id", "type": "long"}, {"name": "item", "type": "string"}]}
# Compatible under BACKWARD: a new field with a default.
ORDER_V2 = {**ORDER_V1, "fields": ORDER_V1["fields"] + [{"name": "qty", "type": "int", "default": 1}]}
# Breaking under BACKWARD: a new field without a default, and a field's type changed.
ORDER_BREAKING = {**ORDER_V1, "fields": [{"name": "id", "type": "string"}, {"name": "item", "type": "string"},
                                         {"name": "channel", "type": "string"}]}


def schema(b, *args, registry=None, env=None, timeout=30):
    argv = [BROOK_BIN, "schema", *args]
    if registry is not False:
        argv += ["--registry", registry or b.registry_url]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)


def ok(p):
    assert p.returncode == 0, f"rc={p.returncode}\nstdout:\n{p.stdout[-2000:]}\nstderr:\n{p.stderr[-2000:]}"
    return p.stdout


def failed(p, rc, *needles):
    assert p.returncode == rc, f"rc={p.returncode} (want {rc})\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    for n in needles:
        assert n in p.stderr, f"{n!r} not in stderr:\n{p.stderr}"
    return p.stderr


def json_lines(text):
    return [json.loads(ln) for ln in text.splitlines() if ln.strip()]


def write(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return str(p)


def rest(b, method, path, **kw):
    r = requests.request(method, b.registry_url + path, timeout=10, **kw)
    return r.status_code, r.json()


@pytest.fixture(scope="module")
def b(module_broker):
    return module_broker


# --- register / get / list / delete ------------------------------------------------------------

def test_register_prints_the_id_the_registry_assigned(b, tmp_path):
    f = write(tmp_path, "order.avsc", ORDER_V1)
    out = ok(schema(b, "register", "cli-orders-value", f))
    sid = int(out.strip())
    status, latest = rest(b, "GET", "/subjects/cli-orders-value/versions/latest")
    assert status == 200 and latest["id"] == sid and latest["version"] == 1
    assert json.loads(latest["schema"]) == ORDER_V1
    # The same schema written differently is the same schema: same id, no new version.
    f2 = write(tmp_path, "order-compact.avsc", json.dumps(ORDER_V1, separators=(",", ":")))
    assert int(ok(schema(b, "register", "cli-orders-value", f2)).strip()) == sid
    assert rest(b, "GET", "/subjects/cli-orders-value/versions") == (200, [1])
    # A compatible evolution gets a new id and version 2; json output names subject and id.
    f3 = write(tmp_path, "order2.avsc", ORDER_V2)
    row = json_lines(ok(schema(b, "register", "cli-orders-value", f3, "--format", "json")))
    assert row == [{"subject": "cli-orders-value", "id": row[0]["id"]}] and row[0]["id"] != sid
    assert rest(b, "GET", "/subjects/cli-orders-value/versions") == (200, [1, 2])


def test_register_normalize(b, tmp_path):
    # Custom properties in another order are another schema, unless compared normalized.
    xy = write(tmp_path, "xy.avsc", '{"type":"record","name":"P","fields":[],"x":1,"y":2}')
    yx = write(tmp_path, "yx.avsc", '{"type":"record","name":"P","fields":[],"y":2,"x":1}')
    first = int(ok(schema(b, "register", "cli-norm", xy)).strip())
    assert int(ok(schema(b, "register", "cli-norm", yx, "--normalize")).strip()) == first
    assert rest(b, "GET", "/subjects/cli-norm/versions") == (200, [1])
    assert int(ok(schema(b, "register", "cli-norm", yx)).strip()) != first
    assert rest(b, "GET", "/subjects/cli-norm/versions") == (200, [1, 2])


def test_subjects_with_slashes_spaces_and_query_characters(b, tmp_path):
    odd = "cli odd/sub?j%#&ü"
    f = write(tmp_path, "odd.avsc", ORDER_V1)
    sid = int(ok(schema(b, "register", odd, f)).strip())
    assert rest(b, "GET", f"/subjects/{quote(odd, safe='')}/versions/1")[1]["id"] == sid
    assert json_lines(ok(schema(b, "get", odd, "--format", "json")))[0]["subject"] == odd
    assert {"subject": odd} in json_lines(ok(schema(b, "list", "--prefix", "cli odd/", "--format", "json")))
    assert json_lines(ok(schema(b, "config", odd, "--set", "FULL", "--format", "json")))[0]["compatibility"] == "FULL"
    assert "is compatible" in ok(schema(b, "check", odd, f))
    ok(schema(b, "delete", odd))
    ok(schema(b, "delete", odd, "--permanent"))
    assert odd not in rest(b, "GET", "/subjects?deleted=true")[1]


def test_get_by_subject_version_and_id(b, tmp_path):
    f = write(tmp_path, "g.avsc", ORDER_V1)
    sid = int(ok(schema(b, "register", "cli-get-value", f)).strip())
    text = ok(schema(b, "get", "cli-get-value"))
    lines = text.splitlines()
    assert lines[0].split() == ["SUBJECT", "VERSION", "ID", "TYPE", "REFERENCES"]
    assert lines[1].split() == ["cli-get-value", "1", str(sid), "AVRO", "-"]
    row = json_lines(ok(schema(b, "get", "cli-get-value", "--version", "1", "--format", "json")))[0]
    assert (row["subject"], row["version"], row["id"], row["type"]) == ("cli-get-value", 1, sid, "AVRO")
    assert json.loads(row["schema"]) == ORDER_V1
    # --print-schema writes only the schema, ready to be saved as a file.
    assert json.loads(ok(schema(b, "get", "cli-get-value", "--print-schema"))) == ORDER_V1
    by_id = json_lines(ok(schema(b, "get", "--id", str(sid), "--format", "json")))[0]
    assert by_id["id"] == sid and by_id["type"] == "AVRO" and "cli-get-value:1" in by_id["subjects"]
    assert json.loads(by_id["schema"]) == ORDER_V1
    text = ok(schema(b, "get", "--id", str(sid)))
    assert text.splitlines()[0].split() == ["ID", "TYPE", "REFERENCES", "SUBJECTS"]


def test_json_schema_and_protobuf_with_a_reference(b, tmp_path):
    js = {"$schema": "http://json-schema.org/draft-07/schema#", "title": "User", "type": "object",
          "properties": {"name": {"type": "string"}}, "required": ["name"]}
    sid = int(ok(schema(b, "register", "cli-user-value", write(tmp_path, "user.json", js))).strip())
    status, got = rest(b, "GET", f"/schemas/ids/{sid}")
    assert status == 200 and got["schemaType"] == "JSON" and json.loads(got["schema"]) == js

    money = 'syntax = "proto3";\npackage brook.cli;\nmessage Money { int64 cents = 1; string currency = 2; }\n'
    ok(schema(b, "register", "cli-money", write(tmp_path, "money.proto", money)))
    pay = ('syntax = "proto3";\npackage brook.cli;\nimport "brook/money.proto";\n'
           'message Payment { string id = 1; brook.cli.Money amount = 2; }\n')
    pid = int(ok(schema(b, "register", "cli-payment-value", write(tmp_path, "payment.proto", pay),
                        "--reference", "brook/money.proto=cli-money:1")).strip())
    status, got = rest(b, "GET", "/subjects/cli-payment-value/versions/1")
    assert status == 200 and got["id"] == pid and got["schemaType"] == "PROTOBUF"
    assert got["references"] == [{"name": "brook/money.proto", "subject": "cli-money", "version": 1}]
    row = json_lines(ok(schema(b, "get", "cli-payment-value", "--format", "json")))[0]
    assert row["references"] == ["brook/money.proto=cli-money:1"]
    # --type overrides the extension (an Avro schema kept in a .json file).
    sid = int(ok(schema(b, "register", "cli-avro-in-json", write(tmp_path, "o.json", ORDER_V1), "--type", "avro")).strip())
    assert rest(b, "GET", f"/schemas/ids/{sid}")[1].get("schemaType", "AVRO") == "AVRO"


def test_list_with_prefix_and_deleted(b, tmp_path):
    f = write(tmp_path, "l.avsc", {"type": "record", "name": "L", "fields": []})
    for s in ("cli-list-a", "cli-list-b", "cli-other"):
        ok(schema(b, "register", s, f))
    out = ok(schema(b, "list", "--prefix", "cli-list-"))
    assert out.splitlines() == ["SUBJECT", "cli-list-a", "cli-list-b"]
    rows = json_lines(ok(schema(b, "list", "--format", "json")))
    assert {"subject": "cli-other"} in rows and {"subject": "cli-list-a"} in rows
    ok(schema(b, "delete", "cli-list-b"))
    assert ok(schema(b, "list", "--prefix", "cli-list-")).splitlines() == ["SUBJECT", "cli-list-a"]
    assert ok(schema(b, "list", "--prefix", "cli-list-", "--deleted")).splitlines() == \
        ["SUBJECT", "cli-list-a", "cli-list-b"]


def test_delete_version_subject_and_permanent(b, tmp_path):
    ok(schema(b, "register", "cli-del", write(tmp_path, "d1.avsc", ORDER_V1)))
    ok(schema(b, "register", "cli-del", write(tmp_path, "d2.avsc", ORDER_V2)))
    rows = json_lines(ok(schema(b, "delete", "cli-del", "--version", "1", "--format", "json")))
    assert rows == [{"subject": "cli-del", "version": 1, "deleted": "soft"}]
    assert rest(b, "GET", "/subjects/cli-del/versions") == (200, [2])
    # Permanent before soft: the registry's 40407, named, with the next step.
    failed(schema(b, "delete", "cli-del", "--version", "2", "--permanent"), 1, "40407", "without --permanent")
    rows = json_lines(ok(schema(b, "delete", "cli-del", "--version", "1", "--permanent", "--format", "json")))
    assert rows == [{"subject": "cli-del", "version": 1, "deleted": "permanent"}]
    failed(schema(b, "delete", "cli-del", "--permanent"), 1, "40405", "without --permanent")
    out = ok(schema(b, "delete", "cli-del"))
    assert out.splitlines()[1].split() == ["cli-del", "2", "soft"]
    ok(schema(b, "delete", "cli-del", "--permanent"))
    assert "cli-del" not in rest(b, "GET", "/subjects?deleted=true")[1]


# --- config ------------------------------------------------------------------------------------

def test_config_show_set_delete(b, tmp_path):
    ok(schema(b, "register", "cli-cfg", write(tmp_path, "c.avsc", ORDER_V1)))
    out = ok(schema(b, "config"))
    assert out.splitlines()[1].split() == ["-", "BACKWARD", "global"]
    rows = json_lines(ok(schema(b, "config", "cli-cfg", "--format", "json")))
    assert rows == [{"subject": "cli-cfg", "compatibility": "BACKWARD", "source": "global"}]
    rows = json_lines(ok(schema(b, "config", "cli-cfg", "--set", "full_transitive", "--format", "json")))
    assert rows == [{"subject": "cli-cfg", "compatibility": "FULL_TRANSITIVE", "source": "subject"}]
    assert rest(b, "GET", "/config/cli-cfg") == (200, {"compatibilityLevel": "FULL_TRANSITIVE"})
    rows = json_lines(ok(schema(b, "config", "cli-cfg", "--delete", "--format", "json")))
    assert rows == [{"subject": "cli-cfg", "compatibility": "BACKWARD", "source": "global"}]
    assert rest(b, "GET", "/config/cli-cfg")[0] == 404
    failed(schema(b, "config", "cli-cfg", "--set", "SIDEWAYS"), 2, "bad --set 'SIDEWAYS'", "FULL_TRANSITIVE")
    failed(schema(b, "config", "--set", "NONE", "--delete"), 2)


# --- check: the CI gate ------------------------------------------------------------------------

def test_check_passes_compatible_and_fails_breaking_avro(b, tmp_path):
    ok(schema(b, "register", "cli-check-value", write(tmp_path, "v1.avsc", ORDER_V1)))
    p = schema(b, "check", "cli-check-value", write(tmp_path, "v2.avsc", ORDER_V2))
    assert "is compatible with cli-check-value under BACKWARD" in ok(p)
    p = schema(b, "check", "cli-check-value", write(tmp_path, "bad.avsc", ORDER_BREAKING))
    err = failed(p, 1, "is not compatible with cli-check-value under BACKWARD")
    # Each breaking change is named: the field without a default and the changed type.
    assert "channel" in err, err
    assert "id" in err and ("STRING" in err.upper() and "LONG" in err.upper()), err
    assert len([ln for ln in err.splitlines() if ln.startswith("  - ")]) >= 2, err
    row = json_lines(p.stdout) if p.stdout.strip() else None
    assert row is None
    j = json_lines(schema(b, "check", "cli-check-value", str(tmp_path / "bad.avsc"), "--format", "json").stdout)[0]
    assert j["compatible"] is False and j["level"] == "BACKWARD" and len(j["changes"]) >= 2
    assert all(c["old_version"] == 1 for c in j["changes"] if c["old_version"] is not None)
    # Checking registers nothing.
    assert rest(b, "GET", "/subjects/cli-check-value/versions") == (200, [1])


def test_check_follows_the_level_and_version(b, tmp_path):
    ok(schema(b, "register", "cli-check-lvl", write(tmp_path, "v1.avsc", ORDER_V1)))
    # Removing a field is BACKWARD-compatible, not FORWARD-compatible (old readers need it).
    fewer = {**ORDER_V1, "fields": [ORDER_V1["fields"][0]]}
    f = write(tmp_path, "fewer.avsc", fewer)
    ok(schema(b, "check", "cli-check-lvl", f))
    ok(schema(b, "config", "cli-check-lvl", "--set", "FORWARD"))
    err = failed(schema(b, "check", "cli-check-lvl", f), 1, "under FORWARD", "item")
    assert "  - " in err
    ok(schema(b, "config", "cli-check-lvl", "--set", "NONE"))
    assert "under NONE" in ok(schema(b, "check", "cli-check-lvl", f))
    # --version checks against that version only; an unknown one is the registry's 40402.
    ok(schema(b, "check", "cli-check-lvl", f, "--version", "1"))
    failed(schema(b, "check", "cli-check-lvl", f, "--version", "7"), 1, "40402")


def test_check_under_a_transitive_level_covers_every_version(b, tmp_path):
    """v3 reads v2's records but not v1's: BACKWARD_TRANSITIVE fails it naming version 1, as
    registering would; --version 2 alone passes."""
    rec = lambda fields: {"type": "record", "name": "T", "namespace": "brook.cli", "fields": fields}  # noqa: E731
    ok(schema(b, "config", "cli-trans", "--set", "BACKWARD_TRANSITIVE"))
    ok(schema(b, "register", "cli-trans", write(tmp_path, "t1.avsc", rec([{"name": "a", "type": "string"}]))))
    ok(schema(b, "register", "cli-trans", write(tmp_path, "t2.avsc", rec([]))))
    v3 = write(tmp_path, "t3.avsc", rec([{"name": "a", "type": "int", "default": 0}]))
    err = failed(schema(b, "check", "cli-trans", v3), 1, "under BACKWARD_TRANSITIVE", "[against version 1]")
    assert "[against version 2]" not in err
    assert "is compatible with cli-trans version 2 under" in ok(schema(b, "check", "cli-trans", v3, "--version", "2"))
    failed(schema(b, "register", "cli-trans", v3), 1, "error_code 409")


def test_check_a_new_subject_passes_with_a_note(b, tmp_path):
    p = schema(b, "check", "cli-check-new", write(tmp_path, "n.avsc", ORDER_V1))
    assert "does not exist yet" in ok(p)
    j = json_lines(ok(schema(b, "check", "cli-check-new", str(tmp_path / "n.avsc"), "--format", "json")))[0]
    assert j["compatible"] is True and "does not exist yet" in j["note"]
    assert rest(b, "GET", "/subjects/cli-check-new/versions")[0] == 404


def test_check_json_schema_and_protobuf(b, tmp_path):
    closed = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
              "additionalProperties": False}
    ok(schema(b, "register", "cli-check-json", write(tmp_path, "j1.json", closed)))
    narrowed = {**closed, "properties": {**closed["properties"], "b": {"type": "string"}}}
    failed(schema(b, "check", "cli-check-json", write(tmp_path, "j2.json", narrowed)), 1, "is not compatible", "  - ")
    widened = {**closed, "properties": {**closed["properties"], "c": {"type": "boolean"}}}
    ok(schema(b, "check", "cli-check-json", write(tmp_path, "j3.json", widened)))

    v1 = 'syntax = "proto3";\npackage brook.cli;\nmessage Click { string page = 1; int64 at = 2; }\n'
    ok(schema(b, "register", "cli-check-proto", write(tmp_path, "c1.proto", v1)))
    added = 'syntax = "proto3";\npackage brook.cli;\nmessage Click { string page = 1; int64 at = 2; string ref = 3; }\n'
    ok(schema(b, "check", "cli-check-proto", write(tmp_path, "c2.proto", added)))
    kind = 'syntax = "proto3";\npackage brook.cli;\nmessage Click { string page = 1; string at = 2; }\n'
    failed(schema(b, "check", "cli-check-proto", write(tmp_path, "c3.proto", kind)), 1, "is not compatible", "  - ")


# --- bad input ---------------------------------------------------------------------------------

def test_bad_files_types_and_arguments_are_usage_errors(b, tmp_path):
    missing = str(tmp_path / "nope.avsc")
    failed(schema(b, "register", "cli-bad", missing), 2, f"cannot read schema file '{missing}'", "No such file")
    failed(schema(b, "check", "cli-bad", missing), 2, "cannot read schema file")
    failed(schema(b, "register", "cli-bad", str(tmp_path)), 2, "is a directory")
    failed(schema(b, "register", "cli-bad", write(tmp_path, "empty.avsc", "  \n")), 2, "is empty")
    failed(schema(b, "register", "cli-bad", write(tmp_path, "o.txt", ORDER_V1)), 2, "from its extension", "--type")
    failed(schema(b, "register", "cli-bad", write(tmp_path, "o.avsc", ORDER_V1), "--type", "XML"), 2)
    failed(schema(b, "register", "cli-bad", str(tmp_path / "o.avsc"), "--reference", "x=y"), 2, "bad --reference 'x=y'")
    failed(schema(b, "get", "cli-bad", "--version", "zero"), 2, "bad --version 'zero'")
    failed(schema(b, "get"), 2, "SUBJECT or --id")
    failed(schema(b, "delete", "cli-bad", "--version", "0"), 2, "bad --version '0'")
    failed(schema(b, "list", registry="https://localhost:8081"), 2, "https:// registries are not supported yet")
    failed(schema(b, "list", registry="localhost:8081"), 2, "bad registry URL 'localhost:8081'", "http://")
    failed(schema(b, "nonsense"), 2)


def test_registry_errors_name_error_code_and_message(b, tmp_path):
    failed(schema(b, "get", "cli-no-such-subject"), 1, "cli-no-such-subject", "error_code 40401", "brook schema list")
    ok(schema(b, "register", "cli-err", write(tmp_path, "e.avsc", ORDER_V1)))
    failed(schema(b, "get", "cli-err", "--version", "9"), 1, "error_code 40402")
    failed(schema(b, "get", "--id", "999999"), 1, "error_code 40403")
    failed(schema(b, "register", "cli-err", write(tmp_path, "broken.avsc", '{"type": "record", "name": "X"')),
           1, "error_code 42201")
    failed(schema(b, "register", "cli-err", write(tmp_path, "bad-type.avsc", {"type": "recrod", "name": "X"})),
           1, "error_code 42201")
    # check on a schema that does not parse: the registry's 42201, not a verdict.
    failed(schema(b, "check", "cli-err", str(tmp_path / "broken.avsc")), 1, "error_code 42201")
    ref = write(tmp_path, "ref.proto", 'syntax = "proto3";\nimport "x/missing.proto";\nmessage A { x.M m = 1; }\n')
    failed(schema(b, "register", "cli-err", ref, "--reference", "x/missing.proto=cli-no-such-subject:1"),
           1, "error_code")
    # A subject in READONLY mode refuses writes: 42205, and reads still work.
    assert requests.put(f"{b.registry_url}/mode/cli-err", json={"mode": "READONLY"}, timeout=10).status_code == 200
    failed(schema(b, "register", "cli-err", write(tmp_path, "e2.avsc", ORDER_V2)), 1, "error_code 42205", "READWRITE")
    failed(schema(b, "delete", "cli-err"), 1, "error_code 42205")
    ok(schema(b, "get", "cli-err"))
    assert requests.put(f"{b.registry_url}/mode/cli-err", json={"mode": "READWRITE"}, timeout=10).status_code == 200
    # An incompatible registration is the registry's 409, with the pointer to `check`.
    failed(schema(b, "register", "cli-err", write(tmp_path, "breaking.avsc", ORDER_BREAKING)), 1,
           "error_code 409", "brook schema check")


def test_unreachable_registry_fails_fast_naming_the_url(b):
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    failed(schema(b, "list", registry=url), 1, f"cannot reach the schema registry at {url}", "--registry")
    assert time.monotonic() - t0 < 6
    # A name that does not resolve is unreachable too.
    failed(schema(b, "list", registry="http://no-such-host.invalid:8081"), 1,
           "cannot reach the schema registry at http://no-such-host.invalid:8081")


def test_a_registry_that_never_accepts_fails_within_about_5_s(b):
    # A listener whose backlog is full drops new SYNs, as a firewall or a dead host does: the
    # connect attempt hangs until the CLI's own 5 s connect timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fill = []
    try:
        for _ in range(3):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            fill.append(c)
        time.sleep(0.2)
        url = f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        failed(schema(b, "list", registry=url), 1, f"cannot reach the schema registry at {url}", "within 5 s")
        assert 4.5 < time.monotonic() - t0 < 7
    finally:
        for c in fill:
            c.close()
        listener.close()


def test_env_names_the_registry_and_flag_wins(b, tmp_path):
    env = dict(os.environ, BROOK_REGISTRY=b.registry_url)
    ok(schema(b, "register", "cli-env", write(tmp_path, "env.avsc", ORDER_V1), registry=False, env=env))
    assert "cli-env" in ok(schema(b, "list", registry=False, env=env)).split()
    bad = dict(os.environ, BROOK_REGISTRY=f"http://127.0.0.1:{free_port()}")
    assert "cli-env" in ok(schema(b, "list", env=bad)).split()  # --registry beats the env
    failed(schema(b, "list", registry=False, env=bad), 1, "cannot reach the schema registry")


def serve_http(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class WrongShapes(http.server.BaseHTTPRequestHandler):
    """200 with JSON of the wrong shape: a list where an object belongs, and the other way."""

    def do_GET(self):  # noqa: N802
        body = b'{"not": "a list"}' if self.path.startswith("/subjects?") or self.path == "/subjects" else b"[1, 2]"
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_non_registry_http_server_is_named(b, tmp_path):
    # A plain web server: its 404 page is no registry error body, and the message says so.
    server, url = serve_http(functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path)))
    try:
        failed(schema(b, "list", registry=url), 1, "HTTP 404 without a registry error body",
               "is --registry a schema registry?")
    finally:
        server.shutdown()
        server.server_close()
    # Answers of the wrong shape end as exit 1 naming the registry, not as a crash.
    server, url = serve_http(WrongShapes)
    try:
        failed(schema(b, "list", registry=url), 1, f"the registry at {url} answered something unexpected")
        failed(schema(b, "get", "x", registry=url), 1, f"the registry at {url} answered something unexpected")
        failed(schema(b, "config", "x", registry=url), 1, f"the registry at {url} answered something unexpected")
    finally:
        server.shutdown()
        server.server_close()


# --- docs/schema-registry-ci.md: the pre-commit hook as written there --------------------------

def doc_block(lang, index=0):
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "schema-registry-ci.md").read_text()
    return re.findall(rf"```{lang}\n(.*?)```", doc, re.S)[index]


def test_the_documented_pre_commit_hook_blocks_a_breaking_commit(b, tmp_path):
    repo = tmp_path / "repo"
    (repo / "schemas").mkdir(parents=True)
    env = dict(os.environ, BROOK_REGISTRY=b.registry_url, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e",
               PATH=os.path.dirname(BROOK_BIN) + os.pathsep + os.environ["PATH"])

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=30)

    assert git("init", "-q").returncode == 0
    hook_path = repo / ".git" / "hooks" / "pre-commit"
    hook_path.write_text(doc_block("sh"))
    hook_path.chmod(0o755)
    (repo / "schemas" / "hook-orders-value.avsc").write_text(json.dumps(ORDER_V1))
    git("add", "-A")
    c = git("commit", "-qm", "v1")
    assert c.returncode == 0, c.stderr  # a new subject passes, with a note
    ok(schema(b, "register", "hook-orders-value", str(repo / "schemas" / "hook-orders-value.avsc")))

    (repo / "schemas" / "hook-orders-value.avsc").write_text(json.dumps(ORDER_BREAKING))
    git("add", "-A")
    c = git("commit", "-qm", "breaking")
    assert c.returncode != 0 and "is not compatible with hook-orders-value" in c.stderr, c.stderr
    # What is checked is what is staged: a compatible file staged, a breaking one in the tree.
    (repo / "schemas" / "hook-orders-value.avsc").write_text(json.dumps(ORDER_V2))
    git("add", "-A")
    (repo / "schemas" / "hook-orders-value.avsc").write_text(json.dumps(ORDER_BREAKING))
    c = git("commit", "-qm", "compatible")
    assert c.returncode == 0, c.stderr
    assert "is compatible with hook-orders-value" in c.stdout + c.stderr


def test_the_documented_workflow_checks_then_registers(b, tmp_path):
    """The GitHub Actions steps from docs/schema-registry-ci.md, run as Actions runs them
    (bash -e) on a changed.txt: a breaking file fails the check step with an ::error line; the
    compatible one passes and the register step registers it (with its .refs file)."""
    steps = {s.get("name"): s for s in yaml.safe_load(doc_block("yaml", 1))["jobs"]["schemas"]["steps"]}
    check, register = steps["brook schema check"]["run"], steps["brook schema register"]["run"]
    work = tmp_path / "ws"
    (work / "schemas").mkdir(parents=True)
    env = dict(os.environ, BROOK_REGISTRY=b.registry_url,
               PATH=os.path.dirname(BROOK_BIN) + os.pathsep + os.environ["PATH"])

    def step(script):
        return subprocess.run(["bash", "-e", "-c", script], cwd=work, capture_output=True, text=True,
                              env=env, timeout=60)

    money = 'syntax = "proto3";\npackage wf;\nmessage Money { int64 cents = 1; }\n'
    ok(schema(b, "register", "wf/money.proto", write(tmp_path, "money.proto", money)))
    (work / "schemas" / "wf-pay-value.proto").write_text(
        'syntax = "proto3";\npackage wf;\nimport "wf/money.proto";\nmessage Pay { wf.Money amount = 1; }\n')
    (work / "schemas" / "wf-pay-value.refs").write_text("wf/money.proto=wf/money.proto:1\n")
    (work / "schemas" / "wf-orders-value.avsc").write_text(json.dumps(ORDER_V1))
    (work / "changed.txt").write_text("schemas/wf-pay-value.proto\nschemas/wf-orders-value.avsc\n")
    p = step(check)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("does not exist yet") == 2, p.stdout
    p = step(register)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"^wf-pay-value: id \d+$", p.stdout, re.M) and re.search(r"^wf-orders-value: id \d+$", p.stdout, re.M)
    assert rest(b, "GET", "/subjects/wf-pay-value/versions/1")[1]["references"] == \
        [{"name": "wf/money.proto", "subject": "wf/money.proto", "version": 1}]

    (work / "schemas" / "wf-orders-value.avsc").write_text(json.dumps(ORDER_BREAKING))
    p = step(check)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "::error file=schemas/wf-orders-value.avsc::not compatible with wf-orders-value" in p.stdout
    assert "is not compatible with wf-orders-value under BACKWARD" in p.stderr
    assert "wf-pay-value.proto is compatible with wf-pay-value" in p.stdout
