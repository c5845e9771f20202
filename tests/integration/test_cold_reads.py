"""Catch-up reads of data that is no longer in the page cache: the broker reads it on a helper
thread before serving it (page_warmer), and consumers get every record, in order, as from
cached data. The page cache is emptied with posix_fadvise(DONTNEED) on the segment files."""
import os

import pytest

from clients import ck_consume, ck_produce_all, ck_producer, create_topic, kp_consume

RECORDS = 12_000
VALUE = 1000


def value(i):
    return (b"%08d" % i) * (VALUE // 8)


def drop_page_cache(topic_dir):
    """DONTNEED every segment file; returns how many of them then read as not cached."""
    cold = 0
    for name in sorted(os.listdir(topic_dir)):
        if not name.endswith(".log"):
            continue
        fd = os.open(topic_dir / name, os.O_RDONLY)
        try:
            # Dirty pages cannot be dropped: write them back first (on a busy disk the
            # active segment's tail may still be dirty when the test gets here).
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            try:
                os.preadv(fd, [bytearray(1)], 0, os.RWF_NOWAIT)
            except BlockingIOError:
                cold += 1
        finally:
            os.close(fd)
    return cold


@pytest.mark.slow
def test_catch_up_of_cold_segments_returns_every_record(broker_factory):
    if not hasattr(os, "RWF_NOWAIT"):
        pytest.skip("no RWF_NOWAIT in this Python")
    # Small segments: all but the active one are probed (its last MiBs count as just written).
    b = broker_factory(sets={"log.segment.bytes": str(1 << 20)})
    create_topic(b.bootstrap, "cold", partitions=1)
    p = ck_producer(b.bootstrap)
    ck_produce_all(p, "cold", ({"value": value(i)} for i in range(RECORDS)))
    for run, consume in (("confluent", ck_consume), ("kafka-python", kp_consume)):
        cold = drop_page_cache(b.topic_dir("cold"))
        if cold == 0:
            pytest.skip("the page cache cannot be dropped here (tmpfs?)")
        assert cold >= 5, f"{run}: only {cold} segment files read as not cached after DONTNEED"
        got = consume(b.bootstrap, "cold", {0: 0}, RECORDS, timeout=60)
        assert [m.offset() if callable(getattr(m, "offset")) else m.offset for m in got] == list(range(RECORDS)), run
        assert all((m.value() if callable(getattr(m, "value")) else m.value) == value(i) for i, m in enumerate(got)), run
    assert b.alive()
