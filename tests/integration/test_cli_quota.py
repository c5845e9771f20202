"""`brook quota describe|alter` (src/cli/quota.cc over src/client/quota_admin.h) against Brook:
every subcommand, checked with raw DescribeClientQuotas requests (quotas_raw.py), and every error
path with its exit code: 1 for a broker's refusal (bad key, bad value, bad entity type), an
unreachable broker or one that does not serve the quota APIs; 2 for bad usage."""
import json
import socket
import struct
import subprocess
import threading
import time

import pytest

from brookfixture import BROOK_BIN, free_port
from quotas_raw import all_quotas


def brook(broker, *args, timeout=30):
    argv = [BROOK_BIN, "quota", *args]
    if broker is not None:
        argv += ["-b", broker.bootstrap]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def ok(p):
    assert p.returncode == 0, f"rc={p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p.stdout


def json_lines(text):
    return [json.loads(ln) for ln in text.splitlines() if ln.strip()]


def test_alter_then_describe(module_broker):
    b = module_broker
    out = ok(brook(b, "alter", "--name", "client-id=cli-a", "--add", "producer_byte_rate=1048576",
                   "--add", "consumer_byte_rate=2097152"))
    assert "client-id=cli-a" in out and "producer_byte_rate" in out and "set" in out
    ok(brook(b, "alter", "--default", "client-id", "--add", "producer_byte_rate=500000"))
    ok(brook(b, "alter", "--name", "user=ANONYMOUS", "--default", "client-id", "--add", "consumer_byte_rate=300"))
    q = all_quotas(b.bootstrap)
    assert q["client-id=cli-a"] == {"producer_byte_rate": 1048576.0, "consumer_byte_rate": 2097152.0}
    assert q["client-id=<default>"] == {"producer_byte_rate": 500000.0}
    assert q["client-id=<default>,user=ANONYMOUS"] == {"consumer_byte_rate": 300.0}

    # text table: one row per entity and key
    lines = ok(brook(b, "describe", "--name", "client-id=cli-a")).splitlines()
    assert lines[0].split() == ["ENTITY", "KEY", "VALUE"]
    assert sorted(ln.split() for ln in lines[1:]) == [["client-id=cli-a", "consumer_byte_rate", "2097152"],
                                                      ["client-id=cli-a", "producer_byte_rate", "1048576"]]
    # json: one object per entity
    rows = json_lines(ok(brook(b, "describe", "--default", "client-id", "--format", "json")))
    assert {"entity": [{"type": "client-id", "name": None}], "values": {"producer_byte_rate": 500000}} in rows
    strict = json_lines(ok(brook(b, "describe", "--default", "client-id", "--strict", "--format", "json")))
    assert strict == [{"entity": [{"type": "client-id", "name": None}], "values": {"producer_byte_rate": 500000}}]
    anyuser = json_lines(ok(brook(b, "describe", "--any", "user", "--format", "json")))
    assert [r["entity"] for r in anyuser] == [[{"type": "client-id", "name": None}, {"type": "user", "name": "ANONYMOUS"}]]
    everything = json_lines(ok(brook(b, "describe", "--format", "json")))
    assert len(everything) >= 3
    assert "no quotas match" in ok(brook(b, "describe", "--name", "client-id=nobody"))

    # --delete, and --dry changes nothing
    ok(brook(b, "alter", "--name", "client-id=cli-a", "--delete", "consumer_byte_rate"))
    out = ok(brook(b, "alter", "--name", "client-id=cli-a", "--add", "producer_byte_rate=1", "--dry"))
    assert "would set" in out
    assert all_quotas(b.bootstrap)["client-id=cli-a"] == {"producer_byte_rate": 1048576.0}
    rows = json_lines(ok(brook(b, "alter", "--name", "client-id=cli-a", "--delete", "producer_byte_rate",
                               "--format", "json")))
    assert rows == [{"entity": "client-id=cli-a", "key": "producer_byte_rate", "value": None, "action": "deleted"}]
    assert "client-id=cli-a" not in all_quotas(b.bootstrap)


def test_request_percentage_through_the_cli(module_broker):
    b = module_broker
    out = ok(brook(b, "alter", "--name", "client-id=cli-rp", "--add", "request_percentage=5"))
    assert "client-id=cli-rp" in out and "request_percentage" in out
    ok(brook(b, "alter", "--name", "client-id=cli-rp", "--add", "request_percentage=2.5"))  # a fraction is fine
    assert all_quotas(b.bootstrap)["client-id=cli-rp"] == {"request_percentage": 2.5}
    assert "request_percentage" in ok(brook(b, "describe", "--name", "client-id=cli-rp"))
    ok(brook(b, "alter", "--name", "client-id=cli-rp", "--delete", "request_percentage"))
    assert "client-id=cli-rp" not in all_quotas(b.bootstrap)


