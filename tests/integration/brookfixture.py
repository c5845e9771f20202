"""Start/stop a real `brook serve` process for tests (imported by conftest.py files).

A `Broker` owns one process on free ports in its own data dir; stderr+stdout go to a log file
so tests can grep it. Every wait is bounded; `close()` always kills the process.
"""
import os
import random
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BROOK_BIN = os.environ.get("BROOK_BIN", str(REPO / "build" / "brook"))
START_TIMEOUT_S = 30


# Below Linux's ephemeral range (32768-60999): a port the kernel hands out with bind(0) is also
# what outgoing connections take as their source port, so between free_port() and the server's
# own bind (or across a restart) a client connection could take it ("address already in use").
LISTEN_PORTS = range(20000, 32768)


def free_port():
    """A port nothing listens on now, outside the ephemeral range."""
    for _ in range(200):
        port = random.choice(LISTEN_PORTS)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, timeout=0.2):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


class BrokerError(RuntimeError):
    pass


class Broker:
    def __init__(self, data_dir, log_dir, smp=2, sets=None):
        self.data_dir = Path(data_dir)
        self.log_dir = Path(log_dir)
        self.smp = smp
        self.sets = dict(sets or {})
        self.port = free_port()
        self.admin_port = free_port()
        self.registry_port = free_port()
        self.port_retries = 0
        self.proc = None
        self.starts = 0
        self.log_path = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def registry_url(self):
        """The schema registry's base URL (served by `brook serve` unless schema.registry.enable=false)."""
        return f"http://127.0.0.1:{self.registry_port}"

    @property
    def registry_enabled(self):
        return str(self.sets.get("schema.registry.enable", "true")).lower() not in ("false", "0", "no", "off")

    def registry_ready(self):
        """True once the registry answers reads (it replays _schemas after the broker is up)."""
        try:
            with urllib.request.urlopen(self.registry_url + "/subjects", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def topic_dir(self, topic, partition=0):
        return self.data_dir / topic / str(partition)

    def argv(self):
        argv = [BROOK_BIN, "serve", "--data-dir", str(self.data_dir),
                "--kafka-addr", self.bootstrap, "--advertise-addr", self.bootstrap,
                "--admin-addr", f"127.0.0.1:{self.admin_port}",
                "--schema-registry-addr", f"127.0.0.1:{self.registry_port}",
                "--smp", str(self.smp)]
        for k, v in self.sets.items():
            argv += ["--set", f"{k}={v}"]
        return argv

    def start(self):
        if not os.path.exists(BROOK_BIN):
            raise BrokerError(f"broker binary {BROOK_BIN} missing (make build)")
        self.starts += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.log_dir / f"brook-{self.starts}.log"
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if self.starts == 1 and "already in use" in self.log_text() and self.port_retries < 3:
                    # Someone took a port between free_port() and the bind: nothing knows these
                    # ports before the first start, so take new ones.
                    self.port_retries += 1
                    self.starts = 0
                    self.port, self.admin_port, self.registry_port = free_port(), free_port(), free_port()
                    return self.start()
                raise BrokerError(f"broker exited with {self.proc.returncode} during start:\n"
                                  + self.log_text()[-4000:])
            if "listening" in self.log_text() and port_open(self.port) and (
                    not self.registry_enabled or self.registry_ready()):
                return self
            time.sleep(0.05)
        self.kill9()
        raise BrokerError("broker did not start within %ss:\n%s"
                          % (START_TIMEOUT_S, self.log_text()[-4000:]))

    def log_text(self, all_runs=False):
        """This run's log (or every run's, concatenated)."""
        paths = ([self.log_dir / f"brook-{i}.log" for i in range(1, self.starts + 1)]
                 if all_runs else [self.log_path])
        out = []
        for p in paths:
            if p and p.exists():
                out.append(p.read_text(errors="replace"))
        return "".join(out)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20, expect_rc=0):
        """SIGTERM, wait, and assert the exit code (graceful shutdown flushes)."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
            raise BrokerError(f"broker ignored SIGTERM for {timeout}s")
        self.proc = None
        if expect_rc is not None and rc != expect_rc:
            raise BrokerError(f"broker exited {rc} on SIGTERM (want {expect_rc}):\n"
                              + self.log_text()[-4000:])
        return rc

    def kill9(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def restart(self, graceful=True):
        if graceful:
            self.stop()
        else:
            self.kill9()
        return self.start()

    def close(self):
        """Teardown: never leaves a process behind."""
        if self.proc is not None:
            self.kill9()
