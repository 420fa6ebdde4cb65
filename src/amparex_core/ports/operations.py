"""The operations ports: the run log (OP1) and the alert ledger (OP3), kept in the store.

Both are implemented by the library's stores (memory, SQLite, PostgreSQL) next to
:class:`~amparex_core.ports.storage.Storage`, and proven by the contract kit
(:class:`~amparex_adapters.testing.contracts.OperationsContract`). A store of a host
application that does not keep them leaves the run log out: nothing is recorded and
``amparex status`` refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from amparex_core.domain.operations import DEFAULT_RETENTION, RunKind, RunRecord, RunRetention

__all__ = ["AlertLedger", "OperationsLog", "RunLog"]


@runtime_checkable
class RunLog(Protocol):
    """Every program start, upload run, dispatch and server tick (OP1)."""

    def record_run(
        self, record: RunRecord, *, retention: RunRetention = DEFAULT_RETENTION
    ) -> RunRecord:
        """Store *record*, with the history of its repeated failures, and prune old records.

        In one write: the newest record of the same workstation and kind family (program
        start and upload run are one family) is read and
        :func:`~amparex_core.domain.operations.carry_failures` applied; then records
        beyond *retention* (ended before its cutoff at ``record.ended_at``, or beyond
        its row count, oldest first) are removed. A store may check a large row count
        on a sample of the inserts only (the SQL store: one in a hundred above 10,000
        rows), so the log may briefly exceed it by about one percent.

        Returns:
            The record as stored (its failures' first sighting and attempts set).
        """
        ...

    def latest_runs(self, kinds: Sequence[RunKind]) -> list[RunRecord]:
        """The newest record of each workstation among the records of *kinds*.

        One set-based query, however many workstations there are.

        Returns:
            Sorted by workstation.
        """
        ...

    def list_runs(
        self,
        *,
        kinds: Sequence[RunKind] | None = None,
        workstation: str | None = None,
        since: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[RunRecord]:
        """Records, newest first (by end, then start).

        Args:
            kinds: Only these kinds.
            workstation: Only this workstation's (or server's).
            since: Only records that ended at or after this instant.
            limit: At most this many (``None``: all).

        Raises:
            ValueError: *limit* is below 1.
        """
        ...


@runtime_checkable
class AlertLedger(Protocol):
    """Which problems were announced on which day (OP3), shared by every alerting process."""

    def open_alerts(self) -> dict[str, dt.date]:
        """Every open alert: the problem's key and the day it was last announced."""
        ...

    def note_alert(self, key: str, *, day: dt.date) -> bool:
        """Record that the problem *key* is announced on *day*.

        Atomic: of several callers on one day exactly one gets ``True``.

        Returns:
            ``False`` (nothing written) when it was announced on *day* already.
        """
        ...

    def clear_alert(self, key: str) -> bool:
        """Close the alert *key* (its problem cleared).

        Returns:
            Whether this call closed it (exactly one of several callers gets ``True``).
        """
        ...


@runtime_checkable
class OperationsLog(RunLog, AlertLedger, Protocol):
    """The run log and the alert ledger of one store."""
