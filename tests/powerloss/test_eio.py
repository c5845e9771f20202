"""EIO on a log file (injected through brook_powerfs) takes that partition out of service:
produce and fetch get KAFKA_STORAGE_ERROR, one critical log line names it, and other partitions
keep serving. After a restart (the disk "fixed") the partition serves again, with every
acknowledged record."""
import pytest
from confluent_kafka import Producer

from brookfixture import Broker
from clients import create_topic
from rawkafka import RawConn, fetch_request, fetch_result

STORAGE_ERROR = 56


def produce(bootstrap, topic, values):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "retries": 0, "enable.idempotence": False})
    out = []
    for v in values:
        p.produce(topic, v.encode(), on_delivery=lambda err, msg: out.append((msg.value().decode(), err, msg.offset())))
    p.flush(15)
    assert len(out) == len(values)
    return out


def fetch(bootstrap, topic, offset=0):
    with RawConn(bootstrap) as conn:
        err, hwm, data = fetch_result(conn.request(fetch_request(topic, 0, offset)))
        return err, hwm


@pytest.mark.powerloss
def test_eio_on_a_log_file_takes_only_that_partition_out_of_service(powerfs, tmp_path):
    b = Broker(powerfs.mnt / "data", tmp_path / "logs", smp=2, sets={"schema.registry.enable": "false"})
    b.start()
    try:
        create_topic(b.bootstrap, "sick")
        create_topic(b.bootstrap, "well")
        before = produce(b.bootstrap, "sick", [f"s{i}" for i in range(10)])
        assert all(err is None for _, err, _ in before)
        produce(b.bootstrap, "well", ["w0"])

        powerfs.eio("write", "/sick/0/")
        after = produce(b.bootstrap, "sick", ["s-bad-1", "s-bad-2"])
        assert [err.code() if err else None for _, err, _ in after] == [STORAGE_ERROR] * 2, after
        lines = [ln for ln in b.log_text().splitlines() if "out of service" in ln]
        assert len(lines) == 1 and "partition sick/0" in lines[0] and "Input/output error" in lines[0], lines

        # Out of service for reads too, even though reads would work: the log is not trusted.
        assert fetch(b.bootstrap, "sick")[0] == STORAGE_ERROR
        # Others keep serving.
        ok = produce(b.bootstrap, "well", ["w1", "w2"])
        assert all(err is None for _, err, _ in ok)
        assert fetch(b.bootstrap, "well") == (0, 3)
        powerfs.eio_clear()
        assert produce(b.bootstrap, "sick", ["s-bad-3"])[0][1].code() == STORAGE_ERROR  # until a restart
        assert len([ln for ln in b.log_text().splitlines() if "out of service" in ln]) == 1

        b.restart(graceful=False)
        assert fetch(b.bootstrap, "sick") == (0, 10)
        assert all(err is None for _, err, _ in produce(b.bootstrap, "sick", ["s10"]))
    finally:
        b.close()
