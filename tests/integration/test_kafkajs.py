"""kafkajs — a pure-JavaScript client sharing no code with librdkafka or kafka-python —
creates a topic, produces idempotently with acks=all, and consumes everything back through a
consumer group with commits (tests/js/roundtrip.js)."""
import json
import os
import pathlib
import subprocess

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "js" / "roundtrip.js"


def test_kafkajs_roundtrip_through_a_group(broker):
    env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
    run = subprocess.run(["node", str(SCRIPT), broker.bootstrap, "js-orders", "js-group"],
                         capture_output=True, text=True, timeout=90, env=env)
    assert run.returncode == 0, f"kafkajs failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {**result, "received": 1000, "duplicates": 0, "committed": 1000, "listed": True}


def test_kafkajs_transactions_and_send_offsets(broker):
    """kafkajs' transactional producer: an aborted transaction (records and sendOffsets) stays
    invisible, a committed one with sendOffsets is read by kafkajs' read_committed consumer and
    its offsets are the group's (tests/js/transactions.js)."""
    script = SCRIPT.parent / "transactions.js"
    env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
    run = subprocess.run(["node", str(script), broker.bootstrap, "js-txn", "js-txn-group"],
                         capture_output=True, text=True, timeout=90, env=env)
    assert run.returncode == 0, f"kafkajs failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {"committed_seen": 50, "aborted_seen": 0, "group_offsets": {"0": 5, "1": 3}}
