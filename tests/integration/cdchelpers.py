"""Helpers for the `brook cdc postgres` tests: run the source as a process, read topics with
confluent-kafka (read_committed), and check a change history for exactly-once."""
import json
import os
import signal
import subprocess
import time

from confluent_kafka import Consumer, TopicPartition

from brookfixture import BROOK_BIN


class Cdc:
    """One `brook cdc postgres` process; stderr goes to a file the tests read."""

    def __init__(self, log_dir, dsn, prefix, bootstrap, sets=None, extra=None):
        self.log_dir = log_dir
        self.argv = [BROOK_BIN, "cdc", "postgres", "--dsn", dsn, "--prefix", prefix, "-b", bootstrap]
        for k, v in (sets or {}).items():
            self.argv += ["--set", f"{k}={v}"]
        self.argv += list(extra or [])
        self.proc = None
        self.runs = 0
        self.log_path = None

    def start(self):
        self.runs += 1
        self.log_path = os.path.join(self.log_dir, f"cdc-{self.runs}.log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.argv, stderr=log, stdout=log, stdin=subprocess.DEVNULL)
        return self

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_for(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"cdc exited {self.proc.returncode} before '{text}':\n{self.log()}")
            time.sleep(0.05)
        raise AssertionError(f"no '{text}' within {timeout}s:\n{self.log()}")

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def close(self):
        self.kill9()


def start_streaming(log_dir, dsn, prefix, bootstrap, sets=None, extra=None):
    """Starts the source and waits until it streams (its snapshot, if any, is committed)."""
    cdc = Cdc(str(log_dir), dsn, prefix, bootstrap, sets=sets, extra=extra)
    cdc.start()
    cdc.wait_for("streaming from")
    return cdc


def one_line(err):
    """The error is one line; progress and warnings ("cdc: ...") may precede it."""
    lines = [l for l in err.strip().splitlines() if l.strip() and not l.startswith("cdc: ")]
    assert len(lines) == 1, f"want one line, got:\n{err}"
    assert lines[0].startswith("brook cdc postgres: "), lines[0]
    return lines[0]


def run_cdc(dsn, prefix, bootstrap, sets=None, extra=None, timeout=60):
    """Runs the command to completion (for the refusals): (exit code, stderr)."""
    argv = [BROOK_BIN, "cdc", "postgres", "--dsn", dsn, "--prefix", prefix, "-b", bootstrap]
    for k, v in (sets or {}).items():
        argv += ["--set", f"{k}={v}"]
    argv += list(extra or [])
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stderr


def read_topic(bootstrap, topic, timeout=30, tail=None):
    """Every record of partition 0 up to the end (or the last `tail` offsets), read_committed:
    [(key, value)] as decoded JSON (value None for a tombstone)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "cdc-verify", "isolation.level": "read_committed",
                  "enable.partition.eof": True, "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    start = 0
    if tail is not None:
        _, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        start = max(0, high - tail)
    c.assign([TopicPartition(topic, 0, start)])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msgs = c.consume(10000, 1.0)
            for m in msgs:
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        return out
                    raise AssertionError(str(m.error()))
                out.append((json.loads(m.key()) if m.key() else None,
                            json.loads(m.value()) if m.value() is not None else None))
        raise AssertionError(f"no end of {topic} within {timeout}s ({len(out)} records)")
    finally:
        c.close()


def read_avro_topic(bootstrap, registry_url, topic, timeout=30):
    """Every record of partition 0, read_committed, decoded through the registry by
    confluent-kafka's legacy AvroConsumer on python3-avro (a decoder we did not write):
    [(key, value)] as dicts (value None for a tombstone)."""
    from confluent_kafka.avro import AvroConsumer
    c = AvroConsumer({"bootstrap.servers": bootstrap, "schema.registry.url": registry_url,
                      "group.id": "cdc-avro-verify", "isolation.level": "read_committed",
                      "enable.partition.eof": True, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            m = c.poll(1.0)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    return out
                raise AssertionError(str(m.error()))
            out.append((m.key(), m.value()))
        raise AssertionError(f"no end of {topic} within {timeout}s ({len(out)} records)")
    finally:
        c.close()


def read_raw_topic(bootstrap, topic, timeout=30):
    """[(key bytes, value bytes)] of partition 0, read_committed."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "cdc-raw", "isolation.level": "read_committed",
                  "enable.partition.eof": True, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for m in c.consume(1000, 1.0):
                if m.error():
                    if m.error().code() == -191:
                        return out
                    raise AssertionError(str(m.error()))
                out.append((m.key(), m.value()))
        raise AssertionError(f"no end of {topic} within {timeout}s")
    finally:
        c.close()


def payload(doc):
    """The payload of a JsonConverter document, with or without the schema envelope."""
    if doc is not None and "schema" in doc and "payload" in doc:
        return doc["payload"]
    return doc


def stored_position(bootstrap, prefix):
    """The last position record the source committed (read_committed): {"state", "lsn"} or None."""
    last = None
    for k, v in read_topic(bootstrap, f"{prefix}.offsets"):
        last = v
    return last


def lsn_int(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def wait_for_key(bootstrap, topic, key_field, key_value, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for k, v in read_topic(bootstrap, topic, tail=2000):
            if k is not None and payload(k).get(key_field) == key_value and v is not None:
                return
        time.sleep(0.3)
    raise AssertionError(f"{topic}: no event for {key_field}={key_value} within {timeout}s")


def check_history(records, final_rows, key="id", version="v"):
    """Exactly once, in order, and complete: per key the events must be one snapshot read or a
    create, then updates whose version goes up by exactly one each, then at most a delete and its
    tombstone; replaying them must give exactly the table's final rows {id: v}.
    Returns counts per op."""
    state = {}       # id -> v (live rows)
    phase = {}       # id -> 'live' | 'deleted' | 'tombstoned'
    ops = {"r": 0, "c": 0, "u": 0, "d": 0, "tomb": 0}
    for i, (k, v) in enumerate(records):
        kid = payload(k)[key]
        if v is None:
            assert phase.get(kid) == "deleted", f"record {i}: tombstone for {kid} not right after its delete"
            phase[kid] = "tombstoned"
            ops["tomb"] += 1
            continue
        p = payload(v)
        op = p["op"]
        ops[op] += 1
        if op in ("r", "c"):
            assert kid not in phase, f"record {i}: second {op} for key {kid} (was {phase[kid]}): duplicate"
            state[kid] = p["after"][version]
            phase[kid] = "live"
        elif op == "u":
            assert phase.get(kid) == "live", f"record {i}: update of {kid} in phase {phase.get(kid)}"
            assert p["after"][version] == state[kid] + 1, \
                f"record {i}: key {kid} went {state[kid]} -> {p['after'][version]} (gap or duplicate)"
            state[kid] = p["after"][version]
        elif op == "d":
            assert phase.get(kid) == "live", f"record {i}: delete of {kid} in phase {phase.get(kid)}"
            del state[kid]
            phase[kid] = "deleted"
    missing = {k: v for k, v in final_rows.items() if state.get(k) != v}
    extra = {k: v for k, v in state.items() if k not in final_rows}
    assert not missing and not extra, f"replay differs from the table: {len(missing)} missing/different " \
                                      f"(e.g. {list(missing.items())[:5]}), {len(extra)} extra (e.g. {list(extra.items())[:5]})"
    return ops
