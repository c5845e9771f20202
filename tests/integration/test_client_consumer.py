"""src/client's consumer against Brook: the priority lane (what a stream job's stage 2 reads its
repartition topic through) runs as a GoogleTest case (tests/unit/client/
consumer_priority_broker_test.cc) given the broker's address."""
import os
import subprocess
from pathlib import Path

from brookfixture import BROOK_BIN

TESTS_BIN = Path(BROOK_BIN).parent / "tests" / "unit" / "client" / "brook_client_tests"


def test_priority_topic_through_src_client(broker):
    env = dict(os.environ, BROOK_TEST_BOOTSTRAP=broker.bootstrap)
    r = subprocess.run([str(TESTS_BIN), "--gtest_filter=client_consumer_broker.*"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "1 test" in r.stdout and "SKIPPED" not in r.stdout, r.stdout[-2000:]
