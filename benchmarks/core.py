"""Core benchmarks: the domain's hot paths against the plain-Python baseline they wrap.

* ``csv_encode_100k`` — ``encode_csv`` of 100,000 rows vs a bare ``csv.writer`` loop.
* ``resolve_10k_memory`` — resolving among 10,000 configurations in the in-memory store
  vs a list comprehension over the same configurations.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Callable
from decimal import Decimal

from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain.csvdialect import CsvDialect, encode_csv
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, InterfaceKind
from amparex_core.services import InterfaceService


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of *repeat* runs of *fn*, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, ours: float, baseline: float) -> None:
    """Print one result line."""
    print(f"{name:28s}  {ours * 1000:10.2f}ms  {baseline * 1000:10.2f}ms  {ours / baseline:6.2f}x")


def csv_case() -> None:
    """encode_csv vs csv.writer on the same rows."""
    rows = [(i, f"Kunde {i}", Decimal("30.00"), dt.date(2026, 1, 1)) for i in range(100_000)]
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

    report("csv_encode_100k", best_of(ours, 3), best_of(baseline, 3))


def resolve_case() -> None:
    """Interface resolution among 10,000 configurations."""
    store = MemoryStorage()
    settings = CardOrderSettings(contract="KV", key="k")
    for i in range(10_000):
        store.add_interface(
            InterfaceConfig(
                id=f"c{i}",
                kind=InterfaceKind.CARD_ORDER,
                settings=settings,
                display_name=f"n{i}",
                branch=f"F{i % 100:02d}",
                workstation=None if i % 3 else f"W{i}",
            )
        )
    service = InterfaceService(store)
    configs = store.search_interfaces()
    on = dt.date(2026, 11, 23)

    def ours() -> None:
        service.available(InterfaceKind.CARD_ORDER, branch="F07", workstation="W7", on=on)

    def baseline() -> None:
        [c for c in configs if c.branch in (None, "F07") and c.workstation in (None, "W7")]

    report("resolve_10k_memory", best_of(ours), best_of(baseline))


def main() -> None:
    """Run the core cases."""
    csv_case()
    resolve_case()


if __name__ == "__main__":
    main()
