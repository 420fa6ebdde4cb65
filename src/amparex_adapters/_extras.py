"""Importing the third-party library of an adapter, with a clear message when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError):
    """The optional dependency of an adapter is not installed."""


def require(module: str, extra: str, *, hint: str = "") -> ModuleType:
    """Import *module*, or explain which extra installs it.

    Args:
        module: The module to import (``"paramiko"``).
        extra: The extra of amparex-core that installs it (``"sftp"``).
        hint: What else may help when the module is there but cannot be imported (a
            system library it loads, another extra).

    Raises:
        MissingExtraError: The module is not installed, or it is but its import fails
            (then the message quotes the failure, e.g. psycopg without a libpq).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        root = module.partition(".")[0]
        if exc.name is not None and exc.name.partition(".")[0] == root:
            raise MissingExtraError(
                f'this adapter needs {module!r}: pip install "amparex-core[{extra}]"'
            ) from exc
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        more = f"; {hint}" if hint else ""
        raise MissingExtraError(
            f"{module!r} is installed but cannot be imported ({reason}){more}"
        ) from exc
