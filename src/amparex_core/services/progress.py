"""Progress reporting of long-running use cases."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress"]

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, item)`` while long work proceeds."""
