#!/usr/bin/python3
"""Cost of one GET /metrics scrape, by hand (never a timed test):

    /usr/bin/python3 bench/metrics_scrape_bench.py [--topics 10] [--partitions 100] [--groups 100]
                                                   [--records 10] [--scrapes 30]
                                                   [--group-partitions N] [--caught-up]

Starts its own `build/brook serve --smp 2` (tests/integration/brookfixture.py), creates
`--topics` x `--partitions` partitions, produces `--records` records to each, and has
`--groups` groups commit offsets: group g commits every partition of topic g % topics at half
its records (or `--group-partitions` of them; at the end with `--caught-up`), so each committed
partition lags (the scrape reads one batch per lagging partition for lag_seconds). Then it times `--scrapes` sequential scrapes (wall time as the
client sees it, keep-alive connection) and reports the body size, series count, and the
broker's CPU time per scrape (from /proc, so client-side parsing is not counted).
"""
import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from brookfixture import Broker  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--topics", type=int, default=10)
    ap.add_argument("--partitions", type=int, default=100)
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--records", type=int, default=10)
    ap.add_argument("--scrapes", type=int, default=30)
    ap.add_argument("--group-partitions", type=int, default=None,
                    help="partitions each group commits (default: all of its topic)")
    ap.add_argument("--caught-up", action="store_true", help="groups commit at the end: lag 0, no batch reads")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        b = Broker(os.path.join(tmp, "data"), os.path.join(tmp, "logs"), smp=2).start()
        try:
            topics = [f"scrape-{t}" for t in range(a.topics)]
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            futs = admin.create_topics([NewTopic(t, a.partitions, 1) for t in topics], operation_timeout=60)
            for f in futs.values():
                f.result(60)
            p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 20, "acks": "all"})
            for t in topics:
                for part in range(a.partitions):
                    for i in range(a.records):
                        p.produce(t, b"x" * 100, partition=part)
                p.poll(0)
            assert p.flush(60) == 0
            for g in range(a.groups):
                c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": f"scrape-group-{g}",
                              "enable.auto.commit": False})
                t = topics[g % a.topics]
                at = a.records if a.caught_up else a.records // 2
                n = a.partitions if a.group_partitions is None else a.group_partitions
                c.commit(offsets=[TopicPartition(t, part, at) for part in range(n)],
                         asynchronous=False)
                c.close()

            conn = http.client.HTTPConnection("127.0.0.1", b.admin_port, timeout=30)

            def scrape():
                conn.request("GET", "/metrics")
                r = conn.getresponse()
                body = r.read()
                assert r.status == 200, r.status
                return body

            body = scrape()  # warm-up
            lag_series = body.count(b"\nbrook_consumer_group_lag_records{")
            series = sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))
            times = []
            cpu0 = cpu_seconds(b.proc.pid)
            for _ in range(a.scrapes):
                t0 = time.perf_counter()
                scrape()
                times.append(time.perf_counter() - t0)
            cpu = (cpu_seconds(b.proc.pid) - cpu0) / a.scrapes
            conn.close()
            times.sort()
            print(f"partitions {a.topics * a.partitions}, groups {a.groups}, lag series {lag_series}")
            print(f"body {len(body)} bytes ({len(body) / 1024:.0f} KiB), {series} samples")
            print(f"scrape wall ms: median {statistics.median(times) * 1000:.1f}, "
                  f"p90 {times[int(len(times) * 0.9) - 1] * 1000:.1f}, max {times[-1] * 1000:.1f}")
            print(f"broker CPU per scrape: {cpu * 1000:.1f} ms")
        finally:
            b.close()


if __name__ == "__main__":
    main()
