"""The shared store of a branch chain on PostgreSQL (psycopg 3 and its connection pool).

Needs the extra ``postgres`` (``pip install "amparex-core[postgres]"``).

The schema and its migrations are those of the SQLite store. Each write runs in one
READ COMMITTED transaction: inserts that must happen once use ``INSERT … ON CONFLICT DO
NOTHING`` against a unique constraint (IF8, CO13, CR3, LL8), and rules that span rows lock
the rows they read with ``SELECT … FOR UPDATE`` in a fixed order. A transaction that
PostgreSQL aborts for a deadlock or a serialisation failure is run again, up to ten times
after a short random back-off (each retry logged at INFO); after that the caller gets
``storage.unavailable`` (logged at WARNING), never a driver exception. Migrations run
under a transaction-scoped advisory lock, so many workstations may open the store at once.

A server restart (or a connection the server ended) is survived without reopening the
store: before the pool hands out an idle connection it looks, without a round trip,
whether the server has written to it (an idle connection receives nothing unless the
server is ending it); if so the connection is tested with an empty query, and when it is
dead it is dropped together with every other dead idle connection (logged at WARNING),
and a new one is made. Only operations under way while the server goes away fail, with
:class:`~amparex_core.domain.errors.StorageUnavailable`; a write that failed that way may
or may not have committed, and doing it again is safe (placing an order, configuring,
claiming an upload are idempotent or refused as duplicates).
"""

from __future__ import annotations

import functools
import logging
import math
import random
import re
import select
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any, Final

from amparex_adapters._extras import require
from amparex_core.domain.errors import StorageUnavailable, StorageValueInvalid
from amparex_core.domain.secret import redact

from .sql import SCHEMA_VERSION, Conflict, Cursor, SqlStorage
from .sql.core import T

__all__ = ["PostgresStorage", "describe_conninfo"]

logger = logging.getLogger(__name__)

_MIGRATION_LOCK: Final = 0x616D70_61726578  # "amp" "arex"
_RETRIES: Final = 10
_BACKOFF: Final = 0.002
"""Seconds: the first retry after a deadlock waits up to this, each next one twice as long."""


def describe_conninfo(conninfo: str) -> str:
    """A connection string fit for messages: without a password.

    >>> describe_conninfo("postgresql://shop:s3cret@db.example:5432/amparex")
    'postgresql://shop@db.example:5432/amparex'
    """
    if "://" not in conninfo:
        # libpq's key = value syntax: spaces around '=', values in single quotes with
        # backslash escapes. The password goes first, also the malformed "password x";
        # whatever then does not parse as a pair is left out, too.
        shown = re.sub(r"(?i)\b(?:ssl)?password\s*=?\s*('(?:[^'\\]|\\.)*'|\S+)", "", conninfo)
        pairs = [
            f"{key}={value}"
            for key, value in _CONNINFO_PAIR.findall(shown)
            if key.lower() not in ("password", "sslpassword")
        ]
        return " ".join(pairs)
    try:
        url = urllib.parse.urlsplit(conninfo)
        port = url.port
    except ValueError:  # "[::1" or a port that is no number: show no more than the scheme
        return conninfo.partition("://")[0] + "://…"
    netloc = url.hostname or ""
    if port is not None:
        netloc = f"{netloc}:{port}"
    if url.username:
        netloc = f"{url.username}@{netloc}"
    return urllib.parse.urlunsplit((url.scheme, netloc, url.path, "", ""))


_CONNINFO_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)+)")


@functools.lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class _PgCursor:
    """A psycopg cursor that takes the ``?`` placeholders of the shared SQL."""

    __slots__ = ("_cur",)

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _PgCursor:
        self._cur.execute(_pg(sql), params)
        return self

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cur.fetchall())


