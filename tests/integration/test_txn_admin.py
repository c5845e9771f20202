"""The transaction admin APIs — DescribeProducers (61 v0), DescribeTransactions (65 v0) and
ListTransactions (66 v0-1) — spoken by @platformatic/kafka, a pure-JavaScript Kafka client that
shares no code with librdkafka, kafkajs or kafka-python (tests/js/txn_admin.js). Its transactional
producer leaves one transaction open and commits another on one partition; the three APIs must
describe both as Kafka would, error paths included."""
import json
import os
import pathlib
import subprocess


SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "js" / "txn_admin.js"


def run_txn_admin(broker, topic):
    env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
    run = subprocess.run(["node", str(SCRIPT), broker.bootstrap, topic],
                         capture_output=True, text=True, timeout=90, env=env)
    # 0: every check held; 1: some check failed (listed in "problems"); anything else: a crash.
    assert run.returncode in (0, 1), f"txn_admin.js failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_transaction_admin_apis_through_platformatic_kafka(broker):
    r = run_txn_admin(broker, "pk-txn")
    assert r["problems"] == [], "\n".join(r["problems"])

    assert r["list_all"] == [["pk-txn-committed", "CompleteCommit"], ["pk-txn-open", "Ongoing"]]
    assert r["list_ongoing"] == [["pk-txn-open", "Ongoing"]]
    # a filter naming only unknown states matches nothing (Kafka's rule)
    assert r["list_unknown_filter"] == {"unknown": ["Bogus"], "listed": 0}

    assert r["open"]["state"] == "Ongoing"
    assert r["open"]["topics"] == [{"topic": "pk-txn", "partitions": [0]}]
    assert r["open"]["timeout_ms"] == 45000
    assert r["committed"]["state"] == "CompleteCommit"
    assert r["committed"]["timeout_ms"] == 45000
    assert r["open"]["producer_id"] != r["committed"]["producer_id"]
    assert r["describe_unknown_error"] == 105  # TRANSACTIONAL_ID_NOT_FOUND

    # 5 committed records (offsets 0-4) and their commit marker (5): the open transaction starts at 6.
    assert r["open_first_offset"] == 6
    assert r["producers"] == {"open_txn_start": 6, "committed_txn_start": -1,
                              "open_last_seq": 4, "committed_last_seq": 4, "count": 2}
    assert sorted(map(tuple, r["producers_unknown"])) == [
        ("no-such-topic", 0, 3, 0), ("pk-txn", 0, 0, 2), ("pk-txn", 7, 3, 0)]  # 3: UNKNOWN_TOPIC_OR_PARTITION

