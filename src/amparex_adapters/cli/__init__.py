"""The ``amparex`` command (extra ``cli``): a TOML configuration wired to the library.

``main`` is the console script; ``python -m amparex_adapters.cli`` runs it too. The
root command and its global options live in :mod:`amparex_adapters.cli.app`, one module
per command group in :mod:`amparex_adapters.cli.commands` (``interfaces``,
``templates``, ``orders``, ``startup``, ``serve``, ``outbox``, ``cards``, ``config``,
``masterdata``, ``demo``), the state, error handling, shared options and logging set-up
in :mod:`amparex_adapters.cli.shell`, the configuration in
:mod:`amparex_adapters.cli.config`, the wiring of adapters in
:mod:`amparex_adapters.cli.compose`, the demo in :mod:`amparex_adapters.cli.demo`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .shell import AmparexGroup

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Run the ``amparex`` command.

    As the program of its process, the command lets the process end without CPython's
    last garbage collection: at exit it freezes what it holds (:func:`gc.freeze`), so the
    interpreter does not walk every module, class and function once more only to free
    memory the operating system takes back anyway (about 15 ms of a program start of
    150). Files and stores are closed by the command before; ``atexit`` functions, the
    ``logging`` shutdown and :class:`weakref.finalize` callbacks still run.

    The collector is also paused while the command's modules are imported, the first
    time in a process: classes, functions and modules are never garbage, and the
    collections an import of some 230 modules triggers only walk them. Afterwards they
    are frozen as well (so the collections of the run skip them too) and the collector
    runs again before the command does its work. A process that switched the collector
    off keeps it off, and nothing is frozen then. About 2 % of a program start's
    instructions; what stays behind is the little cyclic garbage the imports leave
    (about 1,300 objects, such as the classes attrs rebuilds with slots).

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).
    """
    _end_without_last_collection()
    try:
        cli = _import_app()
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "click"
        print(
            f"amparex: error [config.extra_missing]: the command needs {missing!r}: "
            'pip install "amparex-core[cli]"',
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    cli.main(args=argv, prog_name="amparex")


def _import_app() -> AmparexGroup:
    """The root command, imported with the collector paused the first time (see ``main``)."""
    import gc

    pause = gc.isenabled() and "amparex_adapters.cli.app" not in sys.modules
    if pause:
        gc.disable()
    try:
        from .app import cli
    finally:
        if pause:
            gc.freeze()
            gc.enable()
    return cli


def _end_without_last_collection() -> None:
    global _FREEZE_AT_EXIT  # noqa: PLW0603 - once per process
    if not _FREEZE_AT_EXIT:
        import atexit
        import gc

        atexit.register(gc.freeze)
        _FREEZE_AT_EXIT = True


_FREEZE_AT_EXIT = False
