"""Consumer groups with real clients (librdkafka via confluent-kafka, kafka-python) and raw frames.

Each test is written against Apache Kafka's behaviour; the broker runs with its default
group.initial.rebalance.delay.ms (250 ms) and consumers use 6 s sessions, 0.5 s heartbeats.
Covers: the seed's producer/consumer verbatim; 3 members x 6 partitions x 60k records exactly once;
SIGKILLed member (duplicates = its uncommitted tail); static member restart (no rebalance, same
assignment); cooperative-sticky incremental revoke; offsets + groups across a broker restart; two
independent groups; kafka-python group consumer + both admin clients; raw error codes (25, 22, 24,
68, 69, 3, 86, 82 FENCED_INSTANCE_ID) and static rejoin keeping the generation.
Timings (subscribe -> first record for a lone consumer; 3-member group stabilisation) are printed
and merged into /tmp/brook_group_timings.json.
"""
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from confluent_kafka import OFFSET_INVALID, TopicPartition
from confluent_kafka.admin import AdminClient
from kafka.protocol.admin import DeleteGroupsRequest
from kafka.protocol.commit import GroupCoordinatorRequest, OffsetCommitRequest, OffsetFetchRequest
from kafka.protocol.group import (HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
                                  MemberAssignment, SyncGroupRequest)

from clients import ck_produce_all, ck_producer, create_topic
from groups_helpers import (HeartbeatRequest_v3, JoinGroupRequest_v5, OffsetDeleteRequest_v0,
                            assigned, assignment_bytes, ck_group_consumer, commit_sync,
                            metadata_bytes, poll_until, read_sub_log, record_timing)
from rawkafka import RawConn

HERE = os.path.dirname(os.path.abspath(__file__))


def produce_seq(bootstrap, topic, count, partitions, start=0, **conf):
    """count records value=b'<i>' round-robin over partitions; returns [(partition, offset)]."""
    p = ck_producer(bootstrap, **conf)
    recs = [dict(key=b"k%d" % i, value=b"%d" % i, partition=i % partitions)
            for i in range(start, start + count)]
    return ck_produce_all(p, topic, recs)


def close_all(consumers):
    for c in consumers:
        try:
            c.close()
        except Exception:  # already closed
            pass


# -- 1. the seed's producer + consumer, unmodified ----------------------------------------------

SEED_PRODUCER = '''
from confluent_kafka import Producer, Consumer
import json

p = Producer({
 "bootstrap.servers": "localhost:9092",
 "enable.idempotence": True, # dedup retries
 "acks": "all", # wait for full ISR replication
 "linger.ms": 5, # batch up to 5 ms
})
p.produce("orders", key="order-7", value=json.dumps({"id": 7, "amt": 99.0}))
p.flush()
'''

SEED_CONSUMER = '''
c = Consumer({
 "bootstrap.servers": "localhost:9092",
 "group.id": "invoice-processor",
 "auto.offset.reset": "earliest",
 "enable.auto.commit": False, # commit AFTER processing
 "isolation.level": "read_committed",
})
c.subscribe(["orders"])
while (msg := c.poll(1.0)) is not None and not msg.error():
 process(json.loads(msg.value()))
 c.commit(msg)
'''


def seed(code, bootstrap, topic):
    return code.replace("localhost:9092", bootstrap).replace('"orders"', f'"{topic}"')


