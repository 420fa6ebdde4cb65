"""PgBouncer in transaction pooling mode in front of the private PostgreSQL cluster.

A chain puts PgBouncer between its 1,500 workstations and PostgreSQL; in *transaction*
pooling mode one server connection serves many clients, one transaction at a time, so
nothing of a session (prepared statements, ``SET``, session advisory locks) survives
from one transaction to the next. :func:`pgbouncer` starts Debian's ``pgbouncer`` (package
``pgbouncer``) on a free loopback port for the session: every database name is passed on
to the cluster of :func:`~tests.plugins.postgres.pg_cluster` (``* = host=… port=…``), the
pool is small (``default_pool_size``) so that clients really share server connections, and
``auth_type = trust`` like the cluster. PgBouncer refuses to run as root, so as root it
runs as the cluster's service account.

:func:`pgbouncer_url` gives each test a database of its own (PgBouncer passes no
``options`` startup parameter, so a per-test ``search_path`` is not available through it),
upgraded to the library's schema like ``pg_url`` (a shared store is never migrated by
opening it, OP5); :meth:`PgBouncer.fresh_database` with ``upgraded=False`` gives an empty
one.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.peers import free_port, peer_missing, require_executable

if TYPE_CHECKING:  # imported by pytest as a plugin of its own, after this one
    from tests.plugins.postgres import PgCluster

__all__ = ["PgBouncer", "pgbouncer", "pgbouncer_url"]

_INSTANCES = itertools.count(1)

POOL_SIZE = 4
"""Server connections per database and user: far fewer than the clients of a test."""


class PgBouncer:
    """A running PgBouncer in transaction pooling mode.

    Args:
        executable: The ``pgbouncer`` binary.
        cluster: The PostgreSQL cluster behind it.
        pool_size: Server connections per (database, user) pair.
    """

    def __init__(
        self,
        executable: str,
        cluster: PgCluster,
        *,
        pool_size: int = POOL_SIZE,
        max_client_conn: int = 4000,
    ) -> None:
        self.executable = executable
        self.cluster = cluster
        self.pool_size = pool_size
        self.max_client_conn = max_client_conn
        self._template: str | None = None
        self._instance = next(_INSTANCES)
        self.folder = Path(tempfile.mkdtemp(prefix="amparex-pgbouncer-"))
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._databases = itertools.count(1)

    def _config(self) -> Path:
        users = self.folder / "userlist.txt"
        users.write_text(f'"{self.cluster.superuser}" ""\n', encoding="utf-8")
        ini = self.folder / "pgbouncer.ini"
        ini.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host=127.0.0.1 port={self.cluster.port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {users}",
                    "pool_mode = transaction",
                    f"default_pool_size = {self.pool_size}",
                    "min_pool_size = 0",
                    "reserve_pool_size = 0",
                    f"max_client_conn = {self.max_client_conn}",
                    "max_db_connections = 0",
                    "server_reset_query =",
                    "server_idle_timeout = 10",
                    "ignore_startup_parameters = extra_float_digits",
                    f"logfile = {self.folder / 'pgbouncer.log'}",
                    f"pidfile = {self.folder / 'pgbouncer.pid'}",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        if self.cluster.account is not None:
            for path in (self.folder, users, ini):
                os.chown(path, *self.cluster.account)
        return ini

    def start(self) -> None:
        """Start PgBouncer in the foreground of a child process and wait until it answers."""
        extra: dict[str, Any] = {}
        if self.cluster.account is not None:
            uid, gid = self.cluster.account
            extra = {"user": uid, "group": gid, "extra_groups": []}
        for _ in range(3):
            self.port = free_port()
            ini = self._config()
            self._process = subprocess.Popen(
                [self.executable, str(ini)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.folder,
                start_new_session=True,
                **extra,
            )
            if self._wait_ready():
                return
            self.stop(remove=False)
        log = (self.folder / "pgbouncer.log").read_text(errors="replace")[-2000:]
        pytest.fail(f"PgBouncer did not start:\n{log}", pytrace=False)

    def _wait_ready(self, timeout: float = 20.0) -> bool:
        import psycopg

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                return False
            with contextlib.suppress(psycopg.Error):
                with psycopg.connect(self.url("amparex"), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return True
            time.sleep(0.05)
        return False

    def url(self, database: str = "amparex") -> str:
        """A URL of *database* through PgBouncer."""
        return f"postgresql://{self.cluster.superuser}@127.0.0.1:{self.port}/{database}"

    def fresh_database(self, *, upgraded: bool = True) -> str:
        """Create a database on the cluster; return its URL through PgBouncer.

        Args:
            upgraded: At the library's schema (a copy of a template database the
                library's upgrade ran on once, directly on the cluster); ``False``: empty.
        """
        name = f"b{next(self._databases)}_{self._instance}_{os.getpid()}"
        template = self._upgraded_template() if upgraded else "template1"
        self.create_database(name, template)
        return self.url(name)

    def create_database(self, name: str, template: str) -> None:
        """Create database *name* on the cluster as a copy of *template*."""
        import psycopg

        for attempt in range(50):
            try:
                with self.cluster.connect("postgres") as conn:
                    conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
                return
            except psycopg.errors.ObjectInUse:  # the template's last session is ending
                if attempt == 49:
                    raise
                time.sleep(0.05)

    def _upgraded_template(self) -> str:
        from tests.plugins.postgres import upgrade

        if self._template is None:
            name = f"tpl_{self._instance}_{os.getpid()}"
            self.create_database(name, "template1")
            upgrade(self.cluster.url(name))
            self._template = name
        return self._template

    def drop_database(self, url: str) -> None:
        """Drop the database of *url* (ending its sessions, PgBouncer's server connections too)."""
        name = url.rpartition("/")[2]
        with self.cluster.connect("postgres") as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def restart(self) -> None:
        """Stop PgBouncer hard (every client and server connection breaks) and start it again
        on the same port."""
        self.stop(remove=False)
        extra: dict[str, Any] = {}
        if self.cluster.account is not None:
            uid, gid = self.cluster.account
            extra = {"user": uid, "group": gid, "extra_groups": []}
        self._process = subprocess.Popen(
            [self.executable, str(self.folder / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.folder,
            start_new_session=True,
            **extra,
        )
        if not self._wait_ready():
            pytest.fail("PgBouncer did not come back after a restart", pytrace=False)

    def server_connections(self) -> int:
        """How many client backends the cluster has now (the pool's server connections plus
        this probe)."""
        with self.cluster.connect("postgres") as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            ).fetchone()
        return int(row[0])

    def stop(self, *, remove: bool = True) -> None:
        """Stop PgBouncer; with *remove*, also delete its folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pgbouncer(pg_cluster: PgCluster) -> Iterator[PgBouncer]:
    """PgBouncer (transaction pooling) in front of the session's PostgreSQL cluster."""
    executable = require_executable("pgbouncer", hint="the Debian package pgbouncer")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        peer_missing('psycopg is not installed: pip install "amparex-core[postgres]"')
    bouncer = PgBouncer(executable, pg_cluster)
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture
def pgbouncer_url(pgbouncer: PgBouncer) -> str:
    """A URL, through PgBouncer, of a new database of the cluster at the library's schema."""
    return pgbouncer.fresh_database()
