"""A statistic source that runs a template's SQL on a DB-API 2 connection (LL5).

:class:`SqlStatisticSource` runs :attr:`StatisticTemplate.query
<amparex_core.domain.masterdata.StatisticTemplate.query>` on a connection of any
:pep:`249` driver — :mod:`sqlite3` (the embedded default), psycopg 3 (a chain's PostgreSQL
server) or another — and streams the rows: they are fetched in batches of
``batch_size`` with ``fetchmany``, and on PostgreSQL through a named (server-side) cursor,
so the server, too, hands them out batch by batch. Memory stays flat whatever the row
count: at any time one batch is held here and one chunk in
:func:`~amparex_core.domain.csvdialect.encode_csv`.

Values are returned as the driver gives them (``int``, ``str``, ``float``, ``Decimal``,
``date`` …); formatting them is the template's CSV dialect's job
(:func:`~amparex_core.domain.csvdialect.format_value`).

The store's secrets are not for statistics (CO1): statistic templates come with the master
data and often run on the store's own SQLite file, where the interface settings keep the
card contract key. On every :mod:`sqlite3` connection to an amparex store (a database with
the table ``amparex_schema``) the source installs an authorizer for the run: reading the
column ``interfaces.data`` or attaching another database is refused by SQLite, and the
run fails as ``statistic.failed``. On PostgreSQL the database role of the connection
decides what a query may read: give statistics a role that cannot read ``interfaces``.

:func:`open_sqlite` and :func:`open_postgres` are the factories of the ``amparex.statistics``
entry points (see :func:`amparex_adapters.statistics.open_statistics`).

Example:
    >>> import sqlite3
    >>> from amparex_core.domain.masterdata import FileFormat, StatisticTemplate
    >>> source = SqlStatisticSource(lambda: sqlite3.connect(":memory:"))
    >>> template = StatisticTemplate(
    ...     id="t1", name="Demo", file_format=FileFormat.CSV, query="SELECT 1 AS one"
    ... )
    >>> with source.run(template) as result:
    ...     result.columns, list(result.rows)
    (('one',), [(1,)])
"""

from __future__ import annotations

import itertools
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from amparex_adapters._extras import require
from amparex_adapters.i18n import _
from amparex_core.domain.errors import StatisticFailed
from amparex_core.domain.masterdata import StatisticTemplate
from amparex_core.ports.statistics import StatisticResult

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "SECRET_COLUMNS",
    "DbApiConnection",
    "SqlStatisticSource",
    "open_postgres",
    "open_sqlite",
    "store_authorizer",
]

DEFAULT_BATCH_SIZE = 2000

SECRET_COLUMNS: frozenset[tuple[str, str]] = frozenset({("interfaces", "data")})
"""Columns of the store that hold secrets (the card-order settings with the key, CO1)."""


class DbApiConnection(Protocol):
    """The part of a :pep:`249` connection the source uses."""

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        """A new cursor."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def _driver(connection: object) -> str:
    """The top-level module of a connection's driver (``sqlite3``, ``psycopg`` …)."""
    return type(connection).__module__.partition(".")[0]


