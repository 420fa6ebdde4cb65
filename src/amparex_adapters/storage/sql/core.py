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
* the schema (OP5): :meth:`SqlDatabase.schema_status` tells the store's version, the
  code's and what is pending without changing anything; :meth:`SqlDatabase.check_schema`
  refuses a store this code cannot use (``storage.schema_too_old`` /
  ``storage.schema_too_new``); :meth:`SqlDatabase.upgrade_schema` applies the pending
  steps each family declares (:mod:`amparex_adapters.storage.sql.schema`) in one
  transaction and records each version with the oldest code version that may use it.
  What a store does when it is opened is its :data:`SchemaPolicy`.

What happens is logged on this module's logger: migrations applied (INFO) and retries
that did not help (WARNING, before ``storage.unavailable``). A store is named by
:attr:`SqlDatabase.store_name`, never with a password.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, Protocol, TypeVar

from amparex_core.domain._records import frozen
from amparex_core.domain.errors import (
    StorageSchemaTooNew,
    StorageSchemaTooOld,
    StorageUnavailable,
)

from . import schema

__all__ = [
    "RACE_RETRIES",
    "SCHEMA_POLICIES",
    "Conflict",
    "Cursor",
    "Retry",
    "SchemaPolicy",
    "SchemaStatus",
    "SchemaUpgrade",
    "SqlDatabase",
    "T",
    "instant_key",
]

logger = logging.getLogger(__name__)

#: What a unit of work returns (the result of :meth:`SqlDatabase.write` and the others).
T = TypeVar("T")

#: How often work that keeps losing a race (:exc:`Retry`) is run before giving up.
RACE_RETRIES: Final = 20

SchemaPolicy = Literal["auto", "check", "upgrade", "inspect"]
"""What a SQL store does with its schema when it is opened.

* ``"auto"`` — the store's default: a SQLite file (a workstation's own) is upgraded, a
  PostgreSQL store (shared by the chain) is only checked;
* ``"check"`` — refuse a schema this code cannot use (``storage.schema_too_old``,
  ``storage.schema_too_new``), never change it;
* ``"upgrade"`` — apply the pending steps (under the migration lock), then use it;
* ``"inspect"`` — neither: for ``amparex db status`` and ``amparex db upgrade``, which
  look at the schema before anything else.
"""

#: The values of :data:`SchemaPolicy`.
SCHEMA_POLICIES: Final = ("auto", "check", "upgrade", "inspect")

_STEPS_TABLE: Final = """CREATE TABLE IF NOT EXISTS amparex_schema_steps (
    version INTEGER PRIMARY KEY,
    compatible_from INTEGER NOT NULL,
    applied_at TEXT)"""


def instant_key(instant: dt.datetime) -> str:
    """A text form of an aware instant that sorts like the instant (UTC, fixed width).

    >>> import datetime as dt
    >>> from amparex_adapters.storage.sql import instant_key
    >>> instant_key(dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    '2026-11-23T08:30:00.000000'
    """
    # "YYYY-MM-DDTHH:MM:SS.ffffff+00:00" without its offset (faster than replace(tzinfo=None))
    return instant.astimezone(dt.UTC).isoformat("T", "microseconds")[:26]


@frozen
class SchemaStatus:
    """Where a store's schema stands against this code's (``amparex db status``).

    Attributes:
        store: The store's name (never with a password).
        found: The store's schema version; 0 when it has no schema yet.
        code: The schema version this code writes.
        compatible_from: The oldest code schema version the store's version allows, when
            the store recorded it (stores upgraded by 0.1.0 did not).
        pending: The versions an upgrade would apply (none when the store is newer).
        applied: ``(version, applied_at)`` of every version the store recorded applying
            (``applied_at`` in UTC, ISO 8601).
    """

    store: str
    found: int
    code: int
    compatible_from: int | None
    pending: tuple[int, ...]
    applied: tuple[tuple[int, str | None], ...] = ()

    @property
    def state(self) -> str:
        """``current``, ``upgrade_needed``, ``newer_compatible`` or ``too_new``."""
        if self.found == self.code:
            return "current"
        if self.found < self.code:
            return "upgrade_needed"
        if self.compatible_from is not None and self.compatible_from <= self.code:
            return "newer_compatible"
        return "too_new"

    @property
    def usable(self) -> bool:
        """Whether this code may use the store as it is."""
        return self.state in ("current", "newer_compatible")


