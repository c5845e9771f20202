"""Fixtures shared by the integration suite (and tests/crash, which imports this file's helpers).

`broker`          function-scoped broker, --smp 2, default config.
`broker_factory`  make brokers with custom --set values / smp: broker_factory(sets={...}, smp=1).
Every test gets a default timeout (pytest-timeout) so nothing can hang the suite.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brookfixture import Broker  # noqa: E402

DEFAULT_TIMEOUT_S = 90


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "crash: kills the broker with SIGKILL mid-stream")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT_S))


@pytest.fixture
def broker_factory(tmp_path):
    made = []

    def make(sets=None, smp=2, name=None):
        n = name or f"b{len(made)}"
        b = Broker(tmp_path / n / "data", tmp_path / n / "logs", smp=smp, sets=sets)
        made.append(b)
        return b.start()

    yield make
    for b in made:
        b.close()


@pytest.fixture
def broker(broker_factory):
    return broker_factory()


@pytest.fixture(scope="module")
def module_broker(tmp_path_factory):
    """One broker shared by a whole module (topics named per test keep tests independent)."""
    d = tmp_path_factory.mktemp("mod")
    b = Broker(d / "data", d / "logs", smp=2)
    try:
        yield b.start()
    finally:
        b.close()
