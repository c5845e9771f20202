"""Resource limits (issue #16): in-flight request memory, connection caps, decode amplification,
compressed batches past the old 64 MiB bound.

The storm test is the issue's done-when figure: 5,000 idle connections plus clients pipelining
50 MiB frames as fast as they can, while a confluent-kafka producer (acks=all) keeps working and
the broker's peak RSS (VmHWM) stays under 384 MiB. `make test` runs 20 storm clients for 8 s;
BROOK_STORM_FULL=1 runs 50 clients for 30 s. Figures are printed (pytest -s shows them).
"""
import os
import resource
import socket
import struct
import threading
import time
import zlib

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from clients import create_topic
from rawkafka import RawConn, api_frame

RSS_LIMIT_KB = 384 * 1024
FULL = os.environ.get("BROOK_STORM_FULL") == "1"


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def raise_own_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def produce_frame(topic, records_size, corr=1):
    """A Produce v3 frame (acks=1) whose one partition carries `records_size` bytes framed as a
    single record batch (too large for message.max.bytes: answered MESSAGE_TOO_LARGE)."""
    batch = bytearray(records_size)
    struct.pack_into(">qib", batch, 0, 0, records_size - 12, 0)  # baseOffset, batchLength, epoch
    batch[16] = 2  # magic
    tb = topic.encode()
    body = (struct.pack(">hhi", -1, 1, 30000) + struct.pack(">ih", 1, len(tb)) + tb
            + struct.pack(">ii", 1, 0) + struct.pack(">i", records_size))
    return api_frame(0, 3, corr, bytes(body) + bytes(batch))


def storm_client(port, frame, stop, stats):
    """Sends `frame` back to back, reconnecting if the broker closes; a thread drains responses."""
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            time.sleep(0.1)
            continue
        done = threading.Event()

        def drain():
            while not done.is_set():
                try:
                    d = s.recv(65536)
                except OSError:
                    break
                if not d:
                    break
                stats["resp_bytes"] += len(d)

        t = threading.Thread(target=drain, daemon=True)
        t.start()
        try:
            s.settimeout(30)
            while not stop.is_set():
                s.sendall(frame)
                stats["frames"] += 1
        except OSError:
            pass
        finally:
            done.set()
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
            t.join(timeout=5)


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


@pytest.mark.slow
@pytest.mark.timeout(240 if FULL else 90)
def test_storm_of_large_frames_and_idle_connections_keeps_rss_bounded(broker_factory):
    storm_clients, storm_s, idle_n = (50, 30.0, 5000) if FULL else (20, 8.0, 5000)
    have = raise_own_fd_limit()
    if have < idle_n + 500:
        pytest.skip(f"RLIMIT_NOFILE {have} too low for {idle_n} idle connections")
    b = broker_factory()
    pid = b.proc.pid
    create_topic(b.bootstrap, "storm")
    create_topic(b.bootstrap, "normal")

    idle = []
    t0 = time.monotonic()
    for _ in range(idle_n):
        idle.append(socket.create_connection(("127.0.0.1", b.port), timeout=10))
    deadline = time.monotonic() + 20
    while open_fds(pid) < idle_n and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_fds(pid) >= idle_n, f"broker holds {open_fds(pid)} descriptors, want >= {idle_n}"
    idle_s = time.monotonic() - t0
    rss_idle = vm_rss_kb(pid)

    frame = produce_frame("storm", 50 << 20)
    stop = threading.Event()
    stats = {"frames": 0, "resp_bytes": 0}
    storm = [threading.Thread(target=storm_client, args=(b.port, frame, stop, stats), daemon=True)
             for _ in range(storm_clients)]
    for t in storm:
        t.start()

    # The normal producer: one small record at a time, acks=all, latency from produce() to its ack.
    p = Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 0,
                  "message.timeout.ms": 30000})
    lat, errors = [], []

    def on_delivery(sent_at):
        def cb(err, msg):
            if err is not None:
                errors.append(err)
            else:
                lat.append(time.monotonic() - sent_at)
        return cb

    time.sleep(1.0)  # let the storm fill the budget first
    sent = 0
    end = time.monotonic() + storm_s
    while time.monotonic() < end:
        p.produce("normal", value=b"x" * 100, on_delivery=on_delivery(time.monotonic()))
        sent += 1
        p.poll(0.02)
    stop.set()
    assert p.flush(30) == 0
    for t in storm:
        t.join(timeout=30)
    for s in idle:
        s.close()

    hwm = vm_hwm_kb(pid)
    storm_mib = stats["frames"] * len(frame) / (1 << 20)
    print(f"\nstorm: {storm_clients} clients x 50 MiB frames for {storm_s:.0f} s: {stats['frames']} frames "
          f"({storm_mib:.0f} MiB) sent; {idle_n} idle connections opened in {idle_s:.1f} s "
          f"(RSS with them {rss_idle // 1024} MiB); normal producer: {len(lat)}/{sent} acked, "
          f"latency p50 {percentile(lat, 0.5) * 1000:.0f} ms p99 {percentile(lat, 0.99) * 1000:.0f} ms "
          f"max {max(lat) * 1000:.0f} ms; broker peak RSS (VmHWM) {hwm // 1024} MiB")
    assert not errors, errors[:3]
    assert len(lat) == sent and sent > 20
    assert stats["resp_bytes"] > 0, "no storm frame was ever answered"
    assert storm_mib > 1024, f"the storm sent only {storm_mib:.0f} MiB"
    assert hwm < RSS_LIMIT_KB, f"broker peak RSS {hwm // 1024} MiB, want < 384 MiB"
    assert percentile(lat, 0.99) < 5.0
    # Still serving after the storm.
    with RawConn(b.bootstrap) as c:
        c.send_frame(api_frame(18, 0, 7, b"")[4:])
        assert struct.unpack(">i", c.recv_frame()[:4])[0] == 7