def test_seed_producer_consumer_unmodified(module_broker):
    bs, topic = module_broker.bootstrap, "seed-orders"
    create_topic(bs, topic, partitions=1)
    ns = {}
    exec(seed(SEED_PRODUCER, bs, topic), ns)
    # more orders through the seed's own producer object, same key (so one partition, one order)
    for i in range(8, 50):
        ns["p"].produce(topic, key="order-7", value=json.dumps({"id": i, "amt": 99.0}))
    ns["p"].flush()

    got = []
    ns["process"] = lambda order: got.append(order["id"])
    try:
        exec(seed(SEED_CONSUMER, bs, topic), ns)
    finally:
        ns["c"].close()  # waits for the seed's asynchronous commits
    # the seed stops at the first empty 1 s poll: a lone consumer must be assigned and fetching
    # within its first poll, and the whole backlog must arrive in produced order
    assert got == list(range(7, 50)), f"consumed {got[:10]}... ({len(got)} of 43)"
    check = ck_group_consumer(bs, "invoice-processor")
    try:
        committed = check.committed([TopicPartition(topic, 0)], timeout=10)
        assert committed[0].offset == 43, f"committed {committed[0].offset}, want 43"
    finally:
        check.close()
    # measured separately: subscribe -> first record for a lone consumer in a fresh group
    lone = ck_group_consumer(bs, "seed-lone")
    try:
        t0 = time.monotonic()
        lone.subscribe([topic])
        first = []
        poll_until([lone], lambda: first, 15, on_msg=lambda _c, m: first.append(m))
        record_timing("lone_consumer_subscribe_to_first_record", time.monotonic() - t0)
        assert first[0].offset() == 0
    finally:
        lone.close()


# -- 2. three members, six partitions, 60,000 records exactly once -----------------------------

