"""Core benchmarks: the domain's hot paths and the import time, against plain Python.

* ``csv_encode_100k`` — ``encode_csv`` of 100,000 rows vs a bare ``csv.writer`` loop.
* ``resolve_10k_memory`` — resolving among 10,000 configurations in the in-memory store
  vs a list comprehension over the same configurations.
* ``import_amparex_core`` — ``python -c 'import amparex_core'`` vs ``python -c 'import csv'``,
  a fresh interpreter per call (wall-clock time of the whole process, start-up included).
* ``import_amparex_cli`` — ``python -c 'import amparex_adapters.cli.app'`` vs
  ``python -c 'import click'`` (the CLI is built on click).
* ``startup_noop_process`` — the whole ``amparex --config WS.toml startup`` process of a
  workstation with nothing to do (SQLite store; the day's four Loyalty Lab files exist
  and are uploaded) vs ``python -c 'import sqlite3, csv'``; issue 16 target ≤ 5.
* ``startup_noop_instructions`` — the same two processes, each run under valgrind's
  cachegrind, which counts the instructions they execute (in millions): a figure a busy
  machine does not move, for comparing two versions of the start. It runs higher than
  the wall-clock ratio (the bare interpreter spends more of its time loading than
  executing) and has no target of its own; skipped where valgrind is not installed.

Every fresh interpreter runs with byte-compiled modules, as an installation has them
(:data:`START_ENV`: a test environment may set ``PYTHONDONTWRITEBYTECODE``, and every
start would compile the library and its dependencies again).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain.csvdialect import CsvDialect, encode_csv
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, InterfaceKind
from amparex_core.domain.secret import SecretRef
from amparex_core.services import InterfaceService
from benchmarks._harness import Case, Group, Run, Skip


def csv_cases(run: Run) -> Iterator[Case]:
    """encode_csv vs csv.writer on the same rows."""
    count = run.scaled(100_000, 100)
    rows = [(i, f"Kunde {i}", Decimal("30.00"), dt.date(2026, 1, 1)) for i in range(count)]
    columns = ["id", "name", "amount", "since"]

    def ours() -> None:
        for _ in encode_csv(CsvDialect(), columns, rows):
            pass

    def baseline() -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        for i, name, amount, since in rows:
            writer.writerow([i, name, str(amount).replace(".", ","), since.strftime("%Y%m%d")])
        buffer.getvalue().encode("utf-8-sig")

    yield Case(
        "csv_encode_100k",
        "bare csv.writer loop into a StringIO, encoded utf-8-sig",
        ours,
        baseline,
        warmup=1,
        params={"rows": count},
    )


def resolve_cases(run: Run) -> Iterator[Case]:
    """Interface resolution among 10,000 configurations in memory."""
    store = MemoryStorage()
    settings = CardOrderSettings(contract="KV", key=SecretRef("card_key"))
    count = run.scaled(10_000, 100)
    configs = [
        InterfaceConfig(
            id=f"c{i}",
            kind=InterfaceKind.CARD_ORDER,
            settings=settings,
            display_name=f"n{i}",
            branch=f"F{i % 100:02d}",
            workstation=None if i % 3 else f"W{i}",
        )
        for i in range(count)
    ]
    # add_interface checks uniqueness by a scan (10,000 adds take over a minute): the
    # keys are checked distinct here once and the store filled directly.
    assert len({c.uniqueness_key() for c in configs}) == count
    store._interfaces.update((c.id, c) for c in configs)
    service = InterfaceService(store)
    configs = store.search_interfaces()
    on = dt.date(2026, 11, 23)

    def ours() -> None:
        service.available(InterfaceKind.CARD_ORDER, branch="F07", workstation="W7", on=on)

    def baseline() -> None:
        [c for c in configs if c.branch in (None, "F07") and c.workstation in (None, "W7")]

    yield Case(
        "resolve_10k_memory",
        "list comprehension over the same configurations",
        ours,
        baseline,
        inner=20,
        warmup=1,
        params={"configurations": count},
    )


#: The fresh interpreters' environment: byte-compiled modules, as an installation has them.
START_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _python(statement: str) -> None:
    subprocess.run([sys.executable, "-c", statement], check=True, env=START_ENV)


def import_cases(run: Run) -> Iterator[Case]:
    """Import time in a fresh interpreter, ours vs a standard-library or click import."""
    inner = run.scaled(4, 1)
    yield Case(
        "import_amparex_core",
        "python -c 'import csv' (fresh interpreter each)",
        lambda: _python("import amparex_core"),
        lambda: _python("import csv"),
        inner=inner,
        warmup=1,
        target=2.5,
        params={"calls_per_round": inner},
        note="wall time of the whole python -c process: the interpreter's start-up (most "
        "of the baseline's time) is on both sides",
    )
    yield Case(
        "import_amparex_cli",
        "python -c 'import click' (fresh interpreter each)",
        lambda: _python("import amparex_adapters.cli.app"),
        lambda: _python("import click"),
        inner=inner,
        warmup=1,
        params={"calls_per_round": inner},
    )


def noop_workstation(folder: Path) -> Path:
    """A workstation with nothing to do at its start, on its own SQLite store: the day's
    four Loyalty Lab files exist and the ledger says they were uploaded. Its configuration."""
    from amparex_adapters.masterdata.sql import SqlMasterData
    from amparex_adapters.storage.sqlite import SqliteStorage
    from benchmarks.chain import MASTER, _config, _prepare_workstations

    path = folder / "ws.sqlite"
    store = SqliteStorage(path)
    try:
        SqlMasterData(store).add(*MASTER)
        server = _prepare_workstations(store, folder, [(5, "WS05")])
    finally:
        store.close()
    path.chmod(0o600)  # as OP6 wants them: no warning at the start
    (folder / "outbox" / "WS05").chmod(0o700)
    return _config(folder, "WS05", f'path = "{path}"', server)


def startup_process_cases(run: Run) -> Iterator[Case]:
    """The whole ``amparex startup`` process with nothing to do vs a bare interpreter."""
    inner = run.scaled(4, 1)
    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as tmp:
        config = noop_workstation(Path(tmp))
        command = [sys.executable, "-m", "amparex_adapters.cli", "--config", str(config)]
        outputs: list[str] = []

        def ours() -> None:
            done = subprocess.run(
                [*command, "startup"], check=True, capture_output=True, text=True, env=START_ENV
            )
            outputs[:] = [done.stdout]

        def check() -> None:
            if "nothing new to upload" not in outputs[0] or "exported" in outputs[0]:
                raise AssertionError(f"the start was not a no-op: {outputs[0]!r}")

        yield Case(
            "startup_noop_process",
            "python -c 'import sqlite3, csv' (fresh interpreter each)",
            ours,
            lambda: _python("import sqlite3, csv"),
            inner=inner,
            warmup=1,
            target=5.0,
            check=check,
            params={"calls_per_round": inner},
            note="issue 16 target <= 5: the whole process (interpreter, imports, configuration, "
            "store, the four files and the ledger checked, output) of a start with nothing to do",
        )


#: Fixed hash seed: with it a process executes the same instructions every time.
COUNT_ENV = {**START_ENV, "PYTHONHASHSEED": "0"}

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count_instructions(argv: list[str]) -> tuple[float, str]:
    """Millions of instructions the process *argv* executes, and its output.

    Counted by valgrind's cachegrind without its cache simulation (``I refs``), with
    :data:`COUNT_ENV`.

    Raises:
        RuntimeError: valgrind printed no count.
    """
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         *argv],
        check=True, capture_output=True, text=True, env=COUNT_ENV,
    )  # fmt: skip
    found = _REFS.search(done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count: {done.stderr[-500:]!r}")
    return int(found[1].replace(",", "")) / 1e6, done.stdout


def startup_instruction_cases(run: Run) -> Iterator[Case | Skip]:
    """The no-op start and the bare interpreter, in instructions counted by valgrind."""
    name = "startup_noop_instructions"
    if shutil.which("valgrind") is None:
        yield Skip(name, "valgrind is not installed")
        return
    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as tmp:
        config = noop_workstation(Path(tmp))
        command = [sys.executable, "-m", "amparex_adapters.cli", "--config", str(config)]
        outputs: list[str] = []

        def ours() -> float:
            count, out = count_instructions([*command, "startup"])
            outputs[:] = [out]
            return count

        def check() -> None:
            if "nothing new to upload" not in outputs[0] or "exported" in outputs[0]:
                raise AssertionError(f"the start was not a no-op: {outputs[0]!r}")

        yield Case(
            name,
            "python -c 'import sqlite3, csv', instructions counted the same way",
            ours,
            lambda: count_instructions([sys.executable, "-c", "import sqlite3, csv"])[0],
            unit="Minstr",
            warmup=1,
            check=check,
            params={"counter": "valgrind --tool=cachegrind --cache-sim=no", "hash_seed": 0},
            note="no target: a deterministic companion of startup_noop_process for comparing "
            "versions; instructions, not time (the bare interpreter's time is mostly loading)",
        )


GROUPS = (
    Group(("csv_encode_100k",), csv_cases),
    Group(("resolve_10k_memory",), resolve_cases),
    Group(("import_amparex_core", "import_amparex_cli"), import_cases),
    Group(("startup_noop_process",), startup_process_cases),
    Group(("startup_noop_instructions",), startup_instruction_cases),
)