def test_frame_over_the_request_budget_is_refused_and_others_go_on(broker_factory):
    b = broker_factory(sets={"queued.max.request.bytes": 1 << 20})
    with RawConn(b.bootstrap) as c:
        try:
            c.send_bytes(produce_frame("t", 2 << 20))
        except OSError:
            pass  # closed while the frame was still going out
        assert c.wait_closed(10)
    assert "over the in-flight request budget of 1048576 bytes (queued.max.request.bytes)" in b.log_text()
    with RawConn(b.bootstrap) as c:  # a frame under it is served
        c.send_frame(api_frame(18, 0, 9, b"")[4:])
        assert struct.unpack(">i", c.recv_frame()[:4])[0] == 9


def test_connections_per_ip_and_in_total_are_capped(broker_factory):
    # The schema registry is a client of the broker from 127.0.0.1 too: off, so the counts are ours.
    b = broker_factory(sets={"max.connections.per.ip": 3, "schema.registry.enable": "false"})
    time.sleep(0.5)  # the fixture's start-up probes (connect, close) leave
    def served(c, corr):
        c.send_frame(api_frame(18, 0, corr, b"")[4:])
        return struct.unpack(">i", c.recv_frame()[:4])[0] == corr

    conns = [RawConn(b.bootstrap) for _ in range(3)]
    assert all(served(c, i + 1) for i, c in enumerate(conns))
    extra = RawConn(b.bootstrap)
    assert extra.wait_closed(5), "a fourth connection from one address must be closed"
    extra.close()
    assert "refusing connection from 127.0.0.1: it already has 3 (max.connections.per.ip)" in b.log_text()
    conns[0].close()
    time.sleep(0.3)  # the broker notices the close
    again = RawConn(b.bootstrap)
    assert served(again, 42), "a place freed by a close must be usable again"
    for c in conns[1:] + [again]:
        c.close()

    b2 = broker_factory(sets={"max.connections": 2, "schema.registry.enable": "false"})
    time.sleep(0.5)
    conns = [RawConn(b2.bootstrap) for _ in range(2)]
    assert all(served(c, i + 1) for i, c in enumerate(conns))
    extra = RawConn(b2.bootstrap)
    assert extra.wait_closed(5)
    extra.close()
    assert "connections open (max.connections" in b2.log_text()
    for c in conns:
        c.close()