def test_three_members_exactly_once(module_broker):
    bs, topic, group, n = module_broker.bootstrap, "g3", "g3-group", 60_000
    create_topic(bs, topic, partitions=6)
    consumers = [ck_group_consumer(bs, group, **{"client.id": f"m{i}"}) for i in range(3)]
    try:
        t0 = time.monotonic()
        for c in consumers:
            c.subscribe([topic])

        def stable():
            parts = [assigned(c) for c in consumers]
            return all(len(p) == 2 for p in parts) and sorted(sum(parts, [])) == list(range(6))
        poll_until(consumers, stable, 30)
        record_timing("three_member_group_stabilise", time.monotonic() - t0)
        owners = {p: i for i, c in enumerate(consumers) for p in assigned(c)}

        delivered = produce_seq(bs, topic, n, 6)
        seen = Counter()
        by_member = {}

        def drain_round():
            for i, c in enumerate(consumers):
                msgs = c.consume(num_messages=2000, timeout=0.05)
                good = []
                for m in msgs:
                    assert not m.error(), m.error()
                    good.append(m)
                if not good:
                    continue
                for m in good:  # "process", then commit what was processed
                    seen[(m.partition(), m.offset())] += 1
                    by_member.setdefault(m.partition(), set()).add(i)
                commit_sync(c, good)

        deadline = time.monotonic() + 60
        while len(seen) < n and time.monotonic() < deadline:
            drain_round()
        assert len(seen) == n, f"consumed {len(seen)} distinct of {n}"
        dups = [k for k, v in seen.items() if v > 1]
        assert not dups, f"{len(dups)} records consumed twice, e.g. {dups[:5]}"
        assert set(seen) == set(delivered)
        assert by_member == {p: {owners[p]} for p in range(6)}, "a partition was read by two members"
        for i, c in enumerate(consumers):
            mine = assigned(c)
            assert set(mine) == {p for p, o in owners.items() if o == i}, "assignment changed"
            committed = c.committed([TopicPartition(topic, p) for p in mine], timeout=10)
            assert [tp.offset for tp in committed] == [n // 6] * 2
    finally:
        close_all(consumers)


# -- 3. SIGKILL a member: partitions move after the session timeout, nothing lost -----------------

def test_killed_member_partitions_move(module_broker, tmp_path):
    bs, topic, group, n = module_broker.bootstrap, "gkill", "gkill-group", 6000
    create_topic(bs, topic, partitions=6)
    logs = [tmp_path / f"member{i}.log" for i in range(3)]
    procs = [subprocess.Popen([sys.executable, os.path.join(HERE, "groups_helpers.py"), bs, group,
                               topic, str(logs[i]), "50", "40"],
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"m{i}.err", "wb"))
             for i in range(3)]
    try:
        def current():
            out = []
            for lp in logs:
                a = read_sub_log(lp)[0]
                out.append(a[-1][1] if a else None)
            return out

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            cur = current()
            if all(x is not None and len(x) == 2 for x in cur) and \
                    sorted(sum(cur, [])) == list(range(6)):
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"group of 3 subprocess members did not stabilise: {current()}")
        victim_parts = current()[0]

        delivered = produce_seq(bs, topic, n, 6)
        # kill member 0 mid-stream, once it has processed a few batches
        deadline = time.monotonic() + 30
        while len(read_sub_log(logs[0])[1]) < 300 and time.monotonic() < deadline:
            time.sleep(0.02)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=10)
        t_kill = time.time()
        _, v_processed, v_commits, _ = read_sub_log(logs[0])
        assert len(v_processed) < 2000, "victim finished before the kill; test proves nothing"

        def all_processed():
            s = set()
            for lp in logs:
                s.update(read_sub_log(lp)[1])
            return s

        deadline = time.monotonic() + 45
        while len(all_processed()) < n and time.monotonic() < deadline:
            time.sleep(0.2)
        got = all_processed()
        missing = set(delivered) - got
        assert not missing, f"{len(missing)} records never processed, e.g. {sorted(missing)[:5]}"

        # the victim's partitions went to the survivors, no earlier than the session could expire
        moved_at = None
        for lp in logs[1:]:
            for t, ps in read_sub_log(lp)[0]:
                if t >= t_kill and set(ps) & set(victim_parts):
                    moved_at = t if moved_at is None else min(moved_at, t)
        assert moved_at is not None, "victim's partitions were never reassigned"
        record_timing("killed_member_partitions_reassigned_after_kill", moved_at - t_kill)
        # the victim never left: its partitions must wait for its 6 s session to expire
        assert 4 <= moved_at - t_kill < 20

        # duplicates: only the victim's uncommitted tail
        counts = Counter()
        for lp in logs:
            counts.update(read_sub_log(lp)[1])
        dups = {k for k, v in counts.items() if v > 1}
        v_set = set(v_processed)
        for p, o in dups:
            assert p in victim_parts, f"duplicate {p}@{o} on a survivor's partition"
            assert (p, o) in v_set, f"duplicate {p}@{o} not processed by the victim"
            assert o >= v_commits.get(p, 0), f"duplicate {p}@{o} below the committed {v_commits.get(p)}"
        # and exactly that tail: the new owners started at the victim's last commit
        tail = {(p, o) for p, o in v_set if o >= v_commits.get(p, 0)}
        assert dups == tail, f"duplicates {sorted(dups)[:5]}.. != uncommitted tail {sorted(tail)[:5]}.."
        print(f"\n[kill] victim processed {len(v_processed)}, uncommitted tail = duplicates = {len(dups)}")
        for lp in logs[1:]:
            errs = read_sub_log(lp)[3]
            assert not errs, f"survivor errors: {errs[:5]}"
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.send_signal(signal.SIGKILL)
                pr.wait(timeout=10)


# -- 4. static member restarted within its session: same generation, same assignment ------------

