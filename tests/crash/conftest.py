"""Crash tests reuse the integration suite's broker fixture helpers (tests/integration)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from brookfixture import Broker  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "crash: kills the broker with SIGKILL mid-stream")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(180))


@pytest.fixture(params=[{}, {"log.segment.bytes": 65536}], ids=["default", "small-segments"])
def crash_broker(tmp_path, request):
    """Default config, and tiny segments so kills also land around segment rolls."""
    b = Broker(tmp_path / "data", tmp_path / "logs", smp=2, sets=request.param)
    try:
        yield b.start()
    finally:
        b.close()