def test_fd_limit_is_raised_and_connections_capped_to_half_of_it(broker_factory):
    b = broker_factory()
    with open(f"/proc/{b.proc.pid}/limits") as f:
        line = next(x for x in f if x.startswith("Max open files"))
    soft, hard = line.split()[3:5]
    assert soft == hard, line
    assert f"half of RLIMIT_NOFILE {soft}" in b.log_text()
    assert f"accepting up to {int(soft) // 2} connections" in b.log_text()


def find_coordinator_v4(keys, corr=1):
    """FindCoordinator v4 (flexible: request header v2) for group keys."""
    def uvarint(n):
        out = bytearray()
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
        return bytes(out)
    parts = [struct.pack(">hhih", 10, 4, corr, 3), b"raw", b"\x00", b"\x00", uvarint(len(keys) + 1)]
    for k in keys:
        parts.append(uvarint(len(k) + 1))
        parts.append(k)
    parts.append(b"\x00")
    body = b"".join(parts)
    return struct.pack(">i", len(body)) + body


def test_find_coordinator_of_one_byte_keys_does_not_amplify_memory(broker_factory):
    b = broker_factory()
    pid = b.proc.pid
    base = vm_hwm_kb(pid)
    # 10 MiB of one-byte keys: 5 M keys, which decode to 160 MiB of strings (today: ~3 GB of RSS).
    big = find_coordinator_v4([b"a"] * (5 << 20))
    with RawConn(b.bootstrap) as c:
        c.send_bytes(big)
        assert c.wait_closed(20)
    grown = vm_hwm_kb(pid) - base
    print(f"\nFindCoordinator v4 of 5 M one-byte keys: peak RSS grew {grown // 1024} MiB")
    assert grown < 64 * 1024, f"peak RSS grew {grown // 1024} MiB"
    assert "would decode to more than" in b.log_text()

    # Over the per-request bound of keys (but decodable): refused with its own line.
    with RawConn(b.bootstrap) as c:
        c.send_bytes(find_coordinator_v4([b"g%d" % i for i in range(100_001)]))
        assert c.wait_closed(20)
    assert "100001 coordinator keys in one request, over Brook's bound of 100000" in b.log_text()

    # A real batch is answered, one entry per key.
    with RawConn(b.bootstrap) as c:
        c.send_bytes(find_coordinator_v4([b"group-%d" % i for i in range(1000)], corr=5))
        resp = c.recv_frame()
        assert struct.unpack(">i", resp[:4])[0] == 5
        # header v1: corr, tags; body: throttle, compact array length = 1001
        assert resp[4] == 0 and resp[9:11] == bytes([0xE9, 0x07])


def test_describe_groups_with_a_repeated_group_is_refused(broker_factory):
    b = broker_factory()
    from kafka.protocol.admin import DescribeGroupsRequest
    with RawConn(b.bootstrap) as c:
        r = c.request(DescribeGroupsRequest[0](groups=["a", "b"]))
        assert len(r.groups) == 2
        _, payload = c.encode(DescribeGroupsRequest[0](groups=["a", "b", "a"]))
        c.send_frame(payload)
        assert c.wait_closed(10)
    assert "group ids 'a' appears twice in one request" in b.log_text()


def produce_one_big_batch(b, topic, value, n):
    """Produces n records that librdkafka should put in one zstd batch; returns the record count
    of the partition's first stored batch (librdkafka decides the batching, not the broker)."""
    create_topic(b.bootstrap, topic, config={"max.message.bytes": str(4 << 20)})
    p = Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "compression.type": "zstd",
                  "linger.ms": 2000, "batch.size": 200 << 20, "batch.num.messages": 100000,
                  "message.max.bytes": 200 << 20, "queue.buffering.max.kbytes": 400 << 10})
    p.list_topics(topic, timeout=10)  # leader known before the first record, so none goes alone
    errors = []
    offsets = []
    for i in range(n):
        p.produce(topic, value=value, key=b"%d" % i,
                  on_delivery=lambda err, msg: errors.append(err) if err else offsets.append(msg.offset()))
    assert p.flush(60) == 0
    assert not errors, errors[:3]
    assert sorted(offsets) == list(range(n))
    from rawkafka import fetch_request, fetch_result
    with RawConn(b.bootstrap) as raw:
        err, _, data = fetch_result(raw.request(fetch_request(topic, 0, 0, max_bytes=8 << 20)))
        assert err == 0
        (count,) = struct.unpack(">i", data[57:61])
    return count