class PostgresStorage(SqlStorage):
    """Every storage port on a PostgreSQL database.

    Args:
        conninfo: A libpq connection string or URL
            (``postgresql://user@host:5432/db``); a password in it is never shown.
        min_size: Connections the pool keeps open.
        max_size: Connections the pool opens at most.
        timeout: Seconds to wait for a connection before giving up.

    Raises:
        MissingExtraError: psycopg is not installed (extra ``postgres``).
        StorageUnavailable: The server cannot be reached or refuses the login.
        StorageSchemaTooNew: The database was written by a newer amparex-core.
    """

    for_update = " FOR UPDATE"
    blob_type = "BYTEA"

    def __init__(
        self, conninfo: str, *, min_size: int = 1, max_size: int = 4, timeout: float = 30.0
    ) -> None:
        self._psycopg = require("psycopg", "postgres")
        pool_module = require("psycopg_pool", "postgres")
        self.store_name = describe_conninfo(conninfo)
        self._timeout = timeout
        self._probe(conninfo, timeout)
        self._pool = pool_module.ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True},
            timeout=timeout,
            open=False,
            name="amparex",
            check=self._check_idle,
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except pool_module.PoolTimeout as exc:
            self._pool.close()
            raise StorageUnavailable(
                store=self.store_name, reason="no connection to the server"
            ) from exc
        try:
            self.open_schema()
        except BaseException:
            self._pool.close()
            raise

    def _probe(self, conninfo: str, timeout: float) -> None:
        """Connect once, directly, before the pool starts.

        A refused login, a missing database or a server that is down is so reported at
        once with libpq's reason; the pool would retry in the background and only say "no
        connection" after *timeout*.
        """
        try:
            password = self._psycopg.conninfo.conninfo_to_dict(conninfo).get("password")
        except self._psycopg.Error as exc:
            # libpq quotes the offending token, which may be (part of) a password.
            reason = re.sub(r'"[^"]*"', '"…"', _reason(exc))
            raise StorageUnavailable(
                store=self.store_name,
                reason=f"the connection string is malformed ({reason})",
            ) from None
        try:
            conn = self._psycopg.connect(
                conninfo, autocommit=True, connect_timeout=max(1, math.ceil(timeout))
            )
        except self._psycopg.Error as exc:
            reason = redact(_reason(exc), [str(password)] if password else [])
            raise StorageUnavailable(store=self.store_name, reason=reason) from None
        conn.close()

    def _check_idle(self, conn: Any) -> None:
        """Refuse a pooled connection the server has ended (the pool makes a new one).

        An idle connection has nothing to read unless the server spoke: usually to say it
        is shutting down or restarting. Only then a round trip tells whether it still works;
        a dead one makes the pool test every idle connection, so callers after a restart
        do not each meet one more stale connection.
        """
        if not conn.closed and not _readable(conn.fileno()):
            return
        try:
            self._pool.check_connection(conn)
        except Exception:
            logger.warning(
                "%s: dropped a pooled connection the server had ended; checking the others"
                " and connecting again",
                self.store_name,
            )
            self._pool.check()
            raise

    def migrate(self, cur: Cursor, *, target: int = SCHEMA_VERSION) -> int:
        """Migrate under a transaction-scoped advisory lock: one opener at a time.

        See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.migrate`.
        """
        cur.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        return super().migrate(cur, target=target)

    # ------------------------------------------------------------ transactions

    def write(self, work: Callable[[Cursor], T]) -> T:
        """See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.write`."""
        return self._run(work, transaction=True)

    def write_single(self, work: Callable[[Cursor], T]) -> T:
        """See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.write_single`."""
        # Autocommit: the one writing statement is its own transaction, the reads after
        # it see what committed meanwhile (as a READ COMMITTED transaction would).
        return self._run(work, transaction=False)

    def _run(self, work: Callable[[Cursor], T], *, transaction: bool) -> T:
        errors = self._psycopg.errors
        for attempt in range(_RETRIES):
            try:
                with self._pool.connection() as conn, conn.cursor() as cur:
                    if not transaction:
                        return work(_PgCursor(cur))
                    with conn.transaction():
                        return work(_PgCursor(cur))
            except errors.UniqueViolation as exc:
                raise Conflict(exc.sqlstate or "23505") from exc
            except (errors.SerializationFailure, errors.DeadlockDetected) as exc:
                if attempt == _RETRIES - 1:
                    raise self.gave_up(
                        f"{_reason(exc)} (gave up after {_RETRIES} attempts)"
                    ) from exc
                logger.info(
                    "%s: the server aborted attempt %d of %d (%s, SQLSTATE %s); running it again",
                    self.store_name,
                    attempt + 1,
                    _RETRIES,
                    type(exc).__name__,
                    exc.sqlstate,
                )
                # Back off a little, at random, so that the contenders do not meet again.
                time.sleep(random.uniform(0, _BACKOFF * 2**attempt))  # noqa: S311 - jitter, not a secret
                continue
            except self._psycopg.OperationalError as exc:
                raise StorageUnavailable(store=self.store_name, reason=_reason(exc)) from exc
            except self._psycopg.DataError as exc:  # e.g. a NUL character in a text
                raise StorageValueInvalid(store=self.store_name, reason=_reason(exc)) from exc
            except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 text
                raise StorageValueInvalid(store=self.store_name, reason=str(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, work: Callable[[Cursor], T]) -> T:
        """See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.read`."""
        try:
            with self._pool.connection() as conn, conn.cursor() as cur:
                return work(_PgCursor(cur))
        except self._psycopg.OperationalError as exc:
            raise StorageUnavailable(store=self.store_name, reason=_reason(exc)) from exc
        except self._psycopg.DataError as exc:  # e.g. a NUL character in a text
            raise StorageValueInvalid(store=self.store_name, reason=_reason(exc)) from exc
        except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 text
            raise StorageValueInvalid(store=self.store_name, reason=str(exc)) from exc

    def scrub_freed_space(self) -> None:
        """Rewrite the ``interfaces`` table (``VACUUM FULL``) after secrets were moved out.

        The old row versions that held a key leave the table's files. The server's WAL
        and its backups may keep them until they are recycled: treat those as the
        database itself.

        Raises:
            StorageUnavailable: The table cannot be rewritten.
        """
        self.write_single(lambda cur: cur.execute("VACUUM FULL interfaces"))

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()

    def __repr__(self) -> str:
        return f"PostgresStorage({self.store_name!r})"


def _readable(fd: int) -> bool:
    """Whether *fd* has something to read, now.

    One system call, and no limit on fd numbers: ``select.select`` refuses fds from 1024
    on POSIX; Windows has no poll, and its select has no such limit.
    """
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])  # pragma: no cover - Windows


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
