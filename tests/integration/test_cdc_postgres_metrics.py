"""`brook cdc postgres --metrics-addr`: slot lag and snapshot progress on a Prometheus page,
scraped during a run (Postgres 15 from pgfixture, Brook from conftest) and checked with
Prometheus' own `promtool check metrics`."""
import re
import socket
import subprocess
import time
import urllib.request

from brookfixture import free_port
from cdchelpers import Cdc, one_line, run_cdc, wait_for_key
from pgfixture import pg  # noqa: F401 (a fixture)

PROMTOOL = "/usr/bin/promtool"


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def value(text, name, labels=""):
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.M)
    return None if m is None else float(m.group(1))


def test_scrape_during_a_run_shows_snapshot_progress_and_slot_lag(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("met")
    rows = 200_000
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v text)")
    pg.db_sql(db, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, %s) g", (rows,))
    pg.db_sql(db, "CREATE TABLE noise (id serial PRIMARY KEY, pad text)")  # not captured: WAL only
    port = free_port()
    cdc = Cdc(str(tmp_path), dsn, "met", module_broker.bootstrap,
              sets={"snapshot.fetch.size": "2000", "snapshot.max.threads": "1",
                    "key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"},
              extra=["--tables", "public.t", "--metrics-addr", f"127.0.0.1:{port}"])
    cdc.start()
    try:
        cdc.wait_for("metrics on")
        seen = []  # (done, rows) per scrape until streaming
        while "streaming from" not in cdc.log():
            assert cdc.proc.poll() is None, cdc.log()
            text = scrape(port)
            seen.append((value(text, "brook_cdc_snapshot_done"), value(text, "brook_cdc_snapshot_rows")))
            time.sleep(0.05)
        assert any(done == 0 for done, _ in seen), seen  # scraped while the snapshot ran
        counts = [n for _, n in seen]
        assert counts == sorted(counts), counts  # progress only goes up
        text = scrape(port)
        assert value(text, "brook_cdc_snapshot_done") == 1
        assert value(text, "brook_cdc_snapshot_table_rows", '{table="public.t"}') == rows
        assert value(text, "brook_cdc_snapshot_rows") == rows

        # Streaming: changes are counted; the slot's WAL figures are polled.
        pg.db_sql(db, "INSERT INTO t VALUES (-1, 'x')")
        wait_for_key(module_broker.bootstrap, "met.public.t", "id", -1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = scrape(port)
            if (value(text, "brook_cdc_changes_committed_total") or 0) >= 1 and \
                    value(text, "brook_cdc_slot_retained_wal_bytes") is not None:
                break
            time.sleep(0.2)
        assert value(text, "brook_cdc_changes_committed_total") >= 1, text
        retained = value(text, "brook_cdc_slot_retained_wal_bytes")
        assert retained is not None and retained >= 0, text
        assert value(text, "brook_cdc_slot_confirmed_lag_bytes") >= 0
        # WAL the source has not confirmed yet shows as lag: a burst on an uncaptured table
        # moves the server's position ahead of the slot until the next idle confirm.
        pg.db_sql(db, "INSERT INTO noise (pad) SELECT repeat('x', 500) FROM generate_series(1, 5000)")
        deadline = time.monotonic() + 10
        lag = 0
        while time.monotonic() < deadline and lag < 1_000_000:
            lag = value(scrape(port), "brook_cdc_slot_confirmed_lag_bytes") or 0
            time.sleep(0.2)
        assert lag >= 1_000_000, lag  # ~2.5 MB of WAL
        assert "process_resident_memory_bytes" in text
        r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        assert cdc.stop() == 0


def test_bad_metrics_address(pg, module_broker):
    db, dsn = pg.new_db("met")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    rc, err = run_cdc(dsn, "metbad", module_broker.bootstrap, extra=["--metrics-addr", "nowhere"])
    assert rc == 2 and "--metrics-addr nowhere: expected HOST:PORT" in one_line(err)
    rc, err = run_cdc(dsn, "metbad", module_broker.bootstrap, extra=["--metrics-addr", "no.such.host:9"])
    assert rc == 2 and "is not an IP address" in one_line(err)
    # A port something else holds (without SO_REUSEPORT, so it cannot be shared).
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        busy = f"127.0.0.1:{held.getsockname()[1]}"
        rc, err = run_cdc(dsn, "metbad", module_broker.bootstrap, extra=["--metrics-addr", busy])
    assert rc == 2 and "cannot listen" in one_line(err)
