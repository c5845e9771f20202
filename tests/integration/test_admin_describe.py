"""DescribeCluster, DescribeLogDirs, OffsetForLeaderEpoch and ListOffsets v7 (max timestamp)
through @platformatic/kafka's protocol layer (tests/js/admin_extra.js): none of the Python
clients installed here speaks them (kafka-python 2.0.2's describe_cluster is Metadata;
librdkafka 2.0.2 predates its KIP-320 offset validation, which arrived in 2.1.0)."""
import json
import pathlib
import subprocess
import time

from clients import ck_produce_all, ck_producer, create_topic

JS = pathlib.Path(__file__).resolve().parent.parent / "js" / "admin_extra.js"


def test_describe_cluster_log_dirs_epochs_and_max_timestamp(broker):
    b = broker.bootstrap
    create_topic(b, "ax", partitions=2, config={"retention.ms": "-1"})
    base = int(time.time() * 1000) - 60_000
    p = ck_producer(b, **{"linger.ms": 0})
    got = ck_produce_all(p, "ax", [dict(value=b"a", partition=0, timestamp=base + 1000),
                                   dict(value=b"b", partition=0, timestamp=base + 3000),
                                   dict(value=b"c", partition=0, timestamp=base + 2000)])
    assert [o for _, o in got] == [0, 1, 2]
    run = subprocess.run(["node", str(JS), b, "ax"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    host, port = b.split(":")
    all_ops = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)
    assert out["cluster_v0"].pop("cluster_id_len") > 0
    assert out["cluster_v0"] == {"error": 0, "controller": 0, "brokers": [[0, host, int(port)]], "ops": all_ops}
    assert out["cluster_v1"] == {"error": 0, "endpoint": 1, "ops": -2147483648, "same_id": True}
    assert out["cluster_v1_controller"]["error"] == 114  # MISMATCHED_ENDPOINT_TYPE
    # Partition 1 is empty (size 0): 7 does not exist and is left out.
    assert out["log_dirs"] == {"error": 0, "dirs": 1, "dir_error": 0, "absolute": True,
                               "topics": [["ax", [[0, True, 0, False], [1, False, 0, False]]]], "space": True}
    assert out["log_dirs_all_has_topic"] is True
    assert out["log_dirs_missing_topic"] == []
    assert out["epoch"] == {
        "current": [0, 0, 3], "current_fenced_ok": [0, 0, 3], "newer": [0, -1, -1], "undefined": [0, -1, -1],
        "unknown_current": [75, -1, -1],  # UNKNOWN_LEADER_EPOCH
        "empty_partition": [0, 0, 0], "unknown_partition": [3, -1, -1], "unknown_topic": [3, -1, -1]}
    assert out["list_offsets_v7"] == {
        "max": [0, 1, base + 3000], "max_empty": [0, -1, -1], "earliest": [0, 0, -1], "latest": [0, 3, -1],
        "local_start": [42, -1, -1]}  # -4 (v8's earliest local) at v7: INVALID_REQUEST
