"""__consumer_offsets and __transaction_state on the log cleaner (issue #15): both are created
cleanup.policy=compact with their own segment.bytes (offsets.topic.segment.bytes,
transaction.state.log.segment.bytes; the old *.compaction.min.bytes names are deprecated
synonyms), the cleaner keeps the offsets topic small, committed offsets survive cleaning and
restarts (read back by confluent-kafka and kafka-python), a data directory of a Brook before #15
is upgraded in place, and a group committing 1,000,000 offsets over 100 partitions stays small
on disk.
"""
import json
import os
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from clients import ck_committed, create_topic, kp_committed, wait_for

TOPIC = "cleaned-commits"
CLEANER_SETS = {"log.cleaner.backoff.ms": "100"}
OFFSETS_CLEANED = "cleaner: __consumer_offsets/0:"


def offsets_bytes(broker):
    return sum(f.stat().st_size for f in broker.topic_dir("__consumer_offsets").glob("*.log"))


def topic_configs(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    got = admin.describe_configs([res])[res].result(timeout=15)
    return {k: v.value for k, v in got.items()}


def test_internal_topics_are_compacted_with_their_segment_size(broker_factory):
    b = broker_factory(sets={"offsets.topic.segment.bytes": "65536", "transaction.state.log.segment.bytes": "32768"})
    offsets = topic_configs(b.bootstrap, "__consumer_offsets")
    assert offsets["cleanup.policy"] == "compact" and offsets["segment.bytes"] == "65536", offsets
    state = topic_configs(b.bootstrap, "__transaction_state")
    assert state["cleanup.policy"] == "compact" and state["segment.bytes"] == "32768", state
    b.close()
    # The defaults are Kafka's (100 MiB), and the deprecated names still work.
    d = broker_factory(sets={"offsets.compaction.min.bytes": "4096", "transaction.state.compaction.min.bytes": "8192"})
    assert topic_configs(d.bootstrap, "__consumer_offsets")["segment.bytes"] == "4096"
    assert topic_configs(d.bootstrap, "__transaction_state")["segment.bytes"] == "8192"
    e = broker_factory()
    assert topic_configs(e.bootstrap, "__consumer_offsets")["segment.bytes"] == str(100 << 20)
    assert topic_configs(e.bootstrap, "__transaction_state")["segment.bytes"] == str(100 << 20)


def test_cleaner_keeps_the_offsets_topic_small_and_offsets_survive(broker_factory):
    b = broker_factory(sets={**CLEANER_SETS, "offsets.topic.segment.bytes": "16384"})
    create_topic(b.bootstrap, TOPIC, partitions=2)
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "committer", "enable.auto.commit": False})
    try:
        # Offsets-only commits (no subscription): one batch of two records each.
        for i in range(1, 2001):
            c.commit(offsets=[TopicPartition(TOPIC, 0, i), TopicPartition(TOPIC, 1, 2 * i)], asynchronous=False)
    finally:
        c.close()
    other = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "bystander", "enable.auto.commit": False})
    other.commit(offsets=[TopicPartition(TOPIC, 0, 7)], asynchronous=False)
    other.close()

    # ~2000 batches of ~190 bytes of history; cleaned, the sealed segments hold a few records and
    # the active one at most 16 KiB.
    wait_for(lambda: OFFSETS_CLEANED in b.log_text() and offsets_bytes(b) < 48 * 1024, 30,
             "the cleaner to shrink __consumer_offsets")
    for committed in (ck_committed, kp_committed):
        assert committed(b.bootstrap, "committer", TOPIC, 2) == [2000, 4000], committed.__name__
        assert committed(b.bootstrap, "bystander", TOPIC, 1) == [7], committed.__name__
    b.restart()
    for committed in (ck_committed, kp_committed):
        assert committed(b.bootstrap, "committer", TOPIC, 2) == [2000, 4000], committed.__name__
        assert committed(b.bootstrap, "bystander", TOPIC, 1) == [7], committed.__name__
    # A group deleted after cleaning stays deleted across a restart (its tombstones are cleaned
    # like any record; the offset keys' tombstones outlive the records they delete).
    from kafka.admin import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap, api_version_auto_timeout_ms=10000)
    try:
        [(g, err)] = admin.delete_consumer_groups(["bystander"])
        assert (g, err.errno) == ("bystander", 0), err
    finally:
        admin.close()
    b.restart()
    assert ck_committed(b.bootstrap, "bystander", TOPIC, 1) == [-1001]


