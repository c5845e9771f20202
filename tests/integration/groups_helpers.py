"""Consumer-group helpers for test_groups.py: group consumers with test-friendly timings, a
bounded "poll until" loop, timing records, and a subprocess consumer (run this file as a script)
that logs what it processed and committed so a test can SIGKILL it and audit the tail, and the
raw request classes kafka-python 2.0.2 lacks (JoinGroup v5, Heartbeat v3, OffsetDelete v0).

Subprocess log format (one line each, flushed before the next step so a SIGKILL loses at most
the line being written):
    A <unix_time> <p,p,...>   assignment after a rebalance (empty list = nothing assigned)
    R <partition> <offset>    record processed (written + flushed BEFORE its offset is committed)
    C <partition> <offset>    synchronous commit of <offset> (next to read) returned success
    E <text>                  commit or consume error
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition
from kafka.protocol.api import Request, Response
from kafka.protocol.group import MemberAssignment, ProtocolMetadata
from kafka.protocol.types import Array, Bytes, Int16, Int32, Schema, String

TIMINGS_PATH = os.environ.get("BROOK_GROUP_TIMINGS", "/tmp/brook_group_timings.json")

# Session timeout of 6 s (Kafka's group.min.session.timeout.ms) so expiry tests stay short; a
# fast heartbeat so members learn about a rebalance within half a second.
FAST_GROUP = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
              "fetch.wait.max.ms": 100, "enable.partition.eof": False}


def ck_group_consumer(bootstrap, group, **conf):
    c = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
         "enable.auto.commit": False}
    c.update(FAST_GROUP)
    c.update(conf)
    return Consumer(c)


def record_timing(name, seconds):
    """Print a measured figure and merge it into the timings json (pytest -s shows the print)."""
    print(f"\n[timing] {name}: {seconds * 1000:.0f} ms")
    data = {}
    try:
        with open(TIMINGS_PATH) as f:
            data = json.load(f)
    except (OSError, ValueError):
        pass
    data[name] = round(seconds, 4)
    with open(TIMINGS_PATH, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)


def poll_until(consumers, done, timeout, on_msg=None, poll_s=0.05):
    """Poll every consumer in turn until done() is true or timeout; messages go to on_msg(c, m).
    Raises AssertionError on timeout and KafkaException on a message error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        for c in consumers:
            m = c.poll(poll_s)
            if m is None:
                continue
            if m.error():
                raise KafkaException(m.error())
            if on_msg is None:
                raise AssertionError(f"unexpected message {m.topic()}/{m.partition()}@{m.offset()}")
            on_msg(c, m)
    if done():
        return
    raise AssertionError(f"condition not reached within {timeout}s")


def assigned(consumer, topic=None):
    return sorted(tp.partition for tp in consumer.assignment() if topic is None or tp.topic == topic)