def test_static_member_restart_keeps_assignment(module_broker):
    bs, topic, group = module_broker.bootstrap, "gstatic", "gstatic-group"
    create_topic(bs, topic, partitions=4)
    events = []  # the other member's rebalance callbacks: any new generation shows up here

    def b_assign(c, parts):
        events.append(("assign", sorted(tp.partition for tp in parts)))

    def b_revoke(c, parts):
        events.append(("revoke", sorted(tp.partition for tp in parts)))

    a = ck_group_consumer(bs, group, **{"group.instance.id": "static-a"})
    b = ck_group_consumer(bs, group, **{"group.instance.id": "static-b"})
    a2 = None
    try:
        a.subscribe([topic])
        b.subscribe([topic], on_assign=b_assign, on_revoke=b_revoke)
        poll_until([a, b], lambda: len(assigned(a)) == 2 and len(assigned(b)) == 2, 30)
        a_parts, b_parts = assigned(a), assigned(b)
        before = describe(bs, group)
        assert before.state == "Stable" and len(before.members) == 2
        n_events = len(events)

        a.close()  # a static member does not send LeaveGroup: the broker keeps its slot
        a = None
        a2 = ck_group_consumer(bs, group, **{"group.instance.id": "static-a"})
        a2.subscribe([topic])
        poll_until([a2, b], lambda: len(assigned(a2)) > 0, 15)
        assert assigned(a2) == a_parts
        # give a rebalance every chance to show up on b (heartbeat 0.5 s)
        end = time.monotonic() + 3
        while time.monotonic() < end:
            b.poll(0.1)
            a2.poll(0.1)
        assert events[n_events:] == [], f"the other member saw a rebalance: {events[n_events:]}"
        assert assigned(b) == b_parts and assigned(a2) == a_parts
        after = describe(bs, group)
        assert after.state == "Stable" and len(after.members) == 2
        owned = sorted(p for m in after.members for _t, ps in m.member_assignment.assignment
                       for p in ps)
        assert owned == [0, 1, 2, 3]
    finally:
        close_all([x for x in (a, a2, b) if x is not None])


def describe(bs, group):
    from kafka.admin import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=bs, api_version_auto_timeout_ms=10000)
    try:
        (d,) = admin.describe_consumer_groups([group])
        return d
    finally:
        admin.close()


# -- 5. cooperative-sticky: a new member takes only what moves -----------------------------------

def test_cooperative_sticky_revokes_only_moved(module_broker):
    bs, topic, group = module_broker.bootstrap, "gcoop", "gcoop-group"
    create_topic(bs, topic, partitions=6)
    conf = {"partition.assignment.strategy": "cooperative-sticky"}
    log1 = []

    def on_assign(c, parts):
        log1.append(("assign", sorted(tp.partition for tp in parts)))

    def on_revoke(c, parts):
        log1.append(("revoke", sorted(tp.partition for tp in parts)))

    c1 = ck_group_consumer(bs, group, **conf)
    c2 = ck_group_consumer(bs, group, **conf)
    try:
        c1.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
        poll_until([c1], lambda: assigned(c1) == list(range(6)), 15)
        assert log1 == [("assign", list(range(6)))]

        c2.subscribe([topic])
        poll_until([c1, c2], lambda: len(assigned(c1)) == 3 and len(assigned(c2)) == 3, 30)
        revoked = [p for kind, ps in log1 if kind == "revoke" for p in ps]
        assert len(revoked) == 3, f"c1 callbacks: {log1}"
        assert sorted(revoked) == assigned(c2)
        assert assigned(c1) == sorted(set(range(6)) - set(revoked))
        # c1 was never handed a fresh full assignment (eager would revoke all 6 then assign 3)
        assert all(ps != list(range(6)) for kind, ps in log1[1:]), log1
        # and both keep consuming: produce one record per partition
        produce_seq(bs, topic, 6, 6)
        got = set()
        poll_until([c1, c2], lambda: len(got) == 6, 15,
                   on_msg=lambda c, m: got.add((id(c), m.partition())))
        assert {p for cid, p in got if cid == id(c1)} == set(assigned(c1))
    finally:
        close_all([c1, c2])


# -- 6. broker restart: committed offsets and groups survive -------------------------------------

