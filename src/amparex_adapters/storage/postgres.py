"""The shared store of a branch chain on PostgreSQL (psycopg 3 and its connection pool).

Needs the extra ``postgres`` (``pip install "amparex-core[postgres]"``): plain psycopg,
which loads the system's libpq (Debian: ``libpq5``). Where no libpq is installed, the extra
``postgres-binary`` brings psycopg's wheels with their own.

The schema and its migrations are those of the SQLite store, but opening the shared
store never migrates it (OP5): a store whose schema is older than this code's is refused
with ``storage.schema_too_old`` until ``amparex db upgrade`` has run once for the chain
(``schema="upgrade"`` does it from Python), and a store beyond the window this code works
in is refused with ``storage.schema_too_new``. Migrations run under a transaction-scoped
advisory lock, so many processes may upgrade at once.

Each write runs in one READ COMMITTED transaction: inserts that must happen once use
``INSERT … ON CONFLICT DO NOTHING`` against a unique constraint (IF8, CO13, CR3, LL8), and
rules that span rows lock the rows they read with ``SELECT … FOR UPDATE`` in a fixed order.
A transaction that PostgreSQL aborts for a deadlock or a serialisation failure is run
again, up to ten times after a short random back-off (each retry logged at INFO); after
that the caller gets ``storage.unavailable`` (logged at WARNING).

**PgBouncer in transaction pooling mode** works out of the box: the store keeps no state
in a server session from one transaction to the next — no server-side prepared statements
(psycopg's ``prepare_threshold`` is off unless configured), no ``SET``, no session
advisory locks, no ``LISTEN``, no temporary tables — and names itself with
``application_name`` (``amparex`` by default, one value for all, so PgBouncer need not
switch it between clients).

**No driver error reaches the caller**: every psycopg and psycopg_pool exception is
mapped to a coded error by one table (:data:`ERROR_MAP`), PgBouncer's own errors ("no
more connections allowed", a restart) included.

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
from amparex_adapters.i18n import _
from amparex_core.domain.errors import AmparexError, StorageUnavailable, StorageValueInvalid
from amparex_core.domain.secret import redact

from .sql import Conflict, Cursor, SqlStorage
from .sql.core import SCHEMA_POLICIES, SchemaPolicy, T

__all__ = ["ERROR_MAP", "PostgresStorage", "describe_conninfo", "translate_error"]

logger = logging.getLogger(__name__)

_LIBPQ_HINT = (
    "psycopg needs the libpq library (Debian: apt-get install libpq5), or pip install"
    ' "amparex-core[postgres-binary]" for psycopg with a libpq of its own'
)

_MIGRATION_LOCK: Final = 0x616D70_61726578  # "amp" "arex"
_RETRIES: Final = 10
_BACKOFF: Final = 0.002
"""Seconds: the first retry after a deadlock waits up to this, each next one twice as long."""

_SESSION_LOST: Final = (
    "prepared statements do not survive a pooler in transaction mode such as PgBouncer: "
    "leave [storage] prepare_threshold unset"
)

_PSYCOPG_STATEMENT: Final = 'prepared statement "_pg3_'
"""How the server names a statement psycopg prepared, in any message about it.

