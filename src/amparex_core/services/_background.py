"""Run a use case in a daemon thread, its answer handed over through a future."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["in_background"]

T = TypeVar("T")


def in_background(work: Callable[[], T], *, name: str) -> Future[T]:
    """Start *work* in a daemon thread called *name*.

    Returns:
        A future with what *work* returned, or the exception it raised.
    """
    from concurrent.futures import Future  # (a host application's background run)

    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():  # pragma: no cover - race
            return
        try:
            future.set_result(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller via the future
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