def _driver_errors(connection: object) -> tuple[type[BaseException], ...]:
    """The exception base class(es) of a connection's driver.

    :pep:`249` names ``Error`` as the base of every driver error: taken from the
    connection (an optional extension of the PEP that sqlite3 has) or the driver's module.
    A driver that has neither gets every :class:`Exception` translated.
    """
    found = getattr(connection, "Error", None)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        module = sys.modules.get(_driver(connection))
        found = getattr(module, "Error", None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return (found,)
    return (Exception,)


def store_authorizer(
    action: int, first: str | None, second: str | None, _db: str | None, _trigger: str | None
) -> int:
    """The SQLite authorizer of statistic queries on an amparex store's file (CO1).

    Refuses reading a column of :data:`SECRET_COLUMNS` and ``ATTACH``; SQLite then
    fails the statement with "not authorized". See
    :meth:`sqlite3.Connection.set_authorizer` for the arguments.
    """
    import sqlite3

    if action == sqlite3.SQLITE_READ and (first, second) in SECRET_COLUMNS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_ATTACH:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _guard(connection: Any) -> bool:
    """Put :func:`store_authorizer` on *connection* if it is sqlite3 on a store; whether it did."""
    if _driver(connection) != "sqlite3":
        return False
    is_store = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'amparex_schema'"
    ).fetchone()
    if not is_store:
        return False
    connection.set_authorizer(store_authorizer)
    return True


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class SqlStatisticSource:
    """A :class:`~amparex_core.ports.statistics.StatisticSource` over SQL (LL5).

    Each :meth:`run` takes a connection from *connect*, runs the template's query on a
    new cursor and streams its rows; leaving the context closes the cursor and (unless
    *close_connection* is false) the connection, also when the rows were not all read.

    On psycopg 3 connections the query runs in a named server-side cursor inside a
    transaction (``DECLARE … CURSOR``), so the server sends *batch_size* rows per round
    trip and never the whole result at once; a trailing ``;`` of the query is dropped
    there. On every other driver the cursor's own ``fetchmany`` is used (sqlite3 steps
    its statement lazily, so it streams too). Rows come as tuples: a ``row_factory`` of
    a sqlite3 or psycopg connection is overridden for the statistic's cursor.

    A sqlite3 connection to an amparex store gets :func:`store_authorizer` for the run
    (CO1, see the module's description). On a connection that is not closed after the
    run (*close_connection* false) the authorizer is removed again when the run ends;
    an authorizer its owner had set is not restored (SQLite cannot tell it).

    Args:
        connect: Returns an open DB-API 2 connection, e.g.
            ``lambda: sqlite3.connect(path)`` or ``lambda: psycopg.connect(dsn)``.
        batch_size: Rows per ``fetchmany``.
        close_connection: Close the connection after each run; false when *connect*
            hands out a connection owned by somebody else.

    Raises:
        ValueError: *batch_size* is not positive.
    """

    def __init__(
        self,
        connect: Callable[[], DbApiConnection],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        close_connection: bool = True,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._connect = connect
        self._batch_size = batch_size
        self._close_connection = close_connection

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_size={self._batch_size})"

    @contextmanager
    def run(self, template: StatisticTemplate) -> Iterator[StatisticResult]:
        """Run *template*'s SQL and stream its rows.

        See :meth:`amparex_core.ports.statistics.StatisticSource.run`.

        Raises:
            StatisticFailed: No connection, the query is refused, returns no result set
                (an ``UPDATE``), or fails while the rows are fetched (raised from the
                row iterator then).
        """
        try:
            connection = self._connect()
        except Exception as exc:
            raise StatisticFailed(
                template_id=template.id,
                reason=_("no database connection ({problem})").format(problem=_reason(exc)),
            ) from exc
        errors = _driver_errors(connection)
        with ExitStack() as stack:
            if self._close_connection:
                stack.callback(connection.close)
            try:
                if _guard(connection) and not self._close_connection:
                    stack.callback(connection.set_authorizer, None)  # type: ignore[attr-defined]
            except errors as exc:
                raise StatisticFailed(
                    template_id=template.id,
                    reason=_("no database connection ({problem})").format(problem=_reason(exc)),
                ) from exc
            try:
                cursor = self._execute(stack, connection, template.query)
                description: Sequence[Sequence[Any]] | None = cursor.description
            except errors as exc:
                raise StatisticFailed(template_id=template.id, reason=_reason(exc)) from exc
            if description is None:
                raise StatisticFailed(
                    template_id=template.id, reason=_("the query returns no rows")
                )
            columns = tuple(str(d[0]) for d in description)
            rows = itertools.chain.from_iterable(self._batches(cursor, template, errors))
            yield StatisticResult(columns=columns, rows=rows)

    def _execute(self, stack: ExitStack, connection: DbApiConnection, query: str) -> Any:
        driver = _driver(connection)
        if driver == "psycopg":
            from psycopg.rows import tuple_row  # only reached with a psycopg connection

            # A named cursor lives in a transaction; in autocommit mode this opens one,
            # otherwise it joins (or starts) the connection's own.
            stack.enter_context(connection.transaction())  # type: ignore[attr-defined]
            cursor = connection.cursor(
                name=f"amparex_statistic_{uuid.uuid4().hex}", row_factory=tuple_row
            )
            cursor.itersize = self._batch_size
            stack.callback(cursor.close)
            cursor.execute(query.strip().rstrip(";").rstrip())
            return cursor
        cursor = connection.cursor()
        stack.callback(cursor.close)
        if driver == "sqlite3":
            cursor.row_factory = None
        cursor.arraysize = self._batch_size
        cursor.execute(query)
        return cursor

    def _batches(
        self,
        cursor: Any,
        template: StatisticTemplate,
        errors: tuple[type[BaseException], ...],
    ) -> Iterator[list[Sequence[object]]]:
        size = self._batch_size
        while True:
            try:
                batch: list[Sequence[object]] = cursor.fetchmany(size)
            except errors as exc:
                raise StatisticFailed(template_id=template.id, reason=_reason(exc)) from exc
            if not batch:
                return
            yield batch


def open_sqlite(url: str) -> SqlStatisticSource:
    """The ``sqlite`` factory of ``amparex.statistics``: a SQLite file, opened read-only.

    Args:
        url: ``sqlite:///abs/path`` (percent-encoded; a query part is ignored).

    Raises:
        ValueError: The URL names no absolute path.
    """
    import sqlite3
    import urllib.parse

    rest = url.partition("://")[2]
    if not (rest.startswith("/") and len(rest) > 1):
        raise ValueError("a sqlite:///abs/path or postgresql:// URL")
    path = rest[1:] if rest.startswith("//") else rest
    path = urllib.parse.unquote(path.partition("?")[0])
    uri = f"file:{urllib.parse.quote(path)}?mode=ro"

    def connect() -> DbApiConnection:
        return sqlite3.connect(uri, uri=True)

    return SqlStatisticSource(connect)


def open_postgres(url: str) -> SqlStatisticSource:
    """The ``postgresql``/``postgres`` factory of ``amparex.statistics`` (extra ``postgres``).

    Each run connects with psycopg 3 to *url* (a libpq URL; the password the libpq way,
    ``PGPASSWORD`` or ``~/.pgpass``).

    Raises:
        MissingExtraError: psycopg is not installed.
    """
    psycopg = require("psycopg", "postgres")

    def connect() -> DbApiConnection:
        connection: DbApiConnection = psycopg.connect(url)
        return connection

    return SqlStatisticSource(connect)
