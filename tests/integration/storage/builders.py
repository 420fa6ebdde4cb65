"""Small builders of domain objects for the storage tests (picklable, used by worker processes)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard
from amparex_core.domain.interfaces import (
    CardOrderSettings,
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
)
from amparex_core.domain.masterdata import HolderKind, PostalAddress
from amparex_core.domain.money import CostItem, CostLine, Money
from amparex_core.domain.orders import Batch, CardOrder, ProcessRef, Recipient
from amparex_core.domain.secret import SecretRef
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import CardKind, CardTemplate, CardType

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
T0 = dt.datetime(2026, 11, 23, 9, 30, tzinfo=TZ)


def card_order_config(
    id: str,  # noqa: A002
    *,
    branch: str | None = "F01",
    display_name: str | None = None,
    key: str = "card_key",
) -> InterfaceConfig:
    """A card-ordering configuration whose key is kept in the secret *key* (OP6)."""
    return InterfaceConfig(
        id=id,
        kind=InterfaceKind.CARD_ORDER,
        settings=CardOrderSettings(contract="K-4711", key=SecretRef(key), customer_number="C-1"),
        display_name=display_name,
        branch=branch,
    )


def loyalty_config(
    id: str,  # noqa: A002
    *,
    workstation: str = "PC-01",
    branch: str | None = None,
    display_name: str | None = None,
    start: dt.date | None = None,
) -> InterfaceConfig:
    return InterfaceConfig(
        id=id,
        kind=InterfaceKind.LOYALTY_LAB,
        settings=LoyaltyLabSettings(
            customer_number="LL-1",
            directory="/srv/loyalty",
            statistics={StatisticKind.CUSTOMERS: "ST-1", StatisticKind.GLASSES: "ST-2"},
        ),
        display_name=display_name,
        branch=branch,
        workstation=workstation,
        start=start,
    )


def template(name: str = "GOLD", **changes: object) -> CardTemplate:
    fields: dict[str, object] = {"name": name, "document_template": "DOC-CARD"}
    fields.update(changes)
    return CardTemplate(**fields)  # type: ignore[arg-type]


def order(
    id: str,  # noqa: A002
    ref: str,
    *,
    placed_at: dt.datetime = T0,
    card_number: str | None = None,
    tmpl: CardTemplate | None = None,
) -> CardOrder:
    used = tmpl or template()
    return CardOrder.place(
        id=id,
        process_ref=ProcessRef.parse(ref),
        interface_id="IF-1",
        contract="K-4711",
        template=used,
        holder=HolderRef(HolderKind.CUSTOMER, f"CU-{id}"),
        holder_name="Erika Mustermann",
        ordering_branch="F01",
        recipient=Recipient(
            ship_to=used.ship_to,
            name="Filiale Stuttgart",
            address=PostalAddress("Königstraße 1", "70173", "Stuttgart"),
            branch="F01",
        ),
        card_number=card_number or f"N-{id}",
        valid_until=None,
        placed_at=placed_at,
        tz=TZ,
        cost_lines=[CostLine(CostItem.CARD_CHIP, Money(Decimal("2.50"), "EUR"))],
    )


def card(number: str, *, uid: str | None = None, order_id: str | None = None) -> IssuedCard:
    return IssuedCard(
        number=number,
        holder=HolderRef(HolderKind.CUSTOMER, "CU-1"),
        card_type=CardType.NFC_RFID,
        kind=CardKind.CUSTOMER,
        issued_on=dt.date(2026, 11, 30),
        valid_until=dt.date(2028, 11, 30),
        uid=None if uid is None else CardUid.parse(uid),
        order_id=order_id,
    )


def batch(
    id: str,  # noqa: A002
    number: int,
    order_ids: list[str],
) -> Batch:
    return Batch(
        id=id,
        number=number,
        interface_id="IF-1",
        period_key="weekly:2026-W48",
        order_ids=tuple(order_ids),
        total=Money(Decimal("2.50") * len(order_ids), "EUR"),
        created_at=T0 + dt.timedelta(days=8),
    )


__all__ = [
    "T0",
    "TZ",
    "batch",
    "card",
    "card_order_config",
    "loyalty_config",
    "order",
    "template",
]
