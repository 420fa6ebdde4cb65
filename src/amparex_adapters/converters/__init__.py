"""The JSON forms of the domain objects: cattrs converters, one ``make_converter()`` per format.

Serialisation is an edge concern: the domain classes know nothing of JSON. Each format
is a module with its own ``make_converter()``, all built on one base
(:func:`~amparex_adapters.converters.base.make_base_converter`), in the manner of
``cattrs.preconf``:

* :mod:`~amparex_adapters.converters.stored` — the documents the SQL stores keep (the
  card-contract key revealed: the store must give it back);
* :mod:`~amparex_adapters.converters.bundle` — master-data bundle records (TOML/JSON
  import, and the documents of :class:`~amparex_adapters.masterdata.sql.SqlMasterData`);
* :mod:`~amparex_adapters.converters.output` — what ``amparex … --json`` prints (a secret
  as ``********``, computed keys such as an order's total).

The base says how values are written everywhere (a :class:`~decimal.Decimal` as text,
dates and instants in ISO 8601, enums by value, tuples and sets as lists, a card UID in
canonical hex) and refuses to write a :class:`~amparex_core.domain.secret.Secret`: a
format must decide, and only the stored format writes it in clear text.

Nothing here imports cattrs before a converter is first used, so importing a store costs
no converter; each format's ``converter()`` makes its converter once, on first use.
The formats are pinned by golden files (``tests/golden/``): a stored document written by
0.1.0 reads back to the same object and is written again byte for byte.
"""

from __future__ import annotations

__all__: list[str] = []
