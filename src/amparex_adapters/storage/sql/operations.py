"""The run log and the alert ledger (:mod:`amparex_core.ports.operations`) on SQL (OP1, OP3).

Schema version 5 (family ``operations``) adds two tables:

* ``runs`` — one row per run: an ID, its kind, workstation and branch, its start and
  end (:func:`~amparex_adapters.storage.sql.core.instant_key` text, sorting like the
  instant) and the whole :class:`~amparex_core.domain.operations.RunRecord` as a stored
  document. The index ``runs_place (workstation, kind, ended_at)`` serves the newest record
  of each workstation (one set-based query for the whole chain) and the record before a
  new one; ``runs_ended (ended_at)`` serves listings and the pruning that runs with the
  inserts: by age with each insert (an index range), by count with each insert up to
  :data:`COUNT_ALWAYS_UP_TO` rows and with about one in :data:`COUNT_EVERY` above (the
  count reads the index up to the limit), so a big log may exceed its count by about
  one percent between two checks.
* ``alerts`` — one row per open alert: the problem's key and the day it was last
  announced. Announcing is one ``INSERT … ON CONFLICT DO UPDATE … WHERE`` that changes a
  row only on a new day, so of several servers exactly one announces; clearing is one
  ``DELETE``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Final

from amparex_adapters.converters import stored
from amparex_core.domain.operations import (
    DEFAULT_RETENTION,
    WORKSTATION_KINDS,
    RunKind,
    RunRecord,
    RunRetention,
    carry_failures,
)
from amparex_core.domain.paging import check_limit

from .core import Cursor, SqlDatabase, instant_key
from .schema import SchemaStep

__all__ = ["COUNT_ALWAYS_UP_TO", "COUNT_EVERY", "SCHEMA", "SqlOperationsLog", "family_of"]

#: The family's schema steps (see :mod:`.schema`).
SCHEMA: Final = (
    SchemaStep(
        5,
        "operations",
        (
            """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            workstation TEXT NOT NULL,
            branch TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT NOT NULL,
            data TEXT NOT NULL)""",
            "CREATE INDEX runs_place ON runs (workstation, kind, ended_at)",
            "CREATE INDEX runs_ended ON runs (ended_at)",
            """CREATE TABLE alerts (
            key TEXT PRIMARY KEY,
            day TEXT NOT NULL)""",
        ),
    ),
)


def family_of(kind: RunKind) -> tuple[RunKind, ...]:
    """The kinds whose failures carry over to a run of *kind* (start and upload: one)."""
    return WORKSTATION_KINDS if kind in WORKSTATION_KINDS else (kind,)


#: Up to this many rows kept, the count is checked with every insert; above, with about
#: one insert in :data:`COUNT_EVERY` (the check reads the index up to the limit).
COUNT_ALWAYS_UP_TO: Final = 10_000
#: Above :data:`COUNT_ALWAYS_UP_TO` rows, about one insert in this many checks the count.
COUNT_EVERY: Final = 100


def _count_now(rows: int, run_id: uuid.UUID) -> bool:
    """Whether this insert checks the row limit (always for a small one; else sampled)."""
    return rows <= COUNT_ALWAYS_UP_TO or run_id.int % COUNT_EVERY == 0


def _marks(kinds: Sequence[RunKind]) -> tuple[str, list[str]]:
    return ", ".join("?" * len(kinds)), [k.value for k in kinds]


class SqlOperationsLog(SqlDatabase):
    """The run log in ``runs``, the alert ledger in ``alerts``."""

    def record_run(
        self, record: RunRecord, *, retention: RunRetention = DEFAULT_RETENTION
    ) -> RunRecord:
        """See :meth:`~amparex_core.ports.operations.RunLog.record_run`."""
        marks, kinds = _marks(family_of(record.kind))
        run_id = uuid.uuid4()

        def work(cur: Cursor) -> RunRecord:
            cur.execute(
                f"SELECT data FROM runs WHERE workstation = ? AND kind IN ({marks})"  # noqa: S608
                " ORDER BY ended_at DESC, id DESC LIMIT 1",
                (record.workstation, *kinds),
            )
            row = cur.fetchone()
            previous = None if row is None else stored.decode(row[0], RunRecord)
            kept = carry_failures(record, previous)
            cur.execute(
                "INSERT INTO runs (id, kind, workstation, branch, started_at, ended_at, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id.hex,
                    kept.kind.value,
                    kept.workstation,
                    kept.branch,
                    instant_key(kept.started_at),
                    instant_key(kept.ended_at),
                    stored.encode(kept),
                ),
            )
            cutoff = retention.cutoff(kept.ended_at)
            if cutoff is not None:
                cur.execute("DELETE FROM runs WHERE ended_at < ?", (instant_key(cutoff),))
            if retention.rows is not None and _count_now(retention.rows, run_id):
                cur.execute(
                    "SELECT ended_at FROM runs ORDER BY ended_at DESC LIMIT 1 OFFSET ?",
                    (retention.rows,),
                )
                edge = cur.fetchone()
                if edge is not None:
                    cur.execute("DELETE FROM runs WHERE ended_at <= ?", (edge[0],))
            return kept

        return self.write(work)

    def latest_runs(self, kinds: Sequence[RunKind]) -> list[RunRecord]:
        """See :meth:`~amparex_core.ports.operations.RunLog.latest_runs`."""
        if not kinds:
            return []
        marks, values = _marks(kinds)
        sql = (
            f"SELECT r.data FROM runs r WHERE r.kind IN ({marks}) AND NOT EXISTS ("  # noqa: S608
            f" SELECT 1 FROM runs n WHERE n.workstation = r.workstation AND n.kind IN ({marks})"
            " AND (n.ended_at > r.ended_at OR (n.ended_at = r.ended_at AND n.id > r.id)))"
            " ORDER BY r.workstation"
        )

        def work(cur: Cursor) -> list[RunRecord]:
            cur.execute(sql, (*values, *values))
            return [stored.decode(row[0], RunRecord) for row in cur.fetchall()]

        return self.read(work)

    def list_runs(
        self,
        *,
        kinds: Sequence[RunKind] | None = None,
        workstation: str | None = None,
        since: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[RunRecord]:
        """See :meth:`~amparex_core.ports.operations.RunLog.list_runs`."""
        check_limit(limit)
        where: list[str] = []
        params: list[object] = []
        if kinds is not None:
            if not kinds:
                return []
            marks, values = _marks(kinds)
            where.append(f"kind IN ({marks})")
            params.extend(values)
        if workstation is not None:
            where.append("workstation = ?")
            params.append(workstation)
        if since is not None:
            where.append("ended_at >= ?")
            params.append(instant_key(since))
        sql = "SELECT data FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ended_at DESC, started_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)

        def work(cur: Cursor) -> list[RunRecord]:
            cur.execute(sql, params)
            return [stored.decode(row[0], RunRecord) for row in cur.fetchall()]

        return self.read(work)

    # ------------------------------------------------------------ alerts

    def open_alerts(self) -> dict[str, dt.date]:
        """See :meth:`~amparex_core.ports.operations.AlertLedger.open_alerts`."""

        def work(cur: Cursor) -> dict[str, dt.date]:
            cur.execute("SELECT key, day FROM alerts")
            return {row[0]: dt.date.fromisoformat(row[1]) for row in cur.fetchall()}

        return self.read(work)

    def note_alert(self, key: str, *, day: dt.date) -> bool:
        """See :meth:`~amparex_core.ports.operations.AlertLedger.note_alert`."""

        def work(cur: Cursor) -> bool:
            cur.execute(
                "INSERT INTO alerts (key, day) VALUES (?, ?) ON CONFLICT (key)"
                " DO UPDATE SET day = excluded.day WHERE alerts.day <> excluded.day",
                (key, day.isoformat()),
            )
            return cur.rowcount == 1

        return self.write(work)

    def clear_alert(self, key: str) -> bool:
        """See :meth:`~amparex_core.ports.operations.AlertLedger.clear_alert`."""

        def work(cur: Cursor) -> bool:
            cur.execute("DELETE FROM alerts WHERE key = ?", (key,))
            return cur.rowcount == 1

        return self.write(work)
