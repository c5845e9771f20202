"""kcat (librdkafka) end to end: metadata listing, 100k keyed lines in, same lines out."""
import subprocess
from collections import defaultdict

import pytest

from clients import create_topic


def kcat(args, input_bytes=None, timeout=60):
    p = subprocess.run(["kcat"] + args, input=input_bytes, capture_output=True, timeout=timeout)
    assert p.returncode == 0, f"kcat {args} rc={p.returncode}\nstderr:\n{p.stderr.decode()[-3000:]}"
    return p.stdout.decode()


def test_kcat_lists_broker_and_topics(broker):
    create_topic(broker.bootstrap, "listed", partitions=2)
    out = kcat(["-b", broker.bootstrap, "-L"], timeout=30)
    assert "1 brokers:" in out, out
    assert f"broker 0 at {broker.bootstrap}" in out, out
    assert 'topic "listed" with 2 partitions' in out, out
    assert "partition 0, leader 0" in out and "partition 1, leader 0" in out, out


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_kcat_100k_keyed_lines_roundtrip(broker):
    n = 100_000
    topic = "kcat3"
    create_topic(broker.bootstrap, topic, partitions=3)
    lines = [f"k{i % 997}:v{i:06d}" for i in range(n)]
    kcat(["-b", broker.bootstrap, "-t", topic, "-P", "-K:", "-X", "acks=all",
          "-X", "linger.ms=20"], input_bytes=("\n".join(lines) + "\n").encode(), timeout=120)

    out = kcat(["-b", broker.bootstrap, "-t", topic, "-C", "-e", "-o", "beginning", "-q",
                "-f", "%p|%o|%k|%s\n"], timeout=120)
    got = [ln.split("|") for ln in out.splitlines() if ln]
    assert len(got) == n, f"consumed {len(got)} of {n}"

    per_part = defaultdict(list)
    key_part = {}
    for p, o, k, v in got:
        per_part[int(p)].append((int(o), k, int(v[1:])))
        # same key → same partition (librdkafka's default partitioner is key-hash based)
        assert key_part.setdefault(k, p) == p, f"key {k} in partitions {key_part[k]} and {p}"
    assert set(per_part) <= {0, 1, 2}
    assert len(per_part) == 3, "keys hash over all three partitions"

    seen = set()
    for p, recs in per_part.items():
        offsets = [o for o, _, _ in recs]
        assert offsets == list(range(len(recs))), f"partition {p}: offsets not dense from 0"
        seqs = [s for _, _, s in recs]
        assert seqs == sorted(seqs), f"partition {p}: production order not preserved"
        for _, k, s in recs:
            assert k == f"k{s % 997}", f"key/value mismatch at v{s}"
            seen.add(s)
    assert seen == set(range(n)), "every line present exactly once"


@pytest.mark.parametrize("smp", [1, 3])
def test_kcat_roundtrip_other_shard_counts(broker_factory, smp):
    b = broker_factory(smp=smp)
    create_topic(b.bootstrap, "shards", partitions=5)
    n = 5000
    kcat(["-b", b.bootstrap, "-t", "shards", "-P", "-K:", "-X", "acks=all"],
         input_bytes="".join(f"k{i}:v{i}\n" for i in range(n)).encode())
    out = kcat(["-b", b.bootstrap, "-t", "shards", "-C", "-e", "-o", "beginning", "-q",
                "-f", "%p|%k|%s\n"])
    got = [ln.split("|") for ln in out.splitlines() if ln]
    assert sorted(int(v[1:]) for _, _, v in got) == list(range(n))
    assert len({p for p, _, _ in got}) == 5
    assert all(k[1:] == v[1:] for _, k, v in got)
