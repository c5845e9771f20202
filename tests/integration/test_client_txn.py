"""src/client's transactional producer against Brook: the C++ side runs as GoogleTest cases
(tests/unit/client/client_txn_broker_test.cc, given the broker's address), and confluent-kafka
(a client we did not write) checks what they committed, aborted and fenced."""
import os
import subprocess
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from brookfixture import BROOK_BIN

# Beside the binary under test (make integration passes BROOK_BIN=<build>/brook).
TESTS_BIN = Path(BROOK_BIN).parent / "tests" / "unit" / "client" / "brook_client_tests"


def read_all(bootstrap, topic, isolation):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "verify-" + topic,
                  "isolation.level": isolation, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition(topic, 0, 0)])
    out = []
    while True:
        m = c.poll(10)
        assert m is not None, f"no end of {topic}"
        if m.error():
            assert m.error().code() == -191, m.error()  # _PARTITION_EOF
            break
        out.append(m.value().decode())
    c.close()
    return out


def test_transactions_through_src_client(broker):
    env = dict(os.environ, BROOK_TEST_BOOTSTRAP=broker.bootstrap, BROOK_TEST_PREFIX="ct")
    r = subprocess.run([str(TESTS_BIN), "--gtest_filter=client_txn_broker.*"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "3 tests" in r.stdout and "SKIPPED" not in r.stdout, r.stdout[-2000:]

    assert read_all(broker.bootstrap, "ct.commit_abort", "read_committed") == ["c1", "c2"]
    # read_uncommitted sees the aborted record too: it was written, then aborted.
    assert read_all(broker.bootstrap, "ct.commit_abort", "read_uncommitted") == ["c1", "c2", "a1"]
    assert read_all(broker.bootstrap, "ct.fenced", "read_committed") == ["live"]
    assert read_all(broker.bootstrap, "ct.ctp_out", "read_committed") == ["X", "Y", "Z"]

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "ct-ctp"})
    committed = c.committed([TopicPartition("ct.ctp_in", 0)], timeout=10)
    c.close()
    assert committed[0].offset == 3
