"""Start/stop a real Postgres 15 (Debian's /usr/lib/postgresql/15/bin) for the CDC tests.

A `Postgres` owns one server in a fresh temp dir on 127.0.0.1 and a free port, trust auth,
wal_level=logical unless told otherwise. Postgres refuses to run as root, so when the tests run
as root the data dir is chowned to the `postgres` system user and initdb/postgres run as that
user (runuser); as anyone else they run as the caller. `close()` always stops the server and
removes the dir.
"""
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from brookfixture import free_port, port_open

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
START_TIMEOUT_S = 30


class PostgresError(RuntimeError):
    pass


class Postgres:
    def __init__(self, wal_level="logical", settings=None):
        self.port = free_port()
        self.wal_level = wal_level
        self.settings = dict(settings or {})
        # Not under pytest's tmp_path: that is mode 0700 root-owned, the postgres user could
        # not reach a data dir inside it.
        self.root = tempfile.mkdtemp(prefix="brook-pg-")
        self.data = os.path.join(self.root, "data")
        self.log_path = os.path.join(self.root, "postgres.log")
        self.proc = None
        self._dbs = itertools.count(1)
        self.as_user = None
        if os.geteuid() == 0:
            self.as_user = "postgres"
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _cmd(self, argv):
        return (["runuser", "-u", self.as_user, "--"] + argv) if self.as_user else argv

    @property
    def dsn(self):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def start(self):
        r = subprocess.run(self._cmd([f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres",
                                      "--auth=trust", "-E", "UTF8", "--locale=C"]),
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise PostgresError("initdb failed: " + r.stderr[-2000:])
        opts = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                "unix_socket_directories": self.root, "wal_level": self.wal_level,
                "max_replication_slots": "10", "max_wal_senders": "10", "fsync": "off",
                "synchronous_commit": "off", "full_page_writes": "off",
                "max_connections": "50"}
        opts.update(self.settings)
        argv = [f"{PG_BIN}/postgres", "-D", self.data]
        for k, v in opts.items():
            argv += ["-c", f"{k}={v}"]
        log = open(self.log_path, "ab")
        if self.as_user:
            os.chown(self.log_path, pwd.getpwnam("postgres").pw_uid, -1)
        try:
            self.proc = subprocess.Popen(self._cmd(argv), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PostgresError("postgres exited during start:\n" + self.log_text()[-3000:])
            if port_open(self.port):
                try:
                    self.sql("SELECT 1")
                    return self
                except Exception:  # still starting up
                    pass
            time.sleep(0.1)
        self.close()
        raise PostgresError("postgres did not start:\n" + self.log_text()[-3000:])

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def connect(self, user="postgres", dbname="postgres", autocommit=True):
        import psycopg2
        c = psycopg2.connect(host="127.0.0.1", port=self.port, user=user, dbname=dbname)
        c.autocommit = autocommit
        return c

    def sql(self, statement, args=None, user="postgres"):
        """Runs one statement in its own connection; returns the rows (or None)."""
        c = self.connect(user=user)
        try:
            with c.cursor() as cur:
                cur.execute(statement, args)
                return cur.fetchall() if cur.description else None
        finally:
            c.close()

    def db_dsn(self, db, user="postgres"):
        return f"host=127.0.0.1 port={self.port} user={user} dbname={db}"

    def new_db(self, prefix="cdc"):
        """A fresh database on this server, so tests sharing it stay independent: (name, dsn)."""
        name = f"{prefix}{next(self._dbs)}"
        self.sql(f"CREATE DATABASE {name}")
        return name, self.db_dsn(name)

    def db_sql(self, db, statement, args=None, user="postgres"):
        """Runs one statement in database `db` (autocommit); returns the rows (or None)."""
        c = self.connect(user=user, dbname=db)
        try:
            with c.cursor() as cur:
                cur.execute(statement, args)
                return cur.fetchall() if cur.description else None
        finally:
            c.close()

    def close(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()  # smart shutdown would wait for clients: SIGTERM is "fast"
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def pg():
    """One Postgres 15 (wal_level=logical) per test module; tests take their own databases
    with pg.new_db(). Import it into a test module: `from pgfixture import pg`."""
    p = Postgres().start()
    try:
        yield p
    finally:
        p.close()