Besides "does not exist" and "already exists" (the two rows of :data:`ERROR_MAP`), a
statement prepared by another client on a pooled session also shows as a protocol
violation ("bind message supplies 2 parameters, but prepared statement "_pg3_6" requires
1"): any driver error that names one gets the same note.
"""

ERROR_MAP: Final[tuple[tuple[str, str, type[AmparexError], str | None], ...]] = (
    ("psycopg_pool", "PoolTimeout", StorageUnavailable, "no connection to the server in time"),
    (
        "psycopg_pool",
        "TooManyRequests",
        StorageUnavailable,
        "too many callers wait for a connection",
    ),
    ("psycopg_pool", "PoolClosed", StorageUnavailable, "the store was closed"),
    ("psycopg.errors", "DuplicatePreparedStatement", StorageUnavailable, _SESSION_LOST),
    ("psycopg.errors", "InvalidSqlStatementName", StorageUnavailable, _SESSION_LOST),
    ("psycopg", "DataError", StorageValueInvalid, None),
    ("psycopg", "IntegrityError", StorageValueInvalid, None),
    ("psycopg", "OperationalError", StorageUnavailable, None),
    ("psycopg", "InterfaceError", StorageUnavailable, None),
    ("psycopg", "Error", StorageUnavailable, None),
    ("builtins", "UnicodeEncodeError", StorageValueInvalid, None),
)
"""How each exception of psycopg and psycopg_pool reaches the caller, as one table.

Rows are ``(module, class name, coded error, note)``; the first row whose class the
exception is an instance of decides (so subclasses come before their bases). The error
gets the store's name and, as its reason, the first line of the driver's message (the
exception's class name when it has none) followed by the note; a message that names a
statement psycopg prepared gets the note on prepared statements whatever its row
(``_PSYCOPG_STATEMENT``). PgBouncer's own errors
("no more connections allowed", "server conn crashed?", a shutdown) arrive as
``OperationalError`` and so are ``storage.unavailable``; ``psycopg.Error`` catches what
the rows above leave (``ProgrammingError``, ``InternalError``, ``NotSupportedError``).
Unique violations, deadlocks and serialisation failures never get here: the store turns
them into :exc:`~amparex_adapters.storage.sql.core.Conflict` or runs the work again.
"""


@functools.cache
def _error_classes() -> tuple[tuple[type[BaseException], type[AmparexError], str | None], ...]:
    import builtins
    import importlib

    found = []
    for module_name, class_name, error, note in ERROR_MAP:
        module = builtins if module_name == "builtins" else importlib.import_module(module_name)
        found.append((getattr(module, class_name), error, note))
    return tuple(found)


def translate_error(exc: BaseException, store: str) -> AmparexError | None:
    """The coded error :data:`ERROR_MAP` gives for *exc* on *store*; ``None``: not a driver's.

    >>> import psycopg
    >>> translate_error(psycopg.OperationalError("server closed the connection"), "db").code
    'storage.unavailable'
    >>> translate_error(ValueError("not the driver's"), "db") is None
    True
    """
    for cls, error, row_note in _error_classes():
        if isinstance(exc, cls):
            reason = _reason(exc)
            note = _SESSION_LOST if _PSYCOPG_STATEMENT in str(exc) else row_note
            if note is not None:
                reason = f"{reason} ({note})" if str(exc).strip() else note
            return error(store=store, reason=reason)  # type: ignore[call-arg]
    return None


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
        timeout: Seconds to wait for a free connection before giving up.
        connect_timeout: Seconds to wait for the server to answer a new connection;
            by default the connection string's ``connect_timeout``, else *timeout*.
        application_name: How the server (``pg_stat_activity``) and PgBouncer show this
            store's connections; by default the connection string's, else ``amparex``.
        prepare_threshold: After how many executions of one statement psycopg prepares
            it on the server; ``None`` (the default) never, as a pooler in transaction
            mode (PgBouncer) needs. Only set it when every connection is a server session
            of its own.
        schema: What to do with the schema when opening
            (:data:`~amparex_adapters.storage.sql.core.SchemaPolicy`); ``"auto"`` only
            checks it: the shared store is upgraded by ``amparex db upgrade`` (or
            ``schema="upgrade"``), never by opening it.

    Raises:
        MissingExtraError: psycopg is not installed (extra ``postgres``).
        StorageUnavailable: The server cannot be reached or refuses the login.
        StorageSchemaTooOld: The store needs ``amparex db upgrade`` first.
        StorageSchemaTooNew: The store's schema is beyond what this version can use.
        ValueError: An option out of range (pool sizes, timeouts, *schema*).
    """

    for_update = " FOR UPDATE"
    blob_type = "BYTEA"
    table_exists_sql = "SELECT 1 WHERE to_regclass(?) IS NOT NULL"

    def __init__(
        self,
        conninfo: str,
        *,
        min_size: int = 1,
        max_size: int = 4,
        timeout: float = 30.0,
        connect_timeout: float | None = None,
        application_name: str | None = None,
        prepare_threshold: int | None = None,
        schema: SchemaPolicy = "auto",
    ) -> None:
        _check_options(min_size, max_size, timeout, connect_timeout, prepare_threshold, schema)
        self._psycopg = require("psycopg", "postgres", hint=_LIBPQ_HINT)
        pool_module = require("psycopg_pool", "postgres")
        self.store_name = describe_conninfo(conninfo)
        self._timeout = timeout
        params = self._conninfo_params(conninfo)
        session: dict[str, Any] = {"autocommit": True, "prepare_threshold": prepare_threshold}
        if connect_timeout is not None or "connect_timeout" not in params:
            wait = timeout if connect_timeout is None else connect_timeout
            session["connect_timeout"] = max(1, math.ceil(wait))
        if application_name is not None or "application_name" not in params:
            session["application_name"] = application_name or "amparex"
        self._probe(conninfo, params, session)
        self._pool = pool_module.ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs=session,
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
                store=self.store_name, reason=_("no connection to the server")
            ) from exc
        try:
            self.open_schema("check" if schema == "auto" else schema)
        except BaseException:
            self._pool.close()
            raise

    def _conninfo_params(self, conninfo: str) -> dict[str, Any]:
        """The parameters of *conninfo*; a malformed string is ``storage.unavailable``."""
        try:
            params: dict[str, Any] = self._psycopg.conninfo.conninfo_to_dict(conninfo)
        except self._psycopg.Error as exc:
            # libpq quotes the offending token, which may be (part of) a password.
            reason = re.sub(r'"[^"]*"', '"…"', _reason(exc))
            raise StorageUnavailable(
                store=self.store_name,
                reason=_("the connection string is malformed ({problem})").format(problem=reason),
            ) from None
        return params

    def _probe(self, conninfo: str, params: dict[str, Any], session: dict[str, Any]) -> None:
        """Connect once, directly, before the pool starts.

        A refused login, a missing database or a server that is down is so reported at
        once with libpq's reason; the pool would retry in the background and only say "no
        connection" after *timeout*.
        """
        password = params.get("password")
        try:
            conn = self._psycopg.connect(conninfo, **session)
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

    def migrate(self, cur: Cursor, *, target: int | None = None) -> int:
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
            except Exception as exc:
                coded = translate_error(exc, self.store_name)
                if coded is None:
                    raise
                raise coded from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, work: Callable[[Cursor], T]) -> T:
        """See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.read`."""
        try:
            with self._pool.connection() as conn, conn.cursor() as cur:
                return work(_PgCursor(cur))
        except Exception as exc:
            coded = translate_error(exc, self.store_name)
            if coded is None:
                raise
            raise coded from exc

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


def _check_options(  # noqa: PLR0917 - one check of the constructor's options
    min_size: int,
    max_size: int,
    timeout: float,
    connect_timeout: float | None,
    prepare_threshold: int | None,
    schema: str,
) -> None:
    """Refuse options out of range, naming the option (``ValueError``)."""
    if min_size < 0 or max_size < 1 or min_size > max_size:
        raise ValueError(
            f"pool sizes: 0 <= min_size <= max_size and max_size >= 1, not {min_size}, {max_size}"
        )
    if not timeout > 0 or (connect_timeout is not None and not connect_timeout > 0):
        raise ValueError("timeout and connect_timeout are seconds above 0")
    if prepare_threshold is not None and prepare_threshold < 0:
        raise ValueError("prepare_threshold is a count from 0 on, or None (never prepare)")
    if schema not in SCHEMA_POLICIES:
        raise ValueError(f"schema must be one of {', '.join(SCHEMA_POLICIES)}, not {schema!r}")


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
