"""Adapters of the statistics port (running statistic templates, LL5).

* :mod:`.sql` — :class:`~.sql.SqlStatisticSource`: a template's SQL on any DB-API 2
  connection (sqlite3, psycopg 3 with a server-side cursor), rows streamed in batches.
* :mod:`.memory` — :class:`~.memory.MemoryStatisticSource`: data sets given in code, for
  tests and demos.

Importing this package loads no third-party library.
"""
