"""Adapters of the statistics port (running statistic templates, LL5).

* :mod:`.sql` — :class:`~.sql.SqlStatisticSource`: a template's SQL on any DB-API 2
  connection (sqlite3, psycopg 3 with a server-side cursor), rows streamed in batches;
  on an amparex store's SQLite file it never reads the store's secrets (CO1).
* :mod:`.memory` — :class:`~.memory.MemoryStatisticSource`: data sets given in code, for
  tests and demos.

:func:`open_statistics` picks a source by the URL of the database, looked up by scheme in
the ``amparex.statistics`` entry points (:mod:`amparex_adapters.registry`): amparex-core
registers ``sqlite`` (:func:`~.sql.open_sqlite`, read-only) and ``postgresql``/``postgres``
(:func:`~.sql.open_postgres`, extra ``postgres``).

Importing this package loads no third-party library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from amparex_core.ports.statistics import StatisticSource

__all__ = ["open_statistics"]


def open_statistics(url: str) -> StatisticSource:
    """A statistic source on the database *url* names.

    Args:
        url: ``sqlite:///abs/path`` (opened read-only), ``postgresql://…`` or a URL of a
            scheme another distribution registers under ``amparex.statistics``.

    Returns:
        The source; it connects for each run.

    Raises:
        ValueError: *url* is not a URL, or not one its adapter accepts.
        AdapterUnknown: No installed adapter has the URL's scheme.
        MissingExtraError: The scheme's extra is not installed.
    """
    from amparex_adapters.registry import STATISTICS, StatisticsFactory

    scheme, sep, _rest = url.partition("://")
    if not sep:
        raise ValueError("a sqlite:///abs/path or postgresql:// URL")
    factory: StatisticsFactory = STATISTICS.load(scheme.lower())
    return factory(url)
