"""The embedded store on the standard library's :mod:`sqlite3` (one shop, a demo, a laptop).

>>> store = SqliteStorage()          # in memory; SqliteStorage("/var/lib/amparex/db.sqlite")
>>> store.next_serial("cards"), store.next_serial("cards")
(1, 2)
>>> store.close()

Its schema is upgraded when it is opened (a workstation's own file: no other process uses
it with another version); ``schema="check"`` only checks it and ``amparex db upgrade``
upgrades it explicitly, as for the shared PostgreSQL store (see
:data:`~amparex_adapters.storage.sql.core.SchemaPolicy`).

A file database runs in WAL mode with ``synchronous=FULL`` (an acknowledged order or
upload survives a power loss), a busy timeout so that concurrent workstations wait
instead of failing, and foreign keys on. Every write is one ``BEGIN IMMEDIATE``
transaction: writers are serialised by SQLite's own lock, so a rule that spans rows
(a batch takes many orders) sees a stable database, and the unique indexes enforce the
uniqueness rules (IF8, CO13, CR3, LL8) whatever any other process does. Work whose one
write is its first statement (placing an order, taking a serial number) runs that
statement as its own transaction, without the ``BEGIN``/``COMMIT`` pair.

One :class:`SqliteStorage` holds one connection, guarded by a lock, so it may be shared
between threads; processes each open their own.

Data at rest (OP6): a new database file is created readable and writable by its owner
only (``0600``) whatever the umask, and SQLite gives its ``-wal`` and ``-shm`` files the
mode of the database file. An existing database (or its ``-wal``/``-shm``) that other
users may read is reported once when it is opened, as a WARNING naming the ``chmod``
that fixes it; it is not changed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from amparex_adapters._modes import OWNER_ONLY, create_file, warn_if_loose
from amparex_core.domain.errors import StorageUnavailable, StorageValueInvalid

from .sql import Conflict, Cursor, SqlStorage
from .sql.core import SCHEMA_POLICIES, SchemaPolicy, T

__all__ = ["SqliteStorage"]

logger = logging.getLogger(__name__)

_MEMORY: Final = ":memory:"


class SqliteStorage(SqlStorage):
    """Every storage port on one SQLite database file (or in memory).

    Args:
        path: The database file; ``None`` or ``":memory:"`` for a private in-memory
            database that lives as long as this object. The folder must exist.
        timeout: Seconds a writer waits for another process's write lock.
        schema: What to do with the schema when opening
            (:data:`~amparex_adapters.storage.sql.core.SchemaPolicy`); ``"auto"`` upgrades
            it. With ``"inspect"`` a missing file is not created.

    Raises:
        StorageUnavailable: The file cannot be opened or is not a database.
        StorageSchemaTooNew: The database's schema is beyond what this version can use.
        StorageSchemaTooOld: ``schema="check"`` and the database needs an upgrade.
        ValueError: An unknown *schema* policy.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 30.0,
        schema: SchemaPolicy = "auto",
    ) -> None:
        if schema not in SCHEMA_POLICIES:
            raise ValueError(f"schema must be one of {', '.join(SCHEMA_POLICIES)}, not {schema!r}")
        target = _MEMORY if path is None or str(path) == _MEMORY else os.fspath(path)
        self.path: str = target
        self.store_name = "sqlite://" if target == _MEMORY else f"sqlite:///{target}"
        self._lock = threading.RLock()
        inspect = schema == "inspect" and target != _MEMORY
        try:
            if target != _MEMORY and not Path(target).parent.is_dir():
                raise StorageUnavailable(
                    store=self.store_name, reason="the folder of the database does not exist"
                )
            if inspect and not Path(target).is_file():
                raise StorageUnavailable(
                    store=self.store_name,
                    reason="there is no database file yet (amparex db upgrade makes one)",
                )
            if target != _MEMORY:
                _create_owner_only(target)
            self._conn = sqlite3.connect(
                target, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (sqlite3.Error, ValueError, OSError) as exc:  # a NUL in the path, too long
            raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if target != _MEMORY and not inspect:
                self._enable_wal(timeout)
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self.open_schema("upgrade" if schema == "auto" else schema)
            if target != _MEMORY:
                self._report_loose_modes()
        except sqlite3.Error as exc:
            self._conn.close()
            raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc
        except BaseException:
            self._conn.close()
            raise

    def _report_loose_modes(self) -> None:
        """One WARNING when the database or its WAL files may be read by other users."""
        for suffix in ("", "-wal", "-shm"):
            if warn_if_loose(logger, "the store file", self.path + suffix, OWNER_ONLY):
                return

    def _enable_wal(self, timeout: float) -> None:
        # Switching a new database to WAL needs a moment of exclusive access, and SQLite
        # answers "database is locked" at once, without its busy handler, when another
        # process is switching the same new file at that moment (8 workstations opening a
        # new store together hit it about once in 500 openings). So wait here, as the busy
        # timeout would, until the switch is made or the timeout has passed.
        started = time.monotonic()
        deadline = started + timeout
        delay = 0.001
        waited = False
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL").fetchall()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    logger.warning(
                        "%s: gave up switching to WAL after %.1f s: %s",
                        self.store_name,
                        time.monotonic() - started,
                        exc,
                    )
                    raise
                if not waited:
                    logger.info(
                        "%s: another process holds the database while it switches to WAL;"
                        " waiting up to %.1f s",
                        self.store_name,
                        timeout,
                    )
                    waited = True
            else:
                if waited:
                    logger.info(
                        "%s: switched to WAL after waiting %.3f s",
                        self.store_name,
                        time.monotonic() - started,
                    )
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    # ------------------------------------------------------------ transactions

    def write(self, work: Callable[[Cursor], T]) -> T:
        """See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.write`."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc
            try:
                result = work(self._conn.cursor())
            except sqlite3.IntegrityError as exc:
                self._conn.rollback()
                if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
                    raise Conflict(str(exc)) from exc
                raise
            except sqlite3.DatabaseError as exc:
                self._rollback_quietly()
                raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc
            except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 text
                self._rollback_quietly()
                raise StorageValueInvalid(store=self.store_name, reason=str(exc)) from exc
            except BaseException:
                self._rollback_quietly()
                raise
            try:
                self._conn.commit()
            except sqlite3.Error as exc:
                self._rollback_quietly()
                raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc
            return result

    def write_single(self, work: Callable[[Cursor], T]) -> T:
        """See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.write_single`.

        Without ``BEGIN IMMEDIATE`` and ``COMMIT``: the writing statement is a transaction
        of its own (it takes the write lock, waiting for it under the busy timeout, exactly
        as ``BEGIN IMMEDIATE`` would), and the reads after it see what was committed.
        """
        with self._lock:
            cur = self._conn.cursor()
            try:
                return work(cur)
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
                    raise Conflict(str(exc)) from exc
                raise
            except sqlite3.DatabaseError as exc:
                raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc
            except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 text
                raise StorageValueInvalid(store=self.store_name, reason=str(exc)) from exc
            finally:
                cur.close()  # no statement left open (an open read would pin the WAL)

    def _rollback_quietly(self) -> None:
        if self._conn.in_transaction:
            self._conn.rollback()

    def read(self, work: Callable[[Cursor], T]) -> T:
        """See :meth:`~amparex_adapters.storage.sql.core.SqlDatabase.read`."""
        with self._lock:
            try:
                return work(self._conn.cursor())
            except sqlite3.DatabaseError as exc:
                raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc
            except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 text
                raise StorageValueInvalid(store=self.store_name, reason=str(exc)) from exc

    def scrub_freed_space(self) -> None:
        """Rewrite the database so that nothing replaced or deleted is left in its files.

        After a secret was moved out of the store (``amparex interfaces move-keys``), its
        old bytes may still sit in a freed part of a page, on the free list or in the
        WAL. With ``secure_delete`` on, the WAL is checkpointed and emptied, the database
        rebuilt (``VACUUM``) and the WAL emptied again. Best effort while another process
        holds the database open (its readers keep WAL frames alive).

        Raises:
            StorageUnavailable: The database cannot be rewritten.
        """
        with self._lock:
            try:
                self._conn.execute("PRAGMA secure_delete = ON")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                self._conn.execute("VACUUM")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.Error as exc:
                raise StorageUnavailable(store=self.store_name, reason=str(exc)) from exc

    def integrity_check(self) -> list[str]:
        """The answer of ``PRAGMA integrity_check``: ``["ok"]`` for a sound database."""
        return self.read(
            lambda cur: [str(r[0]) for r in cur.execute("PRAGMA integrity_check").fetchall()]
        )

    def close(self) -> None:
        """Close the connection (a WAL file database is checkpointed by SQLite)."""
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteStorage({self.path!r})"


def _create_owner_only(path: str) -> None:
    """Create the empty database file *path* with mode 0600 unless it exists (OP6).

    SQLite creates a missing file with 0644 less the umask and its ``-wal``/``-shm``
    files with the database file's mode; made here first, all three are owner-only.
    """
    try:
        fd = create_file(path, OWNER_ONLY)
    except FileExistsError:
        return
    except OSError:
        return  # SQLite reports why the file cannot be opened
    os.close(fd)