@pytest.mark.parametrize("args,needle", [
    (["alter", "--name", "client-id=x", "--add", "bogus_rate=5"], "invalid quota key 'bogus_rate'"),
    (["alter", "--name", "client-id=x", "--add", "producer_byte_rate=-5"], "must be a positive number"),
    (["alter", "--name", "client-id=x", "--add", "producer_byte_rate=1.5"], "whole number"),
    (["alter", "--name", "client-id=x", "--add", "request_percentage=0"], "must be a positive number"),
    (["alter", "--name", "group=g", "--add", "producer_byte_rate=5"], "unknown entity type 'group'"),
    (["alter", "--name", "ip=1.2.3.4", "--add", "producer_byte_rate=5"], "entity type 'ip' is not supported"),
    (["describe", "--any", "ip"], "entity type 'ip' is not supported"),
    (["describe", "--name", "group=g"], "unknown entity type 'group'"),
])
def test_broker_refusals_exit_1_with_the_broker_message(module_broker, args, needle):
    p = brook(module_broker, *args)
    assert p.returncode == 1, p.stderr
    assert needle in p.stderr and "(INVALID_REQUEST)" in p.stderr, p.stderr
    assert "client-id=x" not in all_quotas(module_broker.bootstrap)


@pytest.mark.parametrize("args,needle", [
    (["alter", "--add", "producer_byte_rate=5"], "no entity"),
    (["alter", "--name", "client-id=x"], "nothing to change"),
    (["alter", "--name", "client-id", "--add", "producer_byte_rate=5"], "bad --name 'client-id'"),
    (["alter", "--name", "client-id=", "--add", "producer_byte_rate=5"], "bad --name"),
    (["alter", "--name", "client-id=x", "--default", "client-id", "--add", "producer_byte_rate=5"], "given twice"),
    (["alter", "--name", "client-id=x", "--add", "producer_byte_rate"], "bad --add"),
    (["alter", "--name", "client-id=x", "--add", "producer_byte_rate=fast"], "must be a number"),
    (["alter", "--name", "client-id=x", "--add", "producer_byte_rate=5", "--delete", "producer_byte_rate"],
     "both added and deleted"),
    (["alter", "--default", "client-id=x", "--add", "producer_byte_rate=5"], "bad --default"),
    (["describe", "--any", "client-id", "--name", "client-id=x"], "given twice"),
    (["describe", "--any", "client-id=x"], "bad --any"),
])
def test_bad_usage_exits_2(args, needle):
    # no broker needed: nothing touches the network before the line is understood
    p = brook(None, *args, "-b", f"127.0.0.1:{free_port()}")
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert needle in p.stderr, p.stderr


@pytest.mark.parametrize("args", [[], ["describe", "--bogus"], ["alter", "--format", "xml"], ["frobnicate"]])
def test_cli11_usage_errors_exit_2(args):
    p = brook(None, *args)
    assert p.returncode == 2, (p.returncode, p.stderr)


@pytest.mark.parametrize("args", [["describe"], ["alter", "--name", "client-id=x", "--add", "producer_byte_rate=5"]])
def test_unreachable_broker_fails_fast(args):
    addr = f"127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    p = subprocess.run([BROOK_BIN, "quota", *args, "-b", addr], capture_output=True, text=True, timeout=30)
    assert time.monotonic() - t0 < 10
    assert p.returncode == 1
    assert f"cannot reach the broker at {addr} (check --brokers)" in p.stderr, p.stderr


def old_broker(port, stop):
    """A stand-in for a broker without client-quota APIs: answers ApiVersions v0 with
    ApiVersions and Metadata only."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        with conn:
            conn.settimeout(5)
            (size,) = struct.unpack(">i", conn.recv(4, socket.MSG_WAITALL))
            req = conn.recv(size, socket.MSG_WAITALL)
            corr = struct.unpack(">i", req[4:8])[0]
            body = struct.pack(">ih", corr, 0) + struct.pack(">i", 2) + struct.pack(">hhh", 18, 0, 3) + struct.pack(">hhh", 3, 0, 9)
            conn.sendall(struct.pack(">i", len(body)) + body)
            time.sleep(0.2)
    srv.close()


@pytest.mark.parametrize("args", [["describe"], ["alter", "--name", "client-id=x", "--add", "producer_byte_rate=5"]])
def test_broker_without_quota_apis_gets_a_clear_error(args):
    port = free_port()
    stop = threading.Event()
    t = threading.Thread(target=old_broker, args=(port, stop), daemon=True)
    t.start()
    try:
        time.sleep(0.2)
        p = subprocess.run([BROOK_BIN, "quota", *args, "-b", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=30)
    finally:
        stop.set()
        t.join(5)
    assert p.returncode == 1, p.stderr
    assert "does not serve DescribeClientQuotas (Kafka API 48)" in p.stderr, p.stderr
    assert "(UNSUPPORTED_VERSION)" in p.stderr
