"""``python -m tests.reliability._barrier_cli READY GO ARGS…``: the ``amparex`` command,
started behind a barrier.

The interpreter starts and imports the command first; then it writes the file READY and
waits until the file GO exists, and only then runs ``amparex ARGS`` (which reads its
configuration, opens the store and does its work). A test starts many of these, waits for
every READY, then creates GO: the commands begin their work at the same moment instead
of one interpreter start-up apart.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from amparex_adapters.cli import app as _app  # noqa: F401 - imported before the barrier
from amparex_adapters.cli import main


def _wait(ready: Path, go: Path, timeout: float = 60.0) -> None:
    ready.write_text("ready", encoding="utf-8")
    deadline = time.monotonic() + timeout
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"barrier: {go} did not appear within {timeout} s")
        time.sleep(0.002)


if __name__ == "__main__":
    _wait(Path(sys.argv[1]), Path(sys.argv[2]))
    main(sys.argv[3:])
