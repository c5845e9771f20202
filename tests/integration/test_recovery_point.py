"""Recovery from the recovery point after a power cut that kept later blocks but not earlier ones.

kill -9 keeps the page cache, so the "power cut" is simulated on the stopped broker's files:
garbage where a batch below the active segment's last index entry was (a block the disk never
got, while later ones it did). The broker must start, cut the log at the last good batch with
one warning line, serve every record below the cut, and let an idempotent producer continue.
Before the recovery point, recovery checked only the bytes after the last index entry: the
garbage stayed in the log (producer-state replay refused it, or consumers received it).
"""
import struct

from clients import ck_consume, ck_produce_all, ck_producer, create_topic


def batch_positions(path):
    """(position, base offset) of each batch in a segment file."""
    data = path.read_bytes()
    out, pos = [], 0
    while pos + 12 <= len(data):
        base, length = struct.unpack(">qi", data[pos:pos + 12])
        out.append((pos, base))
        pos += 12 + length
    return out


def test_garbage_below_last_index_entry_is_cut_and_broker_starts(broker_factory):
    # An index entry per batch, and more batches than index_file::flush_every (256): indexes
    # are written behind the log (h16-partitions), so only then does kill -9 leave entries on disk.
    broker = broker_factory(sets={"log.index.interval.bytes": "1"}, smp=1)
    topic = "powercut"
    create_topic(broker.bootstrap, topic, partitions=1)
    p = ck_producer(broker.bootstrap, **{"enable.idempotence": True, "linger.ms": 0, "batch.num.messages": 1})
    delivered = ck_produce_all(p, topic, [dict(key=b"k%d" % i, value=b"v%d" % i + b"x" * 200) for i in range(300)])
    assert [o for _, o in delivered] == list(range(300))
    broker.kill9()

    seg = broker.topic_dir(topic, 0) / ("0" * 20 + ".log")
    index = seg.with_suffix(".index")
    last_indexed = struct.unpack(">II", index.read_bytes()[-8:])[1]
    batches = batch_positions(seg)
    pos, cut = next((pos, base) for pos, base in batches if base >= 80)
    assert pos < last_indexed, "the garbage must lie below the last index entry"
    with open(seg, "r+b") as f:
        f.seek(pos + 20)  # inside the header: CRC, attributes, timestamps, producer id
        f.write(b"\x5a" * 40)

    broker.start()
    assert seg.stat().st_size == pos, "the log must be cut at the garbled batch"
    log = broker.log_text()
    warnings = [ln for ln in log.splitlines() if "log cut at offset" in ln]
    assert len(warnings) == 1 and f"log cut at offset {cut}" in warnings[0], log[-3000:]

    msgs = ck_consume(broker.bootstrap, topic, {0: 0}, cut)
    assert [(m.offset(), m.value()) for m in msgs] == [(i, b"v%d" % i + b"x" * 200) for i in range(cut)]
    p2 = ck_producer(broker.bootstrap, **{"enable.idempotence": True})
    more = ck_produce_all(p2, topic, [dict(value=b"after%d" % i) for i in range(10)])
    assert [o for _, o in more] == list(range(cut, cut + 10))
