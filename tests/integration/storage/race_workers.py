"""Worker side of the process-concurrency tests: runs in spawned OS processes.

Every worker opens its own store (its own connection, as a workstation would), then
for each round waits at a barrier shared by all workers and makes one contested attempt.
It reports per round ``("won", id)``, ``("dup", id named by the refusal)`` or
``("error", repr)``.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from amparex_adapters.storage import open_storage
from amparex_core.domain.cards import CardUid
from amparex_core.domain.errors import CardUidTaken, InterfaceDuplicate
from amparex_core.domain.uploads import ClaimResult, FileFacts
from amparex_core.ports.storage import Storage
from tests.integration.storage import builders as b

_barrier: Any = None

Outcome = tuple[str, str]


def init(barrier: threading.Barrier) -> None:
    """Pool initializer: keep the barrier all workers share."""
    global _barrier  # noqa: PLW0603
    _barrier = barrier


def round_uid(round_no: int) -> CardUid:
    """The UID all workers fight over in round *round_no*."""
    return CardUid((0x04000000 + round_no).to_bytes(7, "big"))


def card_number(round_no: int, worker: int) -> str:
    """The card of *worker* in round *round_no*."""
    return f"C-{round_no:04d}-{worker}"


def _attempt(store: Storage, rule: str, worker: int, round_no: int) -> Outcome:
    try:
        if rule == "interface":
            config = b.card_order_config(
                f"I-{round_no:04d}-{worker}", branch=f"F{round_no:04d}", display_name="Karten"
            )
            store.add_interface(config)
            return ("won", config.id)
        if rule == "order":
            placed, stored = store.add_order(b.order(f"O-{round_no:04d}-{worker}", f"P-{round_no}"))
            return ("won" if stored else "dup", placed.id)
        if rule == "claim":
            facts = FileFacts(size=1, sha256=f"{worker:064x}")
            result, record = store.claim_upload(
                "LL-1", f"f{round_no:04d}.csv", facts, now=b.T0, lease=dt.timedelta(hours=1)
            )
            assert record is not None
            return ("won" if result is ClaimResult.CLAIMED else "dup", record.facts.sha256)
        if rule == "uid":
            linked = store.set_card_uid(card_number(round_no, worker), round_uid(round_no))
            return ("won", linked.number)
    except InterfaceDuplicate as exc:
        return ("dup", exc.existing_id)
    except CardUidTaken as exc:
        return ("dup", exc.card_number)
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        return ("error", repr(exc))
    return ("error", f"unknown rule {rule}")


def contest(args: tuple[str, str, int, int]) -> list[Outcome]:
    """Make *rounds* contested attempts of *rule* on the store at *url* as *worker*."""
    rule, url, worker, rounds = args
    store = open_storage(url)
    try:
        outcomes = []
        for round_no in range(rounds):
            _barrier.wait(timeout=60)
            outcomes.append(_attempt(store, rule, worker, round_no))
        return outcomes
    finally:
        store.close()
