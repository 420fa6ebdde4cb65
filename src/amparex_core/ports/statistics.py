"""The statistic-source port: runs a statistic template (LL5)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from amparex_core.domain._records import frozen

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.masterdata import StatisticTemplate

__all__ = ["StatisticResult", "StatisticSource"]


def _columns(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@frozen
class StatisticResult:
    """The outcome of running a statistic: column names and a lazy stream of rows."""

    columns: tuple[str, ...] = attrs.field(converter=_columns)
    rows: Iterator[Sequence[object]] = attrs.field(eq=False, repr=False)


@runtime_checkable
class StatisticSource(Protocol):
    """Runs statistic templates."""

    def run(self, template: StatisticTemplate) -> AbstractContextManager[StatisticResult]:
        """Run *template* and stream its rows.

        The rows are produced lazily while the context is open; leaving the context
        releases cursors and connections, also when the rows were not all read.

        Args:
            template: The statistic template (its ``query``).

        Returns:
            A context manager yielding the :class:`StatisticResult`.

        Raises:
            StatisticFailed: The query cannot be run (on entering) or broke while
                streaming (while iterating).
        """
        ...
