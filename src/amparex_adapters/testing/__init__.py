"""The contract kit: the port contract suites of amparex-core, for your own adapters.

Install it with ``pip install "amparex-core[testing]"`` (pytest and hypothesis). It has
three parts:

- :mod:`amparex_adapters.testing.contracts` — one test class per port
  (``StorageContract``, ``FileDeliveryContract``, …). Subclass one in your test suite and
  provide the fixture it names; pytest then runs the port's whole contract, hypothesis
  state machines included, on your adapter. The project's own ``tests/contract`` runs
  every shipped adapter through the same classes.
- :mod:`amparex_adapters.testing.strategies` — hypothesis strategies for every domain
  object.
- ``amparex_adapters.testing.plugin`` — a pytest plugin, registered under the
  ``pytest11`` entry point as ``amparex``. It is inactive unless asked for: it adds no
  tests, no options and changes no defaults; it only marks the tests of the contract
  classes you subclass (``amparex_contract``) and rewrites their assertions.

Importing this package imports neither pytest nor hypothesis (the plugin loads in every
pytest run of an environment where amparex-core is installed); its sub-modules
``contracts`` and ``strategies`` need the extra and raise
:class:`~amparex_adapters._extras.MissingExtraError` naming ``testing`` without it.
"""

__all__: list[str] = []