@frozen
class SchemaUpgrade:
    """What :meth:`SqlDatabase.upgrade_schema` did.

    Attributes:
        store: The store's name.
        found: The version before (0: no schema).
        reached: The version after (``found`` when the store was newer or current).
        applied: The versions applied, in order; empty when there was nothing to do.
    """

    store: str
    found: int
    reached: int
    applied: tuple[int, ...]


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

    #: A query with one parameter, a table's name, that returns a row when it exists.
    table_exists_sql: str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"

    def _has_table(self, cur: Cursor, name: str) -> bool:
        return cur.execute(self.table_exists_sql, (name,)).fetchone() is not None

    def _status(self, cur: Cursor) -> SchemaStatus:
        code = schema.code_version()
        found = 0
        if self._has_table(cur, "amparex_schema"):
            row = cur.execute("SELECT version FROM amparex_schema").fetchone()
            found = 0 if row is None else int(row[0])
        applied: tuple[tuple[int, str | None], ...] = ()
        if self._has_table(cur, "amparex_schema_steps"):
            rows = cur.execute(
                "SELECT version, compatible_from, applied_at FROM amparex_schema_steps"
                " ORDER BY version"
            ).fetchall()
            compatible = {int(r[0]): int(r[1]) for r in rows}
            applied = tuple((int(r[0]), None if r[2] is None else str(r[2])) for r in rows)
        else:
            compatible = {}
        known = {v.number: v.compatible_from for v in schema.versions()}
        compatible_from = compatible.get(found, known.get(found))
        return SchemaStatus(
            store=self.store_name,
            found=found,
            code=code,
            compatible_from=compatible_from,
            pending=tuple(range(found + 1, code + 1)),
            applied=applied,
        )

    def schema_status(self) -> SchemaStatus:
        """Where the store's schema stands; changes nothing (``amparex db status``)."""
        return self.read(self._status)

    def check_schema(self) -> SchemaStatus:
        """Refuse a store this code cannot use as it is; change nothing (OP5).

        Raises:
            StorageSchemaTooOld: The store's schema is older than this code's (or there is
                none): ``amparex db upgrade`` upgrades it.
            StorageSchemaTooNew: The store's schema is beyond the window this code works
                in (its version, or the version after it when that one only adds).
        """
        status = self.schema_status()
        self._refuse_unusable(status)
        return status

    def _refuse_unusable(self, status: SchemaStatus) -> None:
        if status.state == "upgrade_needed":
            raise StorageSchemaTooOld(
                store=self.store_name, found=status.found, required=status.code
            )
        if status.state == "too_new":
            raise StorageSchemaTooNew(
                store=self.store_name,
                found=status.found,
                supported=status.code,
                compatible_from=status.compatible_from,
            )

    def migrate(self, cur: Cursor, *, target: int | None = None) -> int:
        """Bring the schema up to *target* (this code's version); inside a write transaction.

        A store whose version is newer but within the window is left as it is. Each
        version applied is recorded in ``amparex_schema_steps`` with the oldest code
        version that may use it and the time.

        Returns:
            The version found before migrating.

        Raises:
            StorageSchemaTooNew: The store's schema is beyond what this code can use.
        """
        versions = schema.versions()
        goal = len(versions) if target is None else target
        cur.execute("CREATE TABLE IF NOT EXISTS amparex_schema (version INTEGER NOT NULL)")
        status = self._status(cur)
        found = status.found
        if found > len(versions):
            self._refuse_unusable(status)
            return found
        if found >= goal:
            return found
        if cur.execute("SELECT version FROM amparex_schema").fetchone() is None:
            cur.execute("INSERT INTO amparex_schema (version) VALUES (0)")
        cur.execute(_STEPS_TABLE)
        now = instant_key(dt.datetime.now(dt.UTC))
        for version in versions[found:goal]:
            for statement in version.statements:
                cur.execute(statement.format(blob=self.blob_type))
            cur.execute(
                "INSERT INTO amparex_schema_steps (version, compatible_from, applied_at)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (version.number, version.compatible_from, now),
            )
            cur.execute("UPDATE amparex_schema SET version = ?", (version.number,))
        return found

    def upgrade_schema(self) -> SchemaUpgrade:
        """Apply the pending steps in one write transaction; idempotent (``amparex db upgrade``).

        Several processes may upgrade at once: the first applies the steps, the others
        find nothing to do (a store serialises migrations, see its :meth:`migrate`).

        Raises:
            StorageSchemaTooNew: The store's schema is beyond what this code can use.
        """
        found = self.write(self.migrate)
        reached = max(found, schema.code_version())
        applied = tuple(range(found + 1, reached + 1))
        if applied:
            logger.info(
                "%s: migrated the schema from version %d to %d", self.store_name, found, reached
            )
        return SchemaUpgrade(store=self.store_name, found=found, reached=reached, applied=applied)

    #: What opening the store did to its schema (policy ``"upgrade"``), else ``None``.
    opened_upgrade: SchemaUpgrade | None = None

    def open_schema(self, policy: SchemaPolicy) -> None:
        """Do what a store does with its schema when it is opened (:data:`SchemaPolicy`).

        ``"auto"`` is resolved by the store before it calls this (``"upgrade"`` or
        ``"check"``). With ``"upgrade"`` the result is kept in :attr:`opened_upgrade`.

        Raises:
            StorageSchemaTooOld: ``"check"`` on a store that needs an upgrade.
            StorageSchemaTooNew: The store's schema is beyond what this code can use.
            ValueError: *policy* is none of :data:`SCHEMA_POLICIES`.
        """
        if policy == "inspect":
            return
        if policy == "upgrade":
            self.opened_upgrade = self.upgrade_schema()
            return
        if policy == "check":
            self.check_schema()
            return
        raise ValueError(f"schema must be one of {', '.join(SCHEMA_POLICIES)}, not {policy!r}")

    def schema_version(self) -> int:
        """The schema version of the open database (0: none)."""
        return self.schema_status().found

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and files."""
