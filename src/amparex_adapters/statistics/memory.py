"""A statistic source whose rows are given in code (tests, demos)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from amparex_core.domain.errors import StatisticFailed
from amparex_core.domain.masterdata import StatisticTemplate
from amparex_core.ports.statistics import StatisticResult

__all__ = ["MemoryStatisticSource"]


class MemoryStatisticSource:
    """A :class:`~amparex_core.ports.statistics.StatisticSource` over data sets in memory.

    A template's ``query`` names a data set registered with :meth:`add`. :attr:`runs`
    counts how often each query ran, so tests can prove a statistic was not executed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]] = {}
        self.runs: dict[str, int] = {}

    def add(self, query: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Register the data set answered for *query*."""
        with self._lock:
            self._sets[query] = (tuple(columns), [tuple(r) for r in rows])

    @contextmanager
    def run(self, template: StatisticTemplate) -> Iterator[StatisticResult]:
        """See :meth:`~amparex_core.ports.statistics.StatisticSource.run`."""
        with self._lock:
            found = self._sets.get(template.query)
            self.runs[template.query] = self.runs.get(template.query, 0) + 1
        if found is None:
            raise StatisticFailed(template_id=template.id, reason="no such data set")
        columns, rows = found
        yield StatisticResult(columns=columns, rows=iter(rows))
