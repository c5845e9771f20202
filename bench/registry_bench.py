#!/usr/bin/python3
"""Schema registry throughput and memory, by hand (never a timed test):

    /usr/bin/python3 bench/registry_bench.py [--schemas 10000] [--clients 4] [--lookups 20000]

Starts its own `build/brook serve` (tests/integration/brookfixture.py), then measures
  registrations/s   POST /subjects/{s}/versions, distinct Avro schemas, `--clients` at once
                    (writes are serialised by the store: each is durable, acks=all, and applied
                    before it is answered)
  lookups/s by id   GET /schemas/ids/{id}
  lookups/s by schema POST /subjects/{s} (parse + canonical form + compare)
  memory            the broker's RSS before and after registering `--schemas` schemas
  restart           SIGTERM, start again, time until the registry answers (replay of _schemas)
Clients are separate processes with keep-alive connections, so the Python side is not the
GIL-bound bottleneck; on a small machine client and server still share the cores.
"""
import argparse
import http.client
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from brookfixture import Broker  # noqa: E402

CT = "application/vnd.schemaregistry.v1+json"


def schema(i):
    return json.dumps({"type": "record", "name": f"Bench{i}", "namespace": "bench",
                       "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"},
                                  {"name": f"f{i}", "type": ["null", "string"], "default": None}]})


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker(args):
    kind, port, items = args
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Content-Type": CT}
    bad = 0
    for it in items:
        if kind == "register":
            c.request("POST", f"/subjects/bench-{it}/versions", json.dumps({"schema": schema(it)}), h)
        elif kind == "by_id":
            c.request("GET", f"/schemas/ids/{it}")
        else:
            c.request("POST", f"/subjects/bench-{it}", json.dumps({"schema": schema(it)}), h)
        r = c.getresponse()
        r.read()
        bad += r.status != 200
    return bad


def run(pool, kind, port, items, clients):
    chunks = [items[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    bad = sum(pool.map(worker, [(kind, port, ch) for ch in chunks]))
    dt = time.perf_counter() - t0
    assert bad == 0, f"{bad} {kind} requests failed"
    return len(items) / dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schemas", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--lookups", type=int, default=20000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        b = Broker(os.path.join(d, "data"), os.path.join(d, "logs"), smp=2).start()
        try:
            port = b.registry_port
            pid = b.proc.pid
            with mp.Pool(a.clients) as pool:
                # Warm up: the first write creates _schemas.
                run(pool, "register", port, [0], 1)
                rss0 = rss_kb(pid)
                reg = run(pool, "register", port, list(range(1, a.schemas + 1)), a.clients)
                time.sleep(0.5)
                rss1 = rss_kb(pid)
                ids = [1 + (i % a.schemas) for i in range(a.lookups)]
                by_id = run(pool, "by_id", port, ids, a.clients)
                subjects = [1 + (i * 7919 % a.schemas) for i in range(a.lookups // 4)]
                by_schema = run(pool, "by_schema", port, subjects, a.clients)
            # Restart: how long the registry takes to replay _schemas before it answers.
            b.stop()
            t0 = time.perf_counter()
            b.start()
            restart = time.perf_counter() - t0
            replayed = [ln for ln in b.log_text().splitlines() if "replayed" in ln]
            print(f"registrations/s      {reg:10.0f}   ({a.schemas} distinct Avro schemas, {a.clients} clients)")
            print(f"lookups/s by id      {by_id:10.0f}   (GET /schemas/ids/{{id}}, {a.lookups} requests)")
            print(f"lookups/s by schema  {by_schema:10.0f}   (POST /subjects/{{s}}, {len(subjects)} requests)")
            print(f"RSS delta            {(rss1 - rss0) / 1024:10.1f} MiB for {a.schemas} schemas "
                  f"({(rss1 - rss0) / a.schemas * 10000 / 1024:.1f} MiB per 10,000)")
            print(f"restart to ready     {restart:10.2f} s     ({replayed[-1].split('] ')[-1] if replayed else 'no replay line'})")
        finally:
            b.stop()


if __name__ == "__main__":
    main()
