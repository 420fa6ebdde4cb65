"""Stored documents written straight to text are the stored format's text, byte for byte.

``converters.stored.encode`` writes with the generated writers of
``converters._stored_text`` first; it must give exactly the text the stored converter
gives (``stored._converted``) — for every order, batch and value the domain can hold, for
values of another type than declared (where the writer leaves the object to the
converter), and for classes it has no writer for.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.converters import _stored_text, stored
from amparex_core.domain.cards import HolderRef, IssuedCard
from amparex_core.domain.interfaces import InterfaceConfig
from amparex_core.domain.letters import Addressee, Sender
from amparex_core.domain.masterdata import HolderKind, PostalAddress
from amparex_core.domain.money import CostItem, CostLine, Money
from amparex_core.domain.orders import (
    Batch,
    BatchStatus,
    CardOrder,
    OrderStatus,
    ProcessRef,
    Recipient,
)
from amparex_core.domain.periods import Period
from amparex_core.domain.templates import ShippingInterval, ShipTo
from amparex_core.domain.uploads import UploadRecord
from tests import strategies as s

# Any text, quotes, backslashes, control characters and lone surrogates included.
texts = st.text(st.characters(exclude_categories=()), max_size=12)
some_text = texts.filter(lambda t: t.strip())
no_slash = texts.map(lambda t: t.replace("/", "\\"))
amounts = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("1E+3"), Decimal("-0.00"), Decimal("2.50"), Decimal("0E-7")]
)
aware = st.datetimes(timezones=s.zones) | s.instants
money = st.builds(Money, amount=amounts, currency=st.sampled_from(["EUR", "CHF"]))
addresses = st.builds(
    PostalAddress,
    street=some_text,
    postal_code=some_text,
    city=some_text,
    country=texts,
    extra=st.none() | texts,
)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start = draw(st.dates(max_value=dt.date(9000, 1, 1)))
    return Period(
        draw(st.sampled_from(list(ShippingInterval))),
        start,
        start + dt.timedelta(days=draw(st.integers(1, 40))),
    )


@st.composite
def orders(draw: st.DrawFn) -> CardOrder:
    """Orders with every attribute drawn, whatever the rules of placing say."""
    return CardOrder(
        id=draw(texts),
        process_ref=ProcessRef(
            draw(no_slash.filter(lambda t: t.strip())), draw(st.none() | no_slash)
        ),
        interface_id=draw(texts),
        contract=draw(texts),
        template=draw(s.card_templates()),
        holder=HolderRef(draw(st.sampled_from(list(HolderKind))), draw(texts)),
        holder_name=draw(texts),
        ordering_branch=draw(texts),
        recipient=Recipient(
            draw(st.sampled_from(list(ShipTo))),
            draw(texts),
            draw(addresses),
            draw(st.none() | texts),
        ),
        card_number=draw(texts),
        valid_until=draw(st.none() | st.dates()),
        placed_at=draw(aware),
        order_date=draw(st.dates()),
        period=draw(periods()),
        cost_lines=draw(
            st.lists(st.builds(CostLine, st.sampled_from(list(CostItem)), money), max_size=3)
        ),
        status=draw(st.sampled_from(list(OrderStatus))),
        batch_id=draw(st.none() | texts),
        cancelled_at=draw(st.none() | aware),
        addressee=draw(
            st.none() | st.builds(Addressee, texts, texts, st.none() | texts, st.none() | texts)
        ),
        sender=draw(
            st.none()
            | st.builds(
                Sender, texts, texts, st.none() | addresses, st.none() | texts, st.none() | texts
            )
        ),
    )


batches = st.builds(
    Batch,
    id=texts,
    number=st.integers(),
    interface_id=texts,
    period_key=texts,
    order_ids=st.lists(texts, max_size=4),
    total=money,
    created_at=aware,
    status=st.sampled_from(list(BatchStatus)),
    delivered_at=st.none() | aware,
    receipt=st.none() | texts,
    shipping=st.none() | money,
)


def test_orders_and_batches_have_writers() -> None:
    assert _stored_text.writer(CardOrder) is not None
    assert _stored_text.writer(Batch) is not None


@given(orders())
def test_CO13_CO14_an_order_is_written_as_the_stored_format_writes_it(order: CardOrder) -> None:
    text = stored.encode(order)
    assert text == stored._converted(order)
    assert _stored_text.writer(CardOrder)(order) == text  # type: ignore[misc]  # not a fallback


@given(batches)
def test_CO16_a_batch_is_written_as_the_stored_format_writes_it(batch: Batch) -> None:
    assert stored.encode(batch) == stored._converted(batch)
    assert _stored_text.writer(Batch)(batch) == stored._converted(batch)  # type: ignore[misc]


def test_the_golden_order_of_0_1_0_is_written_byte_for_byte() -> None:
    from tests.integration.storage import builders

    order = builders.order("O-00001", "P-1")
    assert stored.encode(order) == stored._converted(order)
    assert '"addressee"' not in stored.encode(order)  # added since 0.1.0, empty


def _changed(obj: Any, **values: object) -> Any:
    """*obj* with *values* set past its converters and validators (as a bug could)."""
    copy = attrs.evolve(obj)
    for name, value in values.items():
        object.__setattr__(copy, name, value)
    return copy


class _MyOrder(CardOrder):
    pass


def _same_outcome(obj: object) -> None:
    try:
        expected = stored._converted(obj)
    except Exception as exc:  # noqa: BLE001 - the same error is expected
        with pytest.raises(type(exc)):
            stored.encode(obj)
    else:
        assert stored.encode(obj) == expected


@pytest.mark.parametrize(
    "values",
    [
        {"holder_name": 7},
        {"holder_name": None},
        {"order_date": dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)},
        {"valid_until": dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)},
        {"valid_until": "2026-12-01"},
        {"placed_at": dt.date(2026, 11, 23)},
        {"status": "pending"},
        {"status": BatchStatus.OPEN},  # another enum's member: written by its value
        {"cost_lines": [CostLine(CostItem.CARD_CHIP, Money(Decimal(1), "EUR"))]},
        {"cost_lines": ()},
        {"addressee": "Frau Muster"},
    ],
    ids=str,
)
def test_a_value_of_another_type_is_left_to_the_converter(values: dict[str, object]) -> None:
    from tests.integration.storage import builders

    _same_outcome(_changed(builders.order("O-1", "P-1"), **values))


def test_nested_values_of_another_type_are_left_to_the_converter() -> None:
    from tests.integration.storage import builders

    order = builders.order("O-1", "P-1")
    _same_outcome(_changed(order, template=_changed(order.template, gift_box=1)))
    _same_outcome(_changed(order, period=_changed(order.period, end="2026-12-01")))
    _same_outcome(_changed(order, holder=HolderKind.CUSTOMER))
    subclass = _MyOrder(**attrs.asdict(order, recurse=False))
    _same_outcome(subclass)
    _same_outcome(_changed(order, recipient=_changed(order.recipient, address=None)))


class _Colour(enum.Enum):
    RED = 1


class _Letter(enum.Enum):  # more members than are found by identity
    A, B, C, D, E, F, G, H, I, J = "abcdefghij"  # noqa: E741


@attrs.frozen
class _Values:
    count: int
    flag: bool
    names: list[str]
    prices: Sequence[Money]
    maybe: tuple[Money | None, ...]
    day: dt.date | None = None
    letter: _Letter = _Letter.J


@attrs.frozen
class _Chain:
    name: str
    next: _Chain | None = None


@attrs.frozen
class _Floaty:
    value: float


@attrs.frozen
class _Coloured:
    colour: _Colour


@attrs.frozen
class _Mapping:
    values: dict[str, str]


@attrs.frozen
class _Hidden:
    name: str
    key: str = attrs.field(init=False, default="k")


@attrs.frozen
class _Untyped:
    name = attrs.field()  # type: ignore[var-annotated]  # no type: no writer


def test_other_attrs_classes_are_written_as_the_converter_writes_them() -> None:
    eur = Money(Decimal("1.5"), "EUR")
    for values in (
        _Values(3, True, ["a", "\u00e4\\"], [eur], (None, eur)),
        _Values(-(2**70), False, [], (), (), dt.date(2026, 1, 2)),
        _Values(True, 1, ["x"], [eur], ()),  # type: ignore[arg-type]  # the converter decides
        _Values(1, True, [], [], (), None, _Letter.A),
    ):
        assert stored.encode(values) == stored._converted(values)
    assert _stored_text.writer(_Values) is not None


@pytest.mark.parametrize(
    "cls", [_Chain, _Floaty, _Coloured, _Mapping, _Hidden, _Untyped, InterfaceConfig, IssuedCard]
)
def test_a_class_with_a_field_of_no_writer_has_none(cls: type) -> None:
    assert _stored_text.writer(cls) is None


def test_objects_of_classes_without_a_writer_are_written_by_the_converter() -> None:
    chain = _Chain("a", _Chain("b"))
    assert stored.encode(chain) == stored._converted(chain)
    assert stored.encode(_Coloured(_Colour.RED)) == stored._converted(_Coloured(_Colour.RED))


def test_upload_records_keep_their_0_1_0_keys_while_empty() -> None:
    from amparex_core.domain.uploads import FileFacts, UploadState

    at = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
    record = UploadRecord("LL-1", "a.csv", FileFacts(1, "ab" * 32), UploadState.CLAIMED, at)
    assert stored.encode(record) == stored._converted(record)
