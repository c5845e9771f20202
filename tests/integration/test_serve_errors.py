"""`brook serve` start-up errors: one line naming the listener and its flag (issue #15)."""
import os
import socket
import subprocess

import pytest

from brookfixture import free_port

BIN = os.environ.get("BROOK_BIN", "build/brook")


def serve(tmp_path, kafka, admin, registry):
    return subprocess.run(
        [BIN, "serve", "--data-dir", str(tmp_path / "data"), "--smp", "1",
         "--kafka-addr", f"127.0.0.1:{kafka}", "--admin-addr", f"127.0.0.1:{admin}",
         "--schema-registry-addr", f"127.0.0.1:{registry}"],
        capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("which,flag", [("kafka", "--kafka-addr"), ("admin", "--admin-addr"),
                                        ("registry", "--schema-registry-addr")])
def test_port_in_use_names_listener_and_flag(tmp_path, which, flag):
    ports = {"kafka": free_port(), "admin": free_port(), "registry": free_port()}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[which]))
        holder.listen(1)
        out = serve(tmp_path, ports["kafka"], ports["admin"], ports["registry"])
    assert out.returncode == 1, out
    errors = [l for l in (out.stdout + out.stderr).splitlines() if "failed to start" in l]
    assert len(errors) == 1, out.stdout + out.stderr
    line = errors[0]
    assert f"127.0.0.1:{ports[which]}" in line and flag in line and "already in use" in line, line
    assert ".hpp" not in line and "system:" not in line, line


def test_second_broker_on_same_port_is_refused(broker, tmp_path):
    # SO_REUSEPORT would let a second broker share the port and take half the connections.
    out = serve(tmp_path, broker.port, free_port(), free_port())
    assert out.returncode == 1, out
    assert "--kafka-addr" in out.stdout + out.stderr
    assert broker.alive()
