"""A private PostgreSQL cluster for the tests: ``pg_cluster`` (session), ``pg_url`` (a fresh
schema per test, upgraded to the library's schema) and ``pg_url_empty`` (the same, empty).

A shared PostgreSQL store is never migrated by opening it (OP5), so the URLs handed out
are of schemas the library's upgrade (``amparex db upgrade``) has run on: a test opens
them with ``PostgresStorage(url)`` or runs the ``amparex`` command on them as they are.
Tests of the upgrade itself take an empty one (``fresh_schema(upgraded=False)``,
``pg_url_empty``).

The cluster is made with the machine's own ``initdb`` and ``pg_ctl`` (Debian package
``postgresql-15`` or ``postgresql``; ``AMPAREX_PG_BINDIR`` overrides the search) in a
temporary folder, listens on 127.0.0.1 on a free port only (its Unix socket lives in the
temporary folder too), trusts local logins and runs without fsync, because it is thrown
away. PostgreSQL refuses to run as root: when the tests run as root the cluster runs as
the system user ``postgres`` (or ``amparex-pg``, created with ``useradd --system`` when
neither exists). It is stopped and removed after the session. Under ``CI=true`` missing
binaries fail the tests that need them; elsewhere those tests are skipped.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.peers import free_port, peer_missing

__all__ = ["PgCluster", "find_pg_bindir", "pg_cluster", "pg_url", "pg_url_empty", "upgrade"]

_SERVICE_USER = "amparex-pg"


def upgrade(url: str) -> str:
    """Run the library's schema upgrade on the store *url* names (``amparex db upgrade``)."""
    from amparex_adapters.storage.postgres import PostgresStorage

    PostgresStorage(url, min_size=0, max_size=1, schema="upgrade").close()
    return url


def find_pg_bindir() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, newest version first."""
    candidates: list[Path] = []
    if os.environ.get("AMPAREX_PG_BINDIR"):
        candidates.append(Path(os.environ["AMPAREX_PG_BINDIR"]))

    def version(path: str) -> int:
        try:
            return int(Path(path).parent.name)
        except ValueError:
            return 0

    candidates += [
        Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    ]
    for tool in ("pg_ctl", "initdb"):
        found = shutil.which(tool)
        if found:
            candidates.append(Path(found).resolve().parent)
    for folder in candidates:
        if all(os.access(folder / t, os.X_OK) for t in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _service_account() -> tuple[int, int] | None:
    """The (uid, gid) the cluster runs as; ``None`` when the tests are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", _SERVICE_USER):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _SERVICE_USER],
        check=True,
        capture_output=True,
    )
    entry = pwd.getpwnam(_SERVICE_USER)
    return entry.pw_uid, entry.pw_gid


class PgCluster:
    """A throw-away PostgreSQL cluster in a temporary folder, on 127.0.0.1.

    Args:
        bindir: Folder of the server binaries.
        superuser: Name of the superuser ``initdb`` creates (trusted, no password).
        durable: Keep PostgreSQL's fsync on (benchmarks); tests run without it.
    """

    def __init__(self, bindir: Path, superuser: str = "amparex", *, durable: bool = False) -> None:
        self.bindir = bindir
        self.superuser = superuser
        self.durable = durable
        self.account = _service_account()
        self.base = Path(tempfile.mkdtemp(prefix="amparex-pg-"))
        self.data = self.base / "data"
        self.port = 0
        self._schemas = itertools.count(1)
        if self.account is not None:
            os.chown(self.base, *self.account)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        extra: dict[str, Any] = {}
        if self.account is not None:
            extra = {"user": self.account[0], "group": self.account[1], "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            text=True,
            cwd=self.base,
            env=env,
            timeout=timeout,
            **extra,
        )

    def start(self) -> None:
        """Create the cluster, start the server, create the database ``amparex``.

        The server is a daemon of its own: besides the fixture's teardown, an exit hook
        stops it, so a run ended by SIGTERM (tests/conftest.py makes that an interrupt)
        whose teardown breaks off does not leave it running.
        """
        atexit.register(self.stop)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.superuser,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        last: subprocess.CalledProcessError | None = None
        for _ in range(3):
            self.port = free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.base} -c max_connections=200"
            if not self.durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w",
                    "-t", "60", "-o", options, "start",
                )  # fmt: skip
                break
            except subprocess.CalledProcessError as exc:  # the port was taken meanwhile
                last = exc
        else:
            raise RuntimeError(f"PostgreSQL did not start: {last and last.stderr}")
        with self.connect("postgres") as conn:
            conn.execute("CREATE DATABASE amparex")

    def restart(self, mode: str = "fast") -> None:
        """Restart the server on the same port (``pg_ctl restart -m mode``), and wait.

        Every open connection is ended (``fast``: clients get "terminating connection due
        to administrator command"). Never call this on the shared session cluster: make a
        private :class:`PgCluster` for it.
        """
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-m", mode, "-w",
            "-t", "60", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def add_login(self, user: str, password: str) -> None:
        """A login *user* with a SCRAM *password* from 127.0.0.1 and a schema of its own
        (idempotent); the superuser keeps trust."""
        from psycopg import sql

        hba = self.data / "pg_hba.conf"
        rule = f"host all {user} 127.0.0.1/32 scram-sha-256\n"
        text = hba.read_text(encoding="utf-8")
        if rule not in text:
            hba.write_text(rule + text, encoding="utf-8")
        with self.connect() as conn:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone():
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(user), sql.Literal(password)
                    )
                )
                conn.execute(
                    sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(
                        sql.Identifier(user), sql.Identifier(user)
                    )
                )
            conn.execute("SELECT pg_reload_conf()")

    def url(self, database: str = "amparex", schema: str | None = None) -> str:
        """A connection URL; with *schema*, tables are made and found in that schema."""
        url = f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database}"
        if schema is not None:
            url += f"?options=-csearch_path%3D{schema}"
        return url

    def connect(self, database: str = "amparex") -> Any:
        """An autocommit psycopg connection as the superuser."""
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True)

    def fresh_schema(self, *, upgraded: bool = True) -> str:
        """Create a schema in database ``amparex`` and return a URL that uses it.

        Args:
            upgraded: Run the library's upgrade on it (the store's tables at the code's
                version); ``False``: leave it empty.
        """
        name = f"t{next(self._schemas)}_{os.getpid()}"
        with self.connect() as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        url = self.url(schema=name)
        return upgrade(url) if upgraded else url


@contextlib.contextmanager
def running_cluster() -> Iterator[PgCluster]:
    """Start a private PostgreSQL cluster (a missing server fails under CI), stop it after."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        peer_missing('psycopg is not installed: pip install "amparex-core[postgres]"')
    bindir = find_pg_bindir()
    if bindir is None:
        peer_missing("PostgreSQL server binaries not found: apt-get install postgresql-15")
    cluster = PgCluster(bindir)
    started = time.monotonic()
    try:
        cluster.start()
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        cluster.stop()
        detail = getattr(exc, "stderr", "") or str(exc)
        pytest.fail(f"PostgreSQL cluster did not start: {detail}", pytrace=False)
    assert time.monotonic() - started < 120
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A running private PostgreSQL cluster for the whole session."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """A URL of database ``amparex`` with a fresh schema first in the search path, upgraded
    to the library's schema version (the store opens it as it is)."""
    return pg_cluster.fresh_schema()


@pytest.fixture
def pg_url_empty(pg_cluster: PgCluster) -> str:
    """Like ``pg_url``, but the schema is empty: for tests of upgrades and refusals."""
    return pg_cluster.fresh_schema(upgraded=False)
