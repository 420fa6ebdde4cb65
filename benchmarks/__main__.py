"""Run every benchmark module of this package in turn."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    """Import and run each ``benchmarks.<name>`` module's ``main()``."""
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )
    wanted = set(sys.argv[1:])
    for name in names:
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        run = getattr(module, "main", None)
        if run is not None:
            run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
