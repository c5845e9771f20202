"""DescribeConfigs v4 and IncrementalAlterConfigs v1 (flexible versions) through
@platformatic/kafka, a pure-JavaScript Kafka client (tests/js/configs.js)."""
import json
import pathlib
import subprocess

from clients import create_topic

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "js" / "configs.js"


def test_configs_through_platformatic_kafka(broker):
    create_topic(broker.bootstrap, "pk-configs", config={"retention.ms": "60000"})
    run = subprocess.run(["node", str(SCRIPT), broker.bootstrap, "pk-configs"], capture_output=True, text=True, timeout=60)
    assert run.returncode in (0, 1), f"configs.js failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(run.stdout.strip().splitlines()[-1])
    assert r["problems"] == [], "\n".join(r["problems"])