def test_data_dir_of_an_earlier_brook_is_upgraded(broker_factory):
    """A data directory written before #15 has the internal topics with retention.ms=-1 only (and,
    when its coordinator compacted, snapshot records: ordinary keyed records). The broker adds
    cleanup.policy=compact and segment.bytes once, loads the offsets, and cleans from then on.
    BROOK_OLD_BIN (a Brook binary from before #15) writes the directory for real; otherwise its
    topic documents are rewritten as the old Brook wrote them."""
    old_bin = os.environ.get("BROOK_OLD_BIN")
    b = broker_factory(sets={**CLEANER_SETS, "offsets.compaction.min.bytes": "4096"})
    if old_bin:
        import brookfixture
        b.stop()
        saved = brookfixture.BROOK_BIN
        brookfixture.BROOK_BIN = old_bin
        try:
            import shutil
            shutil.rmtree(b.data_dir)
            b.start()
            create_topic(b.bootstrap, TOPIC, partitions=2)
            c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "old", "enable.auto.commit": False})
            for i in range(1, 301):
                c.commit(offsets=[TopicPartition(TOPIC, 0, i), TopicPartition(TOPIC, 1, i + 1)], asynchronous=False)
            c.close()
            wait_for(lambda: "__consumer_offsets compacted" in b.log_text(), 20, "the old Brook's snapshot compaction")
            b.stop()
        finally:
            brookfixture.BROOK_BIN = saved
    else:
        create_topic(b.bootstrap, TOPIC, partitions=2)
        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "old", "enable.auto.commit": False})
        for i in range(1, 301):
            c.commit(offsets=[TopicPartition(TOPIC, 0, i), TopicPartition(TOPIC, 1, i + 1)], asynchronous=False)
        c.close()
        b.stop()
        for internal in ("__consumer_offsets", "__transaction_state"):
            doc = b.data_dir / "_meta" / "topics" / f"{internal}.json"
            meta = json.loads(doc.read_text())
            meta["configs"] = {"retention.ms": "-1"}
            doc.write_text(json.dumps(meta))
    before = offsets_bytes(b)
    b.start()
    assert "__consumer_offsets: now cleanup.policy=compact (segment.bytes 4096)" in b.log_text()
    assert topic_configs(b.bootstrap, "__consumer_offsets")["cleanup.policy"] == "compact"
    assert topic_configs(b.bootstrap, "__transaction_state")["cleanup.policy"] == "compact"
    assert ck_committed(b.bootstrap, "old", TOPIC, 2) == [300, 301]
    # New commits roll 4 KiB segments; the cleaner then cleans the old history with them.
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "old", "enable.auto.commit": False})
    for i in range(301, 401):
        c.commit(offsets=[TopicPartition(TOPIC, 0, i), TopicPartition(TOPIC, 1, i + 1)], asynchronous=False)
    c.close()
    wait_for(lambda: OFFSETS_CLEANED in b.log_text(), 30, "the cleaner to clean the upgraded topic")
    print(f"upgraded __consumer_offsets: {before} bytes before, {offsets_bytes(b)} after cleaning")
    b.restart()
    assert ck_committed(b.bootstrap, "old", TOPIC, 2) == [400, 401]
    assert kp_committed(b.bootstrap, "old", TOPIC, 2) == [400, 401]
    assert "now cleanup.policy=compact" not in b.log_text(), "the upgrade is persisted once"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_million_commits_stay_small_on_disk(broker_factory, capsys):
    """1,000,000 committed offsets (BROOK_OFFSETS_COMMITS OffsetCommit requests, default 10,000,
    each of 100 partitions) by one group: first with the cleaner off (the whole history on disk),
    then the cleaner on: it shrinks to about one segment, and both clients read every offset."""
    requests = int(os.environ.get("BROOK_OFFSETS_COMMITS", 10_000))
    parts = 100
    sets = {**CLEANER_SETS, "offsets.topic.segment.bytes": str(1 << 20), "log.cleaner.enable": "false"}
    b = broker_factory(sets=sets)
    create_topic(b.bootstrap, TOPIC, partitions=parts)
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "million", "enable.auto.commit": False})
    began = time.monotonic()
    try:
        for i in range(1, requests + 1):
            c.commit(offsets=[TopicPartition(TOPIC, p, i) for p in range(parts)], asynchronous=False)
    finally:
        c.close()
    took = time.monotonic() - began
    rss_before = rss_kib(b.proc.pid)
    before = offsets_bytes(b)
    segments_before = len(list(b.topic_dir("__consumer_offsets").glob("*.log")))
    b.sets["log.cleaner.enable"] = "true"
    b.restart()
    began_clean = time.monotonic()
    wait_for(lambda: offsets_bytes(b) < 3 * (1 << 20), 600, "the cleaner to shrink __consumer_offsets")
    cleaned_in = time.monotonic() - began_clean
    after = offsets_bytes(b)
    rss_after = rss_kib(b.proc.pid)
    expected = [requests] * parts
    assert ck_committed(b.bootstrap, "million", TOPIC, parts) == expected
    assert kp_committed(b.bootstrap, "million", TOPIC, parts) == expected
    with capsys.disabled():
        print(f"\n{requests * parts:,} committed offsets ({requests:,} OffsetCommit x {parts} partitions) in "
              f"{took:.0f}s: __consumer_offsets {before:,} bytes in {segments_before} segments uncleaned, "
              f"{after:,} bytes after cleaning ({cleaned_in:.0f}s); broker RSS {rss_before // 1024} MiB "
              f"after the commits, {rss_after // 1024} MiB after cleaning; load {os.getloadavg()[0]:.1f}")
    assert after < before / 10