def commit_sync(consumer, msgs):
    """Commit next-offset = last processed + 1 for every partition in msgs; synchronous."""
    last = {}
    for m in msgs:
        last[(m.topic(), m.partition())] = max(last.get((m.topic(), m.partition()), -1), m.offset())
    offsets = [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
    res = consumer.commit(offsets=offsets, asynchronous=False)
    for tp in res or []:
        if tp.error:
            raise KafkaException(tp.error)
    return offsets


def consume_and_commit(consumer, topic, count, timeout=30):
    """Subscribes `consumer` to `topic`, takes exactly `count` records and commits after them:
    the group is left `count` records in (its lag is what remains)."""
    consumer.subscribe([topic])
    got = []
    poll_until([consumer], lambda: len(got) >= count, timeout=timeout,
               on_msg=lambda _, msg: got.append(msg) if len(got) < count else None)
    commit_sync(consumer, got)
    return got


def read_sub_log(path):
    """Parse a subprocess log into (assignments[(t, [p])], processed[(p, o)], commits{p: o},
    errors[str])."""
    assigns, processed, commits, errors = [], [], {}, []
    try:
        text = open(path).read()
    except OSError:
        return assigns, processed, commits, errors
    lines = text.split("\n")
    lines.pop()  # the part after the last newline: empty, or a line torn by SIGKILL
    for line in lines:
        parts = line.split(" ")
        try:
            if parts[0] == "A" and len(parts) == 3:
                ps = [int(x) for x in parts[2].split(",") if x]
                assigns.append((float(parts[1]), ps))
            elif parts[0] == "R" and len(parts) == 3:
                processed.append((int(parts[1]), int(parts[2])))
            elif parts[0] == "C" and len(parts) == 3:
                commits[int(parts[1])] = int(parts[2])
            elif parts[0] == "E":
                errors.append(line)
        except ValueError:
            errors.append(f"unparsable line {line!r}")
    return assigns, processed, commits, errors


# -- raw protocol pieces kafka-python 2.0.2 lacks (non-flexible versions) ------------------------

class JoinGroupResponse_v5(Response):
    API_KEY = 11
    API_VERSION = 5
    SCHEMA = Schema(
        ('throttle_time_ms', Int32), ('error_code', Int16), ('generation_id', Int32),
        ('protocol_name', String('utf-8')), ('leader', String('utf-8')),
        ('member_id', String('utf-8')),
        ('members', Array(('member_id', String('utf-8')), ('group_instance_id', String('utf-8')),
                          ('metadata', Bytes))))


class JoinGroupRequest_v5(Request):
    """Static membership (group_instance_id) needs v5; kafka-python stops at v2."""
    API_KEY = 11
    API_VERSION = 5
    RESPONSE_TYPE = JoinGroupResponse_v5
    SCHEMA = Schema(
        ('group_id', String('utf-8')), ('session_timeout_ms', Int32),
        ('rebalance_timeout_ms', Int32), ('member_id', String('utf-8')),
        ('group_instance_id', String('utf-8')), ('protocol_type', String('utf-8')),
        ('protocols', Array(('name', String('utf-8')), ('metadata', Bytes))))


class HeartbeatResponse_v3(Response):
    API_KEY = 12
    API_VERSION = 3
    SCHEMA = Schema(('throttle_time_ms', Int32), ('error_code', Int16))


class HeartbeatRequest_v3(Request):
    API_KEY = 12
    API_VERSION = 3
    RESPONSE_TYPE = HeartbeatResponse_v3
    SCHEMA = Schema(('group_id', String('utf-8')), ('generation_id', Int32),
                    ('member_id', String('utf-8')), ('group_instance_id', String('utf-8')))


def metadata_bytes(topic):
    m = ProtocolMetadata(0, [topic], b"")  # kafka-python's encode is a weak method: keep m alive
    return m.encode()


def assignment_bytes(topic, partitions):
    a = MemberAssignment(0, [(topic, list(partitions))], b"")
    return a.encode()


class OffsetDeleteResponse_v0(Response):
    API_KEY = 47
    API_VERSION = 0
    SCHEMA = Schema(
        ('error_code', Int16), ('throttle_time_ms', Int32),
        ('topics', Array(('name', String('utf-8')),
                         ('partitions', Array(('partition_index', Int32), ('error_code', Int16))))))


class OffsetDeleteRequest_v0(Request):
    API_KEY = 47
    API_VERSION = 0
    RESPONSE_TYPE = OffsetDeleteResponse_v0
    SCHEMA = Schema(
        ('group_id', String('utf-8')),
        ('topics', Array(('name', String('utf-8')), ('partitions', Array(Int32)))))


def _sub_main(argv):
    """Subprocess consumer: subscribe, consume batches, 'process' (log), commit synchronously."""
    bootstrap, group, topic, out_path, batch, delay_ms = argv
    batch, delay = int(batch), int(delay_ms) / 1000.0
    out = open(out_path, "a", buffering=1)

    def on_assign(c, parts):
        out.write(f"A {time.time():.3f} {','.join(str(tp.partition) for tp in parts)}\n")
        out.flush()

    c = ck_group_consumer(bootstrap, group)
    c.subscribe([topic], on_assign=on_assign)
    while True:
        msgs = c.consume(num_messages=batch, timeout=0.2)
        good = []
        for m in msgs:
            if m.error():
                out.write(f"E consume {m.error()}\n")
                continue
            good.append(m)
        if not good:
            continue
        out.write("".join(f"R {m.partition()} {m.offset()}\n" for m in good))
        out.flush()
        # slow "processing" sits between the record being handled and its commit, so a SIGKILL
        # usually leaves an uncommitted tail that the next owner must deliver again
        time.sleep(delay)
        try:
            offsets = commit_sync(c, good)
        except KafkaException as e:
            out.write(f"E commit {e}\n")
            out.flush()
            continue
        out.write("".join(f"C {tp.partition} {tp.offset}\n" for tp in offsets))
        out.flush()


if __name__ == "__main__":
    _sub_main(sys.argv[1:])