def test_batch_decompressing_past_64_mib_is_accepted_and_read_back(broker_factory):
    b = broker_factory()
    value = b"\0" * (1 << 20)
    n = 72  # 72 MiB of values in one zstd batch
    # One batch must hold them all, so the broker validated 72 MiB of decompressed records at
    # once; a loaded machine has once seen librdkafka send the first record alone, so the
    # client gets three tries at batching (every try's records are accepted either way).
    for attempt in range(3):
        topic = "big" if attempt == 0 else "big%d" % attempt
        count = produce_one_big_batch(b, topic, value, n)
        if count == n:
            break
    assert count == n, f"the producer split the records three times: first batch holds {count}"
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "big-reader", "enable.auto.commit": False,
                  "fetch.message.max.bytes": 8 << 20,
                  # librdkafka sizes its zstd output by doubling up to this bound.
                  "receive.message.max.bytes": 1000 << 20})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        got = []
        deadline = time.monotonic() + 60
        while len(got) < n and time.monotonic() < deadline:
            for m in c.consume(num_messages=100, timeout=0.5):
                assert m.error() is None, m.error()
                got.append(m)
        assert [m.key() for m in got] == [b"%d" % i for i in range(n)]
        assert all(m.value() == value for m in got)
    finally:
        c.close()


def crc32c(data):
    from kafka.record.util import calc_crc32c
    return calc_crc32c(data)


def gzip_bomb_batch(value_size):
    """A legal gzip batch of one record whose value is `value_size` zero bytes."""
    def varint(n):
        z = (n << 1) ^ (n >> 63)
        out = bytearray()
        while z >= 0x80:
            out.append((z & 0x7F) | 0x80)
            z >>= 7
        out.append(z)
        return bytes(out)
    head = b"\0" + varint(0) + varint(0) + varint(-1) + varint(value_size)
    tail = varint(0)
    body_len = len(head) + value_size + len(tail)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [comp.compress(varint(body_len) + head)]
    chunk = b"\0" * (1 << 20)
    left = value_size
    while left:
        k = min(left, len(chunk))
        out.append(comp.compress(chunk[:k]))
        left -= k
    out.append(comp.compress(tail))
    out.append(comp.flush())
    records = b"".join(out)
    now = int(time.time() * 1000)
    after_crc = struct.pack(">hiqqqhii", 1, 0, now, now, -1, -1, -1, 1) + records  # attributes gzip
    crc = crc32c(after_crc)
    batch_len = 4 + 1 + 4 + len(after_crc)  # leader epoch, magic, crc
    return struct.pack(">qiibI", 0, batch_len, 0, 2, crc) + after_crc


def test_decompression_bomb_does_not_blow_memory(broker_factory):
    b = broker_factory()
    pid = b.proc.pid
    create_topic(b.bootstrap, "bomb")
    bomb = gzip_bomb_batch(512 << 20)  # 512 MiB of zeros in ~0.5 MiB
    assert len(bomb) < (1 << 20)
    from rawkafka import produce_request, produce_result
    base = vm_hwm_kb(pid)
    with RawConn(b.bootstrap, timeout=60) as c:
        err, _ = produce_result(c.request(produce_request("bomb", 0, bomb, acks=1)))
        # A legal record of 512 MiB: stored as sent, without ever being held decompressed.
        assert err == 0, err
        # The same bomb with a record that claims more than the stream holds: corrupt.
        broken = bytearray(bomb)
        struct.pack_into(">i", broken, 23, 1)  # lastOffsetDelta 1
        struct.pack_into(">i", broken, 57, 2)  # recordsCount 2
        struct.pack_into(">I", broken, 17, crc32c(bytes(broken[21:])))
        err, _ = produce_result(c.request(produce_request("bomb", 0, bytes(broken), acks=1)))
        assert err == 2, err  # CORRUPT_MESSAGE
    grown = vm_hwm_kb(pid) - base
    print(f"\ngzip bomb (512 MiB in {len(bomb) >> 10} KiB): peak RSS grew {grown // 1024} MiB")
    assert grown < 48 * 1024, f"peak RSS grew {grown // 1024} MiB"
