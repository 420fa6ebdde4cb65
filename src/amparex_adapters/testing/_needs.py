"""The test-only libraries of the contract kit (extra ``testing``), or an error naming it.

Imported first by every module of the kit that needs them, so a missing library is a
:class:`~amparex_adapters._extras.MissingExtraError` that says what to install, not a bare
:class:`ModuleNotFoundError` from deep inside the kit.
"""

from __future__ import annotations

import importlib

from amparex_adapters._extras import MissingExtraError

__all__: list[str] = []

for _module in ("pytest", "hypothesis"):
    try:
        importlib.import_module(_module)
    except ImportError as exc:
        raise MissingExtraError(
            f'the amparex-core contract kit needs {_module!r}: pip install "amparex-core[testing]"'
        ) from exc
