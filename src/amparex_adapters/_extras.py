"""Importing the third-party library of an adapter, with a clear message when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError):
    """The optional dependency of an adapter is not installed."""


def require(module: str, extra: str) -> ModuleType:
    """Import *module*, or explain which extra installs it.

    Args:
        module: The module to import (``"paramiko"``).
        extra: The extra of amparex-core that installs it (``"sftp"``).

    Raises:
        MissingExtraError: The module is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f'this adapter needs {module!r}: pip install "amparex-core[{extra}]"'
        ) from exc
