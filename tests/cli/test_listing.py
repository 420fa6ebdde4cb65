"""Paged, filtered listings through the command: ``--limit``, ``--after``, ``--status``,
``--since``; the next page's cursor on stderr and as ``"next"`` in ``--json``."""

from __future__ import annotations

import json
from typing import Any

from .chain import Chain, add_card_ordering, add_loyalty_lab, add_templates, error_line

LATER = "2099-01-01T08:00:00+01:00"


def _pages(chain: Chain, *args: str) -> list[list[dict[str, Any]]]:
    """Every page of a listing with ``--json``, following ``next``."""
    pages: list[list[dict[str, Any]]] = []
    after: list[str] = []
    for _ in range(50):
        shown = json.loads(chain.ok(*args, *after, "--json").stdout)
        key = next(k for k in shown if k != "next")
        pages.append(shown[key])
        if shown["next"] is None:
            return pages
        after = ["--after", shown["next"]]
    raise AssertionError("the pages did not end")


def _orders(chain: Chain, count: int) -> None:
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    for n in range(count):
        holder = "K1" if n % 2 else "K2"
        chain.ok("orders", "place", "--template", "BASIS", "--holder", holder, "--process", f"P{n}")


def test_orders_list_pages_follow_the_cursor_and_filter(chain: Chain) -> None:
    _orders(chain, 7)
    everything = json.loads(chain.ok("orders", "list", "--json").stdout)
    assert isinstance(everything, list) and len(everything) == 7  # 0.1.0's shape
    pages = _pages(chain, "orders", "list", "--limit", "3")
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [o["id"] for p in pages for o in p] == [o["id"] for o in everything]
    first = chain.ok("orders", "list", "--limit", "3")
    assert f"amparex: more: amparex orders list --after {everything[2]['id']}" in first.stderr
    assert everything[3]["id"] not in first.stdout
    chain.ok("orders", "cancel", everything[0]["id"])
    cancelled = json.loads(chain.ok("orders", "list", "--status", "cancelled", "--json").stdout)
    assert [o["id"] for o in cancelled] == [everything[0]["id"]]
    pending = _pages(chain, "orders", "list", "--status", "pending", "--limit", "4")
    assert [o["id"] for p in pending for o in p] == [o["id"] for o in everything[1:]]
    today = everything[0]["placed_at"][:10]
    since = json.loads(chain.ok("orders", "list", "--since", today, "--json").stdout)
    assert len(since) == 7
    future = json.loads(chain.ok("orders", "list", "--since", "2098-01-01", "--json").stdout)
    assert future == []
    unknown = chain.run("orders", "list", "--after", "no-such-order")
    assert unknown.exit_code == 1
    assert error_line(unknown.stderr).startswith("amparex: error [order.unknown]")
    bad = chain.run("orders", "list", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.stderr


def test_cards_list_pages(chain: Chain) -> None:
    _orders(chain, 5)
    chain.ok("orders", "dispatch", "--now", LATER)
    everything = json.loads(chain.ok("cards", "list", "--json").stdout)
    assert len(everything) == 5
    pages = _pages(chain, "cards", "list", "--limit", "2")
    assert [c["number"] for p in pages for c in p] == sorted(c["number"] for c in everything)
    last = chain.ok("cards", "list", "--limit", "5", "--json")
    assert json.loads(last.stdout)["next"] is None and "more:" not in last.stderr


def test_LL8_outbox_list_shows_the_ledger_in_pages(chain: Chain) -> None:
    add_loyalty_lab(chain)
    assert chain.sub("startup").returncode == 0
    ledger = json.loads(chain.ok("outbox", "list", "--json").stdout)
    assert len(ledger) == 4 and {r["state"] for r in ledger} == {"uploaded"}
    (destination,) = {r["destination"] for r in ledger}
    assert destination.endswith("/server")
    mine = json.loads(chain.ok("outbox", "list", "--destination", destination, "--json").stdout)
    assert mine == ledger
    pages = _pages(chain, "outbox", "list", "--limit", "3", "--state", "uploaded")
    assert [r["name"] for p in pages for r in p] == [r["name"] for r in ledger]
    assert json.loads(chain.ok("outbox", "list", "--state", "claimed", "--json").stdout) == []
    other = chain.ok("outbox", "list", "--destination", "other", "--json")
    assert json.loads(other.stdout) == []
    table = chain.ok("outbox", "list").stdout
    assert all(r["name"] in table for r in ledger)
    bad = chain.run("outbox", "list", "--after", "no-slash")
    assert bad.exit_code == 2 and "DEST/NAME" in bad.stderr
