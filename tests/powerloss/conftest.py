"""Power-loss tests: the broker runs on brook_powerfs (powerfs.py) and loses unsynced writes."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from powerfs import PowerFS, unavailable  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "powerloss: runs on the power-loss file system")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(300))


@pytest.fixture
def powerfs(tmp_path):
    why = unavailable()
    if why:
        pytest.skip(why)
    fs = PowerFS(tmp_path / "powerfs")
    try:
        yield fs.start()
    finally:
        fs.close()
