"""Names of a package loaded on first use (PEP 562), so importing the package stays cheap.

A package lists where each public name lives (``{"CardOrder": ".orders"}``) and defines
its module ``__getattr__`` and ``__dir__`` with :func:`load` and :func:`names`; for type
checkers and readers the same names are imported under ``if TYPE_CHECKING:``. The first
access imports the defining module and stores the value in the package, so later accesses
are plain attribute reads.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping

__all__ = ["load", "names"]


def load(package: str, exports: Mapping[str, str], name: str) -> object:
    """The value of *name* in *package*, imported from the module *exports* names for it.

    Args:
        package: The package's ``__name__``.
        exports: Public name -> defining module, relative to *package* (``".orders"``).
        name: The attribute asked for.

    Returns:
        The value, now also stored in the package's namespace.

    Raises:
        AttributeError: *name* is not one of *exports* (as for any missing attribute).
    """
    where = exports.get(name)
    if where is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, package), name)
    setattr(sys.modules[package], name, value)
    return value


def names(package: str, exports: Mapping[str, str]) -> list[str]:
    """What ``dir(package)`` lists: its loaded names and every lazy one."""
    return sorted(set(vars(sys.modules[package])) | set(exports))
