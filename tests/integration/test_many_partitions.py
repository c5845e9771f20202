"""8,000 partitions on one broker (issue 16): one CreateTopics of 8,000 is answered within a
bound, a few of them serve produce and consume, a restart brings all of them back, and the
broker's descriptors stay far below RLIMIT_NOFILE: a partition holds at most one (its active
segment's .log, let go at housekeeping once idle and synced); indexes hold none; sealed and
idle segments borrow theirs from a bounded per-shard cache (log.fd.cache.size, 1000 a shard).

Before: three descriptors per partition exhausted a 20,000 limit at ~6,600 partitions; the
request was never answered and the broker then refused to start.
"""
import os
import time

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from clients import ck_consume, ck_produce_all, ck_producer

N = 8000
CREATE_BOUND_S = 60
RESTART_BOUND_S = 60


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def fd_limit(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no Max open files line")


def settled_fds(pid, bound, timeout=15):
    """The descriptor count once housekeeping let the idle partitions' go (or the last seen)."""
    deadline = time.monotonic() + timeout
    n = fd_count(pid)
    while n >= bound and time.monotonic() < deadline:
        time.sleep(0.5)
        n = fd_count(pid)
    return n


def partitions_ok(bootstrap, topic):
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic=topic, timeout=30)
    t = md.topics[topic]
    assert t.error is None, t.error
    bad = [p for p, pm in t.partitions.items() if pm.error is not None]
    return len(t.partitions), bad


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_eight_thousand_partitions(broker_factory):
    # Housekeeping (which lets idle descriptors go) every second instead of every 5 minutes.
    b = broker_factory(sets={"log.retention.check.interval.ms": "1000"})
    idle_bound = 2 * 1000 + 600  # two shards' caches, plus sockets and the rest
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    t0 = time.monotonic()
    fut = admin.create_topics([NewTopic("wide", N, 1)], request_timeout=CREATE_BOUND_S,
                              operation_timeout=CREATE_BOUND_S)["wide"]
    fut.result(timeout=CREATE_BOUND_S)
    created_s = time.monotonic() - t0
    fds = fd_count(b.proc.pid)
    limit = fd_limit(b.proc.pid)
    idle = settled_fds(b.proc.pid, idle_bound)
    print(f"\ncreate of {N} partitions: {created_s:.1f} s; open descriptors {fds} just after, "
          f"{idle} once idle (limit {limit})")
    assert created_s < CREATE_BOUND_S
    # At most one descriptor per partition plus a few hundred; far fewer once they are idle.
    assert fds < N + 600, fds
    assert idle < idle_bound, idle

    count, bad = partitions_ok(b.bootstrap, "wide")
    assert (count, bad) == (N, [])
    targets = [0, 1, N // 2, N - 1]
    recs = [dict(key=b"k", value=f"v{p}-{i}".encode(), partition=p) for p in targets for i in range(20)]
    delivered = ck_produce_all(ck_producer(b.bootstrap), "wide", recs)
    assert len(delivered) == len(recs)
    got = ck_consume(b.bootstrap, "wide", {p: 0 for p in targets}, len(recs))
    assert sorted((m.partition(), m.value()) for m in got) == sorted((r["partition"], r["value"]) for r in recs)

    t0 = time.monotonic()
    b.stop(timeout=120)
    stopped_s = time.monotonic() - t0
    t0 = time.monotonic()
    b.start()
    restart_s = time.monotonic() - t0
    fds = fd_count(b.proc.pid)
    idle = settled_fds(b.proc.pid, idle_bound)
    print(f"stop {stopped_s:.1f} s, restart {restart_s:.1f} s; open descriptors after restart {fds}, "
          f"{idle} once idle")
    assert restart_s < RESTART_BOUND_S
    assert fds < N + 600, fds
    assert idle < idle_bound, idle
    assert partitions_ok(b.bootstrap, "wide") == (N, [])
    got = ck_consume(b.bootstrap, "wide", {p: 0 for p in targets}, len(recs))
    assert sorted((m.partition(), m.value()) for m in got) == sorted((r["partition"], r["value"]) for r in recs)
    assert "offline" not in b.log_text()
