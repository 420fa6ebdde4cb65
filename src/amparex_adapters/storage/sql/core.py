"""The database core every SQL adapter shares: transactions, the cursor, retries, the schema.

:class:`SqlDatabase` is what a SQL adapter builds on: the store's port modules
(:mod:`amparex_adapters.storage.sql.interfaces` and its siblings) and other adapters on
the same database (:class:`~amparex_adapters.masterdata.sql.SqlMasterData`). A concrete
database (:class:`~amparex_adapters.storage.sqlite.SqliteStorage`,
:class:`~amparex_adapters.storage.postgres.PostgresStorage`) says how a transaction runs;
everything else is written once, with ``?`` placeholders, and runs on both:

* :meth:`SqlDatabase.write` runs work in one write transaction (commit, or roll back on
  any exception); :meth:`SqlDatabase.read` runs work that only reads;
  :meth:`SqlDatabase.write_single` runs work whose one write is its first statement;
* a unique constraint that refuses a statement is :exc:`Conflict`; work that lost a race
  it can win by running again raises :exc:`Retry`, and :meth:`SqlDatabase.write_retrying`
  runs it again;
* :meth:`SqlDatabase.migrate` brings the schema up to
  :data:`~amparex_adapters.storage.sql.schema.SCHEMA_VERSION` from the steps each family
  declares (:mod:`amparex_adapters.storage.sql.schema`).

What happens is logged on this module's logger: migrations applied (INFO) and retries
that did not help (WARNING, before ``storage.unavailable``). A store is named by
:attr:`SqlDatabase.store_name`, never with a password.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol, TypeVar

from amparex_core.domain.errors import StorageSchemaTooNew, StorageUnavailable

from .schema import SCHEMA_VERSION, migrations

__all__ = ["RACE_RETRIES", "Conflict", "Cursor", "Retry", "SqlDatabase", "T", "instant_key"]

logger = logging.getLogger(__name__)

#: What a unit of work returns (the result of :meth:`SqlDatabase.write` and the others).
T = TypeVar("T")

#: How often work that keeps losing a race (:exc:`Retry`) is run before giving up.
RACE_RETRIES: Final = 20


def instant_key(instant: dt.datetime) -> str:
    """A text form of an aware instant that sorts like the instant (UTC, fixed width).

    >>> import datetime as dt
    >>> from amparex_adapters.storage.sql import instant_key
    >>> instant_key(dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    '2026-11-23T08:30:00.000000'
    """
    return instant.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


class Cursor(Protocol):
    """The part of a DB-API cursor the stores use; SQL has ``?`` placeholders."""

    @property
    def rowcount(self) -> int:
        """Rows touched by the last statement."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement."""
        ...

    def fetchone(self) -> Any:
        """The next row, or ``None``."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        ...


class Conflict(Exception):
    """A unique constraint refused a write; the transaction was rolled back."""


class Retry(Exception):
    """The operation lost a race it can win by running again (rolled back first)."""


class SqlDatabase(abc.ABC):
    """A SQL database the library's adapters share; subclasses say how a transaction runs."""

    #: Appended to SELECTs whose rows the transaction will change (``" FOR UPDATE"``).
    for_update: str = ""
    #: Type of binary columns.
    blob_type: str = "BLOB"
    #: How errors and messages name this store (never with a password).
    store_name: str = "sql"

    # ------------------------------------------------------------ transactions

    @abc.abstractmethod
    def write(self, work: Callable[[Cursor], T]) -> T:
        """Run *work* in one write transaction and commit; roll back on any exception.

        Raises:
            Conflict: A unique constraint refused a statement.
            StorageUnavailable: The database cannot be used.
            StorageValueInvalid: A value cannot be stored (e.g. a NUL character).
        """

    @abc.abstractmethod
    def read(self, work: Callable[[Cursor], T]) -> T:
        """Run *work*, which only reads; each statement sees what was committed before it.

        Raises:
            StorageUnavailable: The database cannot be used.
        """

    def write_single(self, work: Callable[[Cursor], T]) -> T:
        """Run *work* whose only write is its first statement; later statements only read.

        Such work needs no explicit transaction where each statement is atomic on its own
        (PostgreSQL in autocommit mode saves the ``BEGIN`` and ``COMMIT`` round trips).
        By default it runs like :meth:`write`.
        """
        return self.write(work)

    def write_retrying(self, work: Callable[[Cursor], T], *, single: bool = False) -> T:
        """Run *work* until it does not raise :exc:`Retry`.

        Each run is one :meth:`write` (:meth:`write_single` if *single*).

        Raises:
            StorageUnavailable: It lost :data:`RACE_RETRIES` times in a row.
        """
        run = self.write_single if single else self.write
        for attempt in range(1, RACE_RETRIES + 1):
            try:
                return run(work)
            except Retry:
                logger.debug("%s: lost a race (attempt %d); again", self.store_name, attempt)
        raise self.gave_up(f"lost a race to concurrent writers {RACE_RETRIES} times")

    def gave_up(self, reason: str) -> StorageUnavailable:
        """The error to raise when retrying did not help; logged as a WARNING."""
        logger.warning("%s: giving up: %s", self.store_name, reason)
        return StorageUnavailable(store=self.store_name, reason=reason)

    # ------------------------------------------------------------ schema

    def migrate(self, cur: Cursor, *, target: int = SCHEMA_VERSION) -> int:
        """Bring the schema up to *target*; called inside a write transaction.

        Returns:
            The version found before migrating.

        Raises:
            StorageSchemaTooNew: The database has a newer schema than this library knows.
        """
        cur.execute("CREATE TABLE IF NOT EXISTS amparex_schema (version INTEGER NOT NULL)")
        cur.execute("SELECT version FROM amparex_schema")
        row = cur.fetchone()
        if row is None:
            cur.execute("INSERT INTO amparex_schema (version) VALUES (0)")
            found = 0
        else:
            found = int(row[0])
        if found > SCHEMA_VERSION:
            raise StorageSchemaTooNew(store=self.store_name, found=found, supported=SCHEMA_VERSION)
        steps = migrations()
        for version in range(found + 1, target + 1):
            for statement in steps[version - 1]:
                cur.execute(statement.format(blob=self.blob_type))
            cur.execute("UPDATE amparex_schema SET version = ?", (version,))
        return found

    def open_schema(self) -> int:
        """Migrate the schema in one write transaction (at opening); log what was done.

        Returns:
            The version found before migrating.
        """
        found = self.write(self.migrate)
        if found < SCHEMA_VERSION:
            logger.info(
                "%s: migrated the schema from version %d to %d",
                self.store_name,
                found,
                SCHEMA_VERSION,
            )
        return found

    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self.read(
            lambda cur: int(cur.execute("SELECT version FROM amparex_schema").fetchone()[0])
        )

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and files."""
