"""The run log and the alert ledger of a store (OP1, OP3): :class:`OperationsContract`."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

from amparex_core.domain.operations import RunFailure, RunKind, RunRecord, RunRetention
from amparex_core.ports.operations import OperationsLog
from amparex_core.ports.storage import Storage

__all__ = ["OperationsContract"]

T0 = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
FAIL = RunFailure(code="delivery.failed", subject="LL-1/kunden.csv")


def _run(
    kind: RunKind, where: str, minutes: int, *failures: RunFailure, branch: str = "F01"
) -> RunRecord:
    at = T0 + dt.timedelta(minutes=minutes)
    return RunRecord(kind, where, branch, at, at + dt.timedelta(seconds=5), failures=failures)


class OperationsContract:
    """The contract of :class:`~amparex_core.ports.operations.OperationsLog` (OP1, OP3).

    Fixture to provide:
        ``make_storage``: a callable; each call returns a new, empty store that keeps
        the run log (the storage contract's fixture serves).
    """

    @pytest.fixture
    def operations(self, make_storage: Callable[[], Any]) -> Iterator[Any]:
        """One new store, closed after the test."""
        store: Storage = make_storage()
        assert isinstance(store, OperationsLog)
        yield store
        store.close()

    def test_op1_a_record_comes_back_newest_first(self, operations: OperationsLog) -> None:
        """OP1: every run is recorded with its place, times, counts and refusal codes."""
        first = attrs.evolve(_run(RunKind.STARTUP, "KASSE-1", 0), exported=4, uploaded=3)
        operations.record_run(first)
        operations.record_run(_run(RunKind.TICK, "srv-1", 1))
        runs = operations.list_runs()
        assert [r.kind for r in runs] == [RunKind.TICK, RunKind.STARTUP]
        assert runs[1].exported == 4 and runs[1].uploaded == 3
        assert runs[1].branch == "F01" and runs[1].started_at == first.started_at
        assert operations.list_runs(kinds=[RunKind.TICK], limit=5)[0].workstation == "srv-1"
        assert operations.list_runs(workstation="KASSE-1") == [first]
        assert operations.list_runs(since=T0 + dt.timedelta(minutes=1)) == runs[:1]
        assert operations.list_runs(kinds=[]) == []
        with pytest.raises(ValueError, match=r"\b0\b"):
            operations.list_runs(limit=0)

    def test_op1_a_failure_keeps_its_first_sighting(self, operations: OperationsLog) -> None:
        """OP1: a failure repeated by the next start or upload run counts its attempts."""
        operations.record_run(_run(RunKind.STARTUP, "KASSE-1", 0, FAIL))
        operations.record_run(_run(RunKind.STARTUP, "KASSE-2", 1, FAIL))
        again = operations.record_run(_run(RunKind.UPLOAD, "KASSE-1", 10, FAIL))
        assert again.failures[0].first_seen == T0
        assert again.failures[0].attempts == 2
        assert again.codes == ("delivery.failed",)
        healed = operations.record_run(_run(RunKind.STARTUP, "KASSE-1", 20))
        assert healed.failures == () and healed.outcome == "ok"
        fresh = operations.record_run(_run(RunKind.STARTUP, "KASSE-1", 30, FAIL))
        assert fresh.failures[0].first_seen == T0 + dt.timedelta(minutes=30)

    def test_op1_latest_runs_of_each_workstation(self, operations: OperationsLog) -> None:
        """OP1: the newest record of each workstation, one answer for the whole chain."""
        for minute, where in enumerate(["KASSE-1", "KASSE-2", "KASSE-1", "KASSE-3"]):
            operations.record_run(_run(RunKind.STARTUP, where, minute))
        operations.record_run(_run(RunKind.UPLOAD, "KASSE-2", 9))
        operations.record_run(_run(RunKind.TICK, "srv-1", 10))
        latest = operations.latest_runs([RunKind.STARTUP, RunKind.UPLOAD])
        assert [(r.workstation, r.kind) for r in latest] == [
            ("KASSE-1", RunKind.STARTUP),
            ("KASSE-2", RunKind.UPLOAD),
            ("KASSE-3", RunKind.STARTUP),
        ]
        assert latest[0].started_at == T0 + dt.timedelta(minutes=2)
        assert [r.workstation for r in operations.latest_runs([RunKind.TICK])] == ["srv-1"]
        assert operations.latest_runs([]) == []

    def test_op1_retention_by_age_and_by_count(self, operations: OperationsLog) -> None:
        """OP1: records beyond the retention go as new ones are added."""
        keep = RunRetention(days=1, rows=3)
        for minute in range(5):
            operations.record_run(_run(RunKind.UPLOAD, "KASSE-1", minute), retention=keep)
        assert len(operations.list_runs()) == 3
        late = _run(RunKind.UPLOAD, "KASSE-2", 60 * 24 * 2)
        operations.record_run(late, retention=keep)
        assert operations.list_runs() == [late]

    def test_op3_one_announcement_per_problem_and_day(self, operations: OperationsLog) -> None:
        """OP3: of eight concurrent callers exactly one announces a problem on a day."""
        day = dt.date(2026, 11, 23)
        results: list[bool] = []
        barrier = threading.Barrier(8)

        def announce() -> None:
            barrier.wait()
            results.append(operations.note_alert("upload_failing:KASSE-1:x", day=day))

        threads = [threading.Thread(target=announce) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False] * 7 + [True]
        assert operations.open_alerts() == {"upload_failing:KASSE-1:x": day}
        assert operations.note_alert("upload_failing:KASSE-1:x", day=day) is False
        next_day = day + dt.timedelta(days=1)
        assert operations.note_alert("upload_failing:KASSE-1:x", day=next_day) is True
        assert operations.clear_alert("upload_failing:KASSE-1:x") is True
        assert operations.clear_alert("upload_failing:KASSE-1:x") is False
        assert operations.open_alerts() == {}
