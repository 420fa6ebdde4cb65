"""Paged, filtered listings of the store (orders, cards, the upload ledger): ``ListingContract``.

A part of :class:`~amparex_adapters.testing.contracts.StorageContract`. For every page
size and filter, the pages read one after the other by the key of each page's last item
are disjoint and, joined, exactly the unpaged listing, which holds the items the filter
selects in key order (:mod:`amparex_core.domain.paging`). Items added between two pages
never show twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amparex_core.domain import errors
from amparex_core.domain.orders import CardOrder, OrderStatus, ProcessRef
from amparex_core.domain.paging import order_key
from amparex_core.domain.uploads import ClaimResult, UploadRecord, UploadState
from amparex_core.ports import Storage

from ._machines import FACTS, LEASE, T0, card
from ._world import World

__all__ = ["ListingContract"]

T = TypeVar("T")

#: Instants the listed orders are placed at: several orders share each (ties by ID).
PLACED = tuple(T0 + dt.timedelta(minutes=m) for m in (0, 5, 5, 10, 20))
_PAGING = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def read_pages(
    fetch: Callable[[int, Any], list[T]], limit: int, cursor: Callable[[T], Any]
) -> list[list[T]]:
    """Every page of a listing: *fetch(limit, after)* until a page is not full.

    A listing that does not move on (a page after the cursor repeating it) fails after
    a hundred pages instead of looping.
    """
    pages: list[list[T]] = []
    after = None
    for _ in range(100):
        got = fetch(limit, after)
        assert len(got) <= limit
        pages.append(got)
        if len(got) < limit:
            return pages
        after = cursor(got[-1])
    raise AssertionError(f"the listing did not end after 100 pages of {limit}")


def _joined(pages: Sequence[Sequence[T]]) -> list[T]:
    return [item for got in pages for item in got]


def listed_orders(storage: Storage) -> list[CardOrder]:
    """Fifteen orders over five instants (ties broken by ID), a third of them cancelled."""
    world = World(storage)
    world.card_ordering()
    world.template()
    base = world.orders.place(
        template="BASIS", holder_id="K1", branch="F01", process_ref="BASE"
    ).order
    made = [base]
    for n in range(1, 15):
        order = attrs.evolve(
            base,
            id=f"{(n * 7) % 15:02d}-{n}",  # IDs not in the order of placing
            process_ref=ProcessRef(f"P{n}"),
            card_number=f"927600000{n:03d}",
            placed_at=PLACED[n % len(PLACED)],
        )
        stored, created = storage.add_order(order)
        assert created
        if n % 3 == 0:
            stored = stored.cancel(T0)
            assert storage.update_order(stored, expected=OrderStatus.PENDING)
        made.append(stored)
    return made


class ListingContract:
    """Paged, filtered listings; needs the ``storage`` fixture of ``StorageContract``."""

    def test_listing_orders_pages_are_disjoint_and_complete_for_every_filter(
        self, storage: Storage
    ) -> None:
        made = listed_orders(storage)
        assert storage.list_orders() == sorted(made, key=order_key)

        @_PAGING
        @given(
            limit=st.integers(1, 17),
            status=st.sampled_from([None, OrderStatus.PENDING, OrderStatus.CANCELLED]),
            since=st.sampled_from([None, *PLACED, T0 - LEASE, T0 + 100 * LEASE]),
        )
        def check(limit: int, status: OrderStatus | None, since: dt.datetime | None) -> None:
            wanted = sorted(
                (
                    o
                    for o in made
                    if (status is None or o.status is status)
                    and (since is None or o.placed_at >= since)
                ),
                key=order_key,
            )
            assert storage.list_orders(status=status, since=since) == wanted
            pages = read_pages(
                lambda n, after: storage.list_orders(
                    status=status, since=since, limit=n, after=after
                ),
                limit,
                lambda o: o.id,
            )
            assert _joined(pages) == wanted

        check()

    def test_listing_orders_by_a_cursor_of_another_status_or_an_unknown_one(
        self, storage: Storage
    ) -> None:
        made = sorted(listed_orders(storage), key=order_key)
        cancelled = next(o for o in made if o.status is OrderStatus.CANCELLED)
        after = [o for o in made if order_key(o) > order_key(cancelled)]
        pending_after = [o for o in after if o.status is OrderStatus.PENDING]
        got = storage.list_orders(status=OrderStatus.PENDING, after=cancelled.id)
        assert got == pending_after
        with pytest.raises(errors.OrderUnknown):
            storage.list_orders(after="no-such-order")
        with pytest.raises(ValueError, match="at least one"):
            storage.list_orders(limit=0)

    def test_listing_orders_added_between_pages_never_show_twice(self, storage: Storage) -> None:
        made = listed_orders(storage)
        first = storage.list_orders(limit=6)
        base = made[0]
        late = attrs.evolve(
            base, id="zz-late", process_ref=ProcessRef("LATE"), card_number="9276000009999",
            placed_at=PLACED[-1] + LEASE,
        )  # fmt: skip
        early = attrs.evolve(
            base, id="aa-early", process_ref=ProcessRef("EARLY"), card_number="9276000009998",
            placed_at=T0 - LEASE,
        )  # fmt: skip
        storage.add_order(late)
        storage.add_order(early)
        rest = _joined(
            read_pages(
                lambda n, after: storage.list_orders(limit=n, after=after or first[-1].id),
                4,
                lambda o: o.id,
            )
        )
        seen = [o.id for o in [*first, *rest]]
        assert len(seen) == len(set(seen))  # disjoint
        assert set(seen) == {o.id for o in made} | {"zz-late"}  # the early one sorts before
        assert rest[-1].id == "zz-late"

    def test_listing_cards_pages_are_disjoint_and_complete(self, storage: Storage) -> None:
        numbers = [f"92760{(n * 37) % 101:03d}" for n in range(1, 14)]
        for number in numbers:
            storage.add_card(card(number))
        assert [c.number for c in storage.list_cards()] == sorted(numbers)

        @_PAGING
        @given(limit=st.integers(1, 15))
        def check(limit: int) -> None:
            pages = read_pages(
                lambda n, after: storage.list_cards(limit=n, after=after),
                limit,
                lambda c: c.number,
            )
            assert [c.number for c in _joined(pages)] == sorted(numbers)

        check()
        assert [c.number for c in storage.list_cards(after=sorted(numbers)[-1])] == []
        with pytest.raises(ValueError, match="at least one"):
            storage.list_cards(limit=0)

    def test_LL8_listing_the_ledger_pages_are_disjoint_and_complete_for_every_filter(
        self, storage: Storage
    ) -> None:
        made: list[UploadRecord] = []
        for n in range(14):
            destination, name = f"d{n % 3}", f"f{(n * 5) % 14:02d}.csv"
            result, record = storage.claim_upload(destination, name, FACTS, now=T0, lease=LEASE)
            assert result is ClaimResult.CLAIMED
            assert record is not None
            if n % 2:
                record = storage.complete_upload(destination, name, receipt="r", now=T0)
            made.append(record)

        def key(record: UploadRecord) -> tuple[str, str]:
            return (record.destination, record.name)

        @_PAGING
        @given(
            limit=st.integers(1, 16),
            destination=st.sampled_from([None, "d0", "d2", "none"]),
            state=st.sampled_from([None, UploadState.CLAIMED, UploadState.UPLOADED]),
        )
        def check(limit: int, destination: str | None, state: UploadState | None) -> None:
            wanted = sorted(
                (
                    r
                    for r in made
                    if (destination is None or r.destination == destination)
                    and (state is None or r.state is state)
                ),
                key=key,
            )
            assert storage.list_uploads(destination, state=state) == wanted
            pages = read_pages(
                lambda n, after: storage.list_uploads(
                    destination, state=state, limit=n, after=after
                ),
                limit,
                key,
            )
            assert _joined(pages) == wanted

        check()
        with pytest.raises(ValueError, match="at least one"):
            storage.list_uploads(limit=0)