def test_offsets_and_groups_survive_restart(broker):
    bs, topic, group = broker.bootstrap, "grestart", "grestart-group"
    create_topic(bs, topic, partitions=2)
    produce_seq(bs, topic, 200, 2)
    c = ck_group_consumer(bs, group)
    try:
        c.subscribe([topic])
        got = []
        poll_until([c], lambda: len(got) >= 60, 20, on_msg=lambda _c, m: got.append(m))
        # commit exactly 30 per partition (more may have been fetched: that is the "unprocessed")
        c.commit(offsets=[TopicPartition(topic, 0, 30), TopicPartition(topic, 1, 30)],
                 asynchronous=False)
    finally:
        c.close()

    broker.restart()  # SIGTERM (asserts exit 0) + start on the same data dir
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    groups = {g.id: g for g in admin.list_groups(timeout=10)}
    assert group in groups, f"group lost across restart: {sorted(groups)}"
    assert groups[group].state == "Empty"

    c = ck_group_consumer(broker.bootstrap, group)
    try:
        committed = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
        assert [tp.offset for tp in committed] == [30, 30]
        c.subscribe([topic])
        got = []
        poll_until([c], lambda: len(got) >= 140, 20, on_msg=lambda _c, m: got.append(m))
        firsts = {}
        for m in got:
            firsts.setdefault(m.partition(), m.offset())
        assert firsts == {0: 30, 1: 30}
        assert sorted((m.partition(), m.offset()) for m in got) == \
            sorted((p, o) for p in range(2) for o in range(30, 100))
    finally:
        c.close()


def test_deleted_topic_loses_its_committed_offsets(broker):
    """Kafka removes a deleted topic's offsets: a consumer of the same group must read a topic
    re-created under that name from the start, not from the old topic's committed offset."""
    bs, topic, group = broker.bootstrap, "greborn", "greborn-group"
    create_topic(bs, topic, partitions=2)
    produce_seq(bs, topic, 40, 2)
    c = ck_group_consumer(bs, group)
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 5), TopicPartition(topic, 1, 7)], asynchronous=False)
        committed = c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
        assert [tp.offset for tp in committed] == [5, 7]
    finally:
        c.close()

    admin = AdminClient({"bootstrap.servers": bs})
    admin.delete_topics([topic], operation_timeout=15)[topic].result(timeout=15)
    create_topic(bs, topic, partitions=2)
    produce_seq(bs, topic, 20, 2)

    def committed_now():
        c = ck_group_consumer(broker.bootstrap, group)
        try:
            return [tp.offset for tp in c.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)],
                                                    timeout=10)]
        finally:
            c.close()

    assert committed_now() == [OFFSET_INVALID, OFFSET_INVALID]
    c = ck_group_consumer(bs, group)
    try:
        c.subscribe([topic])
        got = []
        poll_until([c], lambda: len(got) >= 20, 20, on_msg=lambda _c, m: got.append(m))
        assert sorted((m.partition(), m.offset()) for m in got) == \
            sorted((p, o) for p in range(2) for o in range(10))
    finally:
        c.close()
    # The tombstones are in __consumer_offsets: a reload does not bring the old offsets back.
    broker.restart()
    assert committed_now() == [OFFSET_INVALID, OFFSET_INVALID]


# -- 7. two groups on one topic are independent -------------------------------------------------

