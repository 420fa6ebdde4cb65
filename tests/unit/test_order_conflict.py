"""A process reference orders one card: the same request again is the first order (CO13), a
different one is refused with ``order.conflict`` naming the first order (CO21)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.storage.memory import MemoryStorage
from amparex_core.domain import errors
from amparex_core.domain.orders import CardOrder, ProcessRef
from tests.world import World

# The parts of a request, each with two values that differ (template names differ in
# more than spelling: " basis " is BASIS, CO4).
TEMPLATES = ("BASIS", " basis ", "GOLD")
HOLDERS = ("K1", "K2")
BRANCHES = ("F01", "F02")
VALID_UNTIL = (None, dt.date(2030, 12, 31), dt.date(2031, 6, 30))

requests = st.fixed_dictionaries(
    {
        "template": st.sampled_from(TEMPLATES),
        "holder_id": st.sampled_from(HOLDERS),
        "branch": st.sampled_from(BRANCHES),
        "valid_until": st.sampled_from(VALID_UNTIL),
    }
)


def ready(storage: MemoryStorage | None = None) -> World:
    world = World(storage)
    world.card_ordering()
    world.template("BASIS")
    world.template("GOLD")
    return world


def differing(first: dict[str, object], second: dict[str, object]) -> list[str]:
    """The model: which parts of two requests differ, as the error names them."""
    found = []
    if str(first["template"]).strip().casefold() != str(second["template"]).strip().casefold():
        found.append("template")
    if str(first["holder_id"]).strip() != str(second["holder_id"]).strip():
        found.append("holder")
    if first["branch"] != second["branch"]:
        found.append("ordering_branch")
    if first["valid_until"] != second["valid_until"]:
        found.append("valid_until")
    return found


@given(first=requests, second=requests)
def test_CO13_CO21_a_second_request_is_the_first_order_or_a_conflict_naming_it(
    first: dict[str, object], second: dict[str, object]
) -> None:
    world = ready()
    placed = world.orders.place(process_ref="VG-1/2", **first)  # type: ignore[arg-type]
    assert placed.created
    expected = differing(first, second)
    if not expected:
        again = world.orders.place(process_ref=" VG-1 / 2 ", **second)  # type: ignore[arg-type]
        assert not again.created and again.order == placed.order
    else:
        with pytest.raises(errors.OrderConflict) as caught:
            world.orders.place(process_ref="VG-1/2", **second)  # type: ignore[arg-type]
        error = caught.value
        assert error.code == "order.conflict"
        assert (error.process_ref, error.existing_order_id) == ("VG-1/2", placed.order.id)
        assert error.differences == ", ".join(expected)
        assert placed.order.id in error.message("en") and placed.order.id in error.message("de")
    assert world.orders.list_orders() == [placed.order]  # nothing written (CO13, CO21)


class RacingStorage(MemoryStorage):
    """A store where every placement races: the look-up before placing never finds the
    first order, so only the store's unique process reference decides (add_order)."""

    def order_by_process_ref(self, process_ref: ProcessRef) -> CardOrder | None:
        return None


def test_CO21_the_loser_of_a_race_compares_with_the_winners_order() -> None:
    world = ready(RacingStorage())
    first = world.orders.place(template="BASIS", holder_id="K1", branch="F01", process_ref="P")
    same = world.orders.place(template="basis", holder_id="K1", branch="F01", process_ref="P")
    assert first.created and not same.created and same.order == first.order
    with pytest.raises(errors.OrderConflict) as caught:
        world.orders.place(template="BASIS", holder_id="K2", branch="F01", process_ref="P")
    assert caught.value.existing_order_id == first.order.id
    assert caught.value.differences == "holder"
    assert len(world.storage.list_orders()) == 1


def test_CO21_the_message_names_what_differs_in_both_languages() -> None:
    error = errors.OrderConflict(
        process_ref="VG-7", existing_order_id="abc123", differences="template, valid_until"
    )
    assert error.message("en") == (
        "The process reference 'VG-7' was already used for order abc123 with another "
        "template, valid until; a process orders one card."
    )
    assert "Kartenvorlage, Gültigkeitsdatum" in error.message("de")
    assert "abc123" in error.message("de")
