"""Paged listings: keyset paging by the key of the last item of the page before.

A listing of the store is sorted by a key that is unique per item — an order by
``(placed_at, id)``, a card by its number, a ledger row by ``(destination, name)``. A page
is the first *limit* items whose key sorts after the cursor, the key of the previous
page's last item. Pages so never overlap and never leave an item out, however far apart
in time they are read: an item added meanwhile shows on a later page when it sorts after
the cursor. A store does this with its database's index (``ORDER BY … LIMIT``); this
module states the rule once, for stores that sort in memory.

>>> page([8, 1, 5, 3, 2], key=lambda n: n, limit=2, after=2)
[3, 5]
>>> page([8, 1, 5, 3, 2], key=lambda n: n, limit=None, after=None)
[1, 2, 3, 5, 8]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .orders import CardOrder

__all__ = ["T", "check_limit", "order_key", "page"]

#: The items of a listing.
T = TypeVar("T")


def check_limit(limit: int | None) -> None:
    """Refuse a page size below 1.

    Raises:
        ValueError: *limit* is below 1.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"a page holds at least one item, not {limit}")


def page(items: Iterable[T], *, key: Callable[[T], Any], limit: int | None, after: Any) -> list[T]:
    """The page of *items*: sorted by *key*, after the cursor *after*, at most *limit*.

    Args:
        items: Every item of the listing (filtered already).
        key: The sort key, unique per item.
        limit: The page size; ``None``: every item after the cursor.
        after: The key of the last item of the page before; ``None``: from the start.

    Raises:
        ValueError: *limit* is below 1.
    """
    check_limit(limit)
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if after < key(item)]
    return ordered if limit is None else ordered[:limit]


def order_key(order: CardOrder) -> tuple[dt.datetime, str]:
    """The key orders are listed by: when they were placed, then their ID."""
    return (order.placed_at, order.id)
