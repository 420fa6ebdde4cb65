"""Core benchmarks: the domain's hot paths and the import time, against plain Python.

* ``csv_encode_100k`` — ``encode_csv`` of 100,000 rows vs a bare ``csv.writer`` loop.
* ``resolve_10k_memory`` — resolving among 10,000 configurations in the in-memory store
  vs a list comprehension over the same configurations.
* ``import_amparex_core`` — ``python -c 'import amparex_core'`` vs ``python -c 'import csv'``,
  a fresh interpreter per call (wall-clock time of the whole process, start-up included).
* ``import_amparex_cli`` — ``python -c 'import amparex_adapters.cli.app'`` vs
  ``python -c 'import click'`` (the CLI is built on click).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal

from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain.csvdialect import CsvDialect, encode_csv
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, InterfaceKind
from amparex_core.domain.secret import SecretRef
from amparex_core.services import InterfaceService
from benchmarks._harness import Case, Group, Run


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


def _python(statement: str) -> None:
    subprocess.run([sys.executable, "-c", statement], check=True)


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


GROUPS = (
    Group(("csv_encode_100k",), csv_cases),
    Group(("resolve_10k_memory",), resolve_cases),
    Group(("import_amparex_core", "import_amparex_cli"), import_cases),
)