def test_two_groups_independent(module_broker):
    bs, topic, n = module_broker.bootstrap, "gtwo", 400
    create_topic(bs, topic, partitions=2)
    paused = ck_group_consumer(bs, "gtwo-paused")
    drain = ck_group_consumer(bs, "gtwo-drain")
    try:
        paused.subscribe([topic])
        poll_until([paused], lambda: len(assigned(paused)) == 2, 15)
        paused.pause(paused.assignment())
        produce_seq(bs, topic, n, 2)
        drain.subscribe([topic])
        got = []
        poll_until([drain], lambda: len(got) == n, 20, on_msg=lambda _c, m: got.append(m))
        commit_sync(drain, got)
        # the paused group delivered nothing and committed nothing
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            assert paused.poll(0.1) is None, "paused consumer delivered a record"
        tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
        assert [tp.offset for tp in drain.committed(tps, timeout=10)] == [n // 2, n // 2]
        assert [tp.offset for tp in paused.committed(tps, timeout=10)] == [OFFSET_INVALID] * 2
        # resumed, it reads everything from the start on its own
        paused.resume(paused.assignment())
        got2 = []
        poll_until([paused], lambda: len(got2) == n, 20, on_msg=lambda _c, m: got2.append(m))
        assert sorted((m.partition(), m.offset()) for m in got2) == \
            sorted((m.partition(), m.offset()) for m in got)
    finally:
        close_all([paused, drain])


# -- 8. kafka-python group consumer and both clients' admin group listings ------------------------

def test_kafka_python_group_and_admin_listing(module_broker):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP
    from kafka.admin import KafkaAdminClient
    bs, topic, group, n = module_broker.bootstrap, "gkp", "gkp-group", 300
    create_topic(bs, topic, partitions=3)
    produce_seq(bs, topic, n, 3)
    kc = KafkaConsumer(bootstrap_servers=bs, group_id=group, auto_offset_reset="earliest",
                       enable_auto_commit=False, session_timeout_ms=6000,
                       heartbeat_interval_ms=500, api_version_auto_timeout_ms=10000,
                       fetch_max_wait_ms=100)
    admin = None
    try:
        kc.subscribe([topic])
        got = []
        deadline = time.monotonic() + 30
        while len(got) < n and time.monotonic() < deadline:
            for _tp, msgs in kc.poll(timeout_ms=200).items():
                got.extend(msgs)
        assert sorted((m.partition, m.offset) for m in got) == \
            sorted((p, o) for p in range(3) for o in range(n // 3))
        kc.commit()
        assert [kc.committed(KTP(topic, p)) for p in range(3)] == [n // 3] * 3

        admin = KafkaAdminClient(bootstrap_servers=bs, api_version_auto_timeout_ms=10000)
        assert (group, "consumer") in admin.list_consumer_groups()
        (d,) = admin.describe_consumer_groups([group])
        assert d.group == group and d.state == "Stable" and d.protocol_type == "consumer"
        assert len(d.members) == 1
        (member,) = d.members
        assert [(t, sorted(ps)) for t, ps in member.member_assignment.assignment] == \
            [(topic, [0, 1, 2])]
        offsets = admin.list_consumer_group_offsets(group)
        assert {tp.partition: om.offset for tp, om in offsets.items()} == {0: 100, 1: 100, 2: 100}

        ck = {g.id: g for g in AdminClient({"bootstrap.servers": bs}).list_groups(timeout=10)}
        assert group in ck, sorted(ck)
        assert ck[group].state == "Stable" and ck[group].protocol_type == "consumer"
        assert len(ck[group].members) == 1

        # a live group cannot be deleted; once its member left (close sends LeaveGroup) it can
        [(g, err)] = admin.delete_consumer_groups([group])
        assert (g, err.errno) == (group, 68), err
        kc.close()
        kc = None
        [(g, err)] = admin.delete_consumer_groups([group])
        assert (g, err.errno) == (group, 0), err
        assert group not in [g for g, _pt in admin.list_consumer_groups()]
        assert admin.list_consumer_group_offsets(group) == {}
    finally:
        if kc is not None:
            kc.close()
        if admin is not None:
            admin.close()


# -- 9. bad input over raw sockets ---------------------------------------------------------------

def join(conn, group, member_id="", session_ms=10000):
    resp = conn.request(JoinGroupRequest[1](group, session_ms, 10000, member_id, "consumer",
                                            [("range", metadata_bytes("graw"))]), timeout=15)
    return resp


def join_and_sync(conn, group, topic="graw", partitions=(0, 1)):
    j = join(conn, group)
    assert j.error_code == 0, f"JoinGroup error {j.error_code}"
    assign = assignment_bytes(topic, partitions)
    s = conn.request(SyncGroupRequest[1](group, j.generation_id, j.member_id,
                                         [(j.member_id, assign)]), timeout=15)
    assert s.error_code == 0, f"SyncGroup error {s.error_code}"
    assert MemberAssignment.decode(s.member_assignment).assignment == [(topic, list(partitions))]
    return j.member_id, j.generation_id


@pytest.fixture(scope="module")
def raw(module_broker):
    create_topic(module_broker.bootstrap, "graw", partitions=2)
    with RawConn(module_broker.bootstrap, timeout=15) as c:
        yield c


def test_raw_find_coordinator_is_this_broker(raw, module_broker):
    r = raw.request(GroupCoordinatorRequest[0]("graw-fc"))
    assert r.error_code == 0
    assert (r.host, r.port) == ("127.0.0.1", module_broker.port)


def test_raw_heartbeat_errors(raw):
    member, gen = join_and_sync(raw, "graw-hb")
    assert raw.request(HeartbeatRequest[1]("graw-hb", gen, member)).error_code == 0
    assert raw.request(HeartbeatRequest[1]("graw-hb", gen, "no-such-member")).error_code == 25
    assert raw.request(HeartbeatRequest[1]("graw-hb", gen + 1, member)).error_code == 22
    assert raw.request(HeartbeatRequest[1]("graw-hb", gen - 1, member)).error_code == 22
    # unknown group: Kafka answers UNKNOWN_MEMBER_ID too
    assert raw.request(HeartbeatRequest[1]("graw-none", 1, "x")).error_code == 25
    assert raw.request(LeaveGroupRequest[1]("graw-hb", member)).error_code == 0


def test_raw_join_empty_group_id(raw):
    assert join(raw, "").error_code == 24


def test_raw_delete_groups(raw):
    member, _ = join_and_sync(raw, "graw-del")
    r = raw.request(DeleteGroupsRequest[0](["graw-del"]))
    assert r.results == [("graw-del", 68)]
    assert raw.request(LeaveGroupRequest[1]("graw-del", member)).error_code == 0
    r = raw.request(DeleteGroupsRequest[0](["graw-del", "graw-never-existed"]))
    assert dict(r.results) == {"graw-del": 0, "graw-never-existed": 69}  # 69 GROUP_ID_NOT_FOUND


def test_raw_offset_commit_unknown_partition(raw):
    # simple (generation -1) commits from an "admin" client, as kafka-python's standalone commit
    req = OffsetCommitRequest[2]("graw-oc", -1, "", -1, [
        ("graw", [(0, 5, ""), (7, 5, "")]),
        ("graw-no-such-topic", [(0, 5, "")])])
    r = raw.request(req)
    errs = {(t, p): e for t, parts in r.topics for p, e in parts}
    assert errs == {("graw", 0): 0, ("graw", 7): 3, ("graw-no-such-topic", 0): 3}
    f = raw.request(OffsetFetchRequest[2]("graw-oc", [("graw", [0, 7])]))
    fetched = {p: (o, e) for _t, parts in f.topics for p, o, _md, e in parts}
    assert fetched[0] == (5, 0)
    assert fetched[7][0] == -1


def test_raw_commit_stale_generation(raw):
    member, gen = join_and_sync(raw, "graw-gen")
    ok = raw.request(OffsetCommitRequest[2]("graw-gen", gen, member, -1, [("graw", [(0, 1, "")])]))
    assert ok.topics[0][1][0][1] == 0
    bad = raw.request(OffsetCommitRequest[2]("graw-gen", gen + 5, member, -1,
                                             [("graw", [(0, 2, "")])]))
    assert bad.topics[0][1][0][1] == 22
    unk = raw.request(OffsetCommitRequest[2]("graw-gen", gen, "nobody", -1,
                                             [("graw", [(0, 2, "")])]))
    assert unk.topics[0][1][0][1] == 25
    raw.request(LeaveGroupRequest[1]("graw-gen", member))


def test_raw_offset_delete(raw):
    group = "graw-odel"
    member, gen = join_and_sync(raw, group)
    r = raw.request(OffsetCommitRequest[2](group, gen, member, -1, [("graw", [(0, 7, ""), (1, 9, "")])]))
    assert [e for _t, parts in r.topics for _p, e in parts] == [0, 0]
    # the member subscribes to "graw" (its protocol metadata says so): Kafka refuses
    d = raw.request(OffsetDeleteRequest_v0(group, [("graw", [0])]))
    assert d.error_code == 0 and d.topics == [("graw", [(0, 86)])]  # GROUP_SUBSCRIBED_TO_TOPIC
    assert raw.request(LeaveGroupRequest[1](group, member)).error_code == 0
    d = raw.request(OffsetDeleteRequest_v0(group, [("graw", [0])]))
    assert d.error_code == 0 and d.topics == [("graw", [(0, 0)])]
    f = raw.request(OffsetFetchRequest[2](group, [("graw", [0, 1])]))
    assert sorted((p, o) for _t, parts in f.topics for p, o, _md, _e in parts) == [(0, -1), (1, 9)]
    d = raw.request(OffsetDeleteRequest_v0("graw-odel-none", [("graw", [0])]))
    assert d.error_code == 69  # GROUP_ID_NOT_FOUND


def test_raw_static_rejoin_same_generation(raw):
    group, meta = "graw-static", [("range", metadata_bytes("graw"))]
    j1 = raw.request(JoinGroupRequest_v5(group, 10000, 10000, "", "inst-1", "consumer", meta),
                     timeout=15)
    assert j1.error_code == 0 and j1.leader == j1.member_id
    assign = assignment_bytes("graw", [0, 1])
    s = raw.request(SyncGroupRequest[1](group, j1.generation_id, j1.member_id,
                                        [(j1.member_id, assign)]))
    assert s.error_code == 0
    # the same instance comes back with no member id (restarted process): same generation, a new
    # member id, and the old leader id so it does not re-run the assignment (KIP-345)
    j2 = raw.request(JoinGroupRequest_v5(group, 10000, 10000, "", "inst-1", "consumer", meta),
                     timeout=15)
    assert j2.error_code == 0
    assert j2.generation_id == j1.generation_id
    assert j2.member_id != j1.member_id
    s2 = raw.request(SyncGroupRequest[1](group, j2.generation_id, j2.member_id, []))
    assert s2.error_code == 0
    assert MemberAssignment.decode(s2.member_assignment).assignment == [("graw", [0, 1])]
    # the old incarnation is fenced
    r = raw.request(HeartbeatRequest_v3(group, j1.generation_id, j1.member_id, "inst-1"))
    assert r.error_code == 82  # FENCED_INSTANCE_ID


def test_raw_static_member_expires_at_its_session_timeout(raw):
    # A static member that goes away without LeaveGroup (a closed static consumer) leaves the
    # group at its session timeout, as in Kafka: a delete right after it succeeds. With timers
    # on a fixed 100 ms tick the member lingered up to 100 ms (NON_EMPTY_GROUP).
    group, meta = "graw-static-expiry", [("range", metadata_bytes("graw"))]
    j = raw.request(JoinGroupRequest_v5(group, 6000, 10000, "", "inst-exp", "consumer", meta), timeout=15)
    assert j.error_code == 0
    s = raw.request(SyncGroupRequest[1](group, j.generation_id, j.member_id,
                                        [(j.member_id, assignment_bytes("graw", [0, 1]))]))
    assert s.error_code == 0
    # its last heartbeat: the session ends 6 s after the broker handled it, so by now + 6 s
    assert raw.request(HeartbeatRequest_v3(group, j.generation_id, j.member_id, "inst-exp")).error_code == 0
    time.sleep(6.0 + 0.03)
    r = raw.request(DeleteGroupsRequest[0]([group]))
    assert r.results == [(group, 0)], "the static member outlived its session timeout"
