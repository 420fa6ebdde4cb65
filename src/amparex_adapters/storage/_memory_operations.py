"""The run log and the alert ledger in memory (:mod:`amparex_core.ports.operations`).

A part of :class:`~amparex_adapters.storage.memory.MemoryStorage`: the same rules as the
SQL store (failures carried from the record before, pruning by age and count, one
announcement per problem and day), under one lock.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Sequence

from amparex_core.domain.operations import (
    DEFAULT_RETENTION,
    WORKSTATION_KINDS,
    RunKind,
    RunRecord,
    RunRetention,
    carry_failures,
)
from amparex_core.domain.paging import check_limit

__all__ = ["MemoryOperationsLog"]


def _family(kind: RunKind) -> tuple[RunKind, ...]:
    return WORKSTATION_KINDS if kind in WORKSTATION_KINDS else (kind,)


class MemoryOperationsLog:
    """Run records and open alerts in memory; thread-safe."""

    def __init__(self) -> None:
        self._ops_lock = threading.Lock()
        self._runs: list[tuple[dt.datetime, int, RunRecord]] = []
        self._run_ids = itertools.count()
        self._alerts: dict[str, dt.date] = {}

    def _newest_first(self) -> list[tuple[dt.datetime, int, RunRecord]]:
        return sorted(self._runs, key=lambda r: (r[0], r[2].started_at, r[1]), reverse=True)

    def record_run(
        self, record: RunRecord, *, retention: RunRetention = DEFAULT_RETENTION
    ) -> RunRecord:
        """See :meth:`~amparex_core.ports.operations.RunLog.record_run`."""
        family = _family(record.kind)
        with self._ops_lock:
            previous = next(
                (
                    r
                    for _, _, r in self._newest_first()
                    if r.workstation == record.workstation and r.kind in family
                ),
                None,
            )
            kept = carry_failures(record, previous)
            self._runs.append((kept.ended_at, next(self._run_ids), kept))
            cutoff = retention.cutoff(kept.ended_at)
            if cutoff is not None:
                self._runs = [r for r in self._runs if r[0] >= cutoff]
            if retention.rows is not None and len(self._runs) > retention.rows:
                edge = self._newest_first()[retention.rows][0]
                self._runs = [r for r in self._runs if r[0] > edge]
            return kept

    def latest_runs(self, kinds: Sequence[RunKind]) -> list[RunRecord]:
        """See :meth:`~amparex_core.ports.operations.RunLog.latest_runs`."""
        with self._ops_lock:
            newest: dict[str, RunRecord] = {}
            for _, _, record in sorted(self._runs, key=lambda r: (r[0], r[1])):
                if record.kind in kinds:
                    newest[record.workstation] = record
            return [newest[w] for w in sorted(newest)]

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
        with self._ops_lock:
            found = [
                r
                for ended, _, r in self._newest_first()
                if (kinds is None or r.kind in kinds)
                and (workstation is None or r.workstation == workstation)
                and (since is None or ended >= since)
            ]
        return found if limit is None else found[:limit]

    def open_alerts(self) -> dict[str, dt.date]:
        """See :meth:`~amparex_core.ports.operations.AlertLedger.open_alerts`."""
        with self._ops_lock:
            return dict(self._alerts)

    def note_alert(self, key: str, *, day: dt.date) -> bool:
        """See :meth:`~amparex_core.ports.operations.AlertLedger.note_alert`."""
        with self._ops_lock:
            if self._alerts.get(key) == day:
                return False
            self._alerts[key] = day
            return True

    def clear_alert(self, key: str) -> bool:
        """See :meth:`~amparex_core.ports.operations.AlertLedger.clear_alert`."""
        with self._ops_lock:
            return self._alerts.pop(key, None) is not None
