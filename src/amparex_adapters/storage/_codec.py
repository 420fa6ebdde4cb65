"""Domain objects to JSON text and back, for the SQL stores.

The stores keep every object whole as one JSON document (``data`` column) next to the
columns their indexes and queries need. The format is written here, at the edge, never
on the domain classes. Secrets are stored revealed (the store must give them back) and
are never part of a column that shows up in an error or a log line.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard
from amparex_core.domain.interfaces import (
    CardOrderSettings,
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
)
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
from amparex_core.domain.secret import Secret
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import (
    CardKind,
    CardTemplate,
    CardType,
    ShippingInterval,
    ShipTo,
)
from amparex_core.domain.uploads import FileFacts, UploadRecord, UploadState

__all__ = [
    "address_from",
    "address_to",
    "batch_from_json",
    "batch_to_json",
    "card_from_json",
    "card_to_json",
    "dump",
    "instant_key",
    "interface_from_json",
    "interface_to_json",
    "load",
    "order_from_json",
    "order_to_json",
    "template_from_json",
    "template_to_json",
    "upload_from_json",
    "upload_to_json",
]

Json = dict[str, Any]


def dump(data: Json) -> str:
    """Compact, deterministic JSON text."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def load(text: str | bytes) -> Json:
    """Parse a stored JSON document."""
    value = json.loads(text)
    if not isinstance(value, dict):  # pragma: no cover - only a corrupted row
        raise ValueError("a stored document is a JSON object")
    return value


def instant_key(instant: dt.datetime) -> str:
    """A text form of an aware instant that sorts like the instant (UTC, fixed width)."""
    utc = instant.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _dt(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt_from(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_from(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _money(value: Money) -> Json:
    return {"amount": str(value.amount), "currency": value.currency}


def _money_from(value: Json) -> Money:
    return Money(Decimal(value["amount"]), value["currency"])


# ------------------------------------------------------------------ interfaces


def _settings_to(settings: CardOrderSettings | LoyaltyLabSettings) -> Json:
    if isinstance(settings, CardOrderSettings):
        return {
            "contract": settings.contract,
            "key": None if settings.key is None else settings.key.reveal(),
            "customer_number": settings.customer_number,
        }
    return {
        "customer_number": settings.customer_number,
        "directory": settings.directory,
        "statistics": {k.value: v for k, v in settings.statistics.items()},
        "file_pattern": settings.file_pattern,
    }


def _settings_from(kind: InterfaceKind, data: Json) -> CardOrderSettings | LoyaltyLabSettings:
    if kind.policy.settings_type is CardOrderSettings:
        key = data.get("key")
        return CardOrderSettings(
            contract=data.get("contract"),
            key=None if key is None else Secret(key),
            customer_number=data.get("customer_number"),
        )
    return LoyaltyLabSettings(
        customer_number=data["customer_number"],
        directory=data["directory"],
        statistics={StatisticKind(k): v for k, v in data.get("statistics", {}).items()},
        file_pattern=data["file_pattern"],
    )


def interface_to_json(config: InterfaceConfig) -> Json:
    """The stored form of an interface configuration (the key revealed, CO1)."""
    return {
        "id": config.id,
        "kind": config.kind.value,
        "settings": _settings_to(config.settings),
        "display_name": config.display_name,
        "branch": config.branch,
        "workstation": config.workstation,
        "client_side": config.client_side,
        "start": _date(config.start),
    }


def interface_from_json(data: Json) -> InterfaceConfig:
    """Rebuild an interface configuration from :func:`interface_to_json`."""
    kind = InterfaceKind(data["kind"])
    return InterfaceConfig(
        id=data["id"],
        kind=kind,
        settings=_settings_from(kind, data["settings"]),
        display_name=data["display_name"],
        branch=data["branch"],
        workstation=data["workstation"],
        client_side=data["client_side"],
        start=_date_from(data["start"]),
    )


# ------------------------------------------------------------------ templates


def template_to_json(template: CardTemplate) -> Json:
    """The stored form of a card template."""
    return {
        "name": template.name,
        "document_template": template.document_template,
        "ship_to": template.ship_to.value,
        "interval": template.interval.value,
        "comment": template.comment,
        "cover_letter": template.cover_letter,
        "validity_required": template.validity_required,
        "card_type": template.card_type.value,
        "kind": template.kind.value,
        "gift_box": template.gift_box,
        "roller_clip": template.roller_clip,
    }


def template_from_json(data: Json) -> CardTemplate:
    """Rebuild a card template from :func:`template_to_json`."""
    return CardTemplate(
        name=data["name"],
        document_template=data["document_template"],
        ship_to=ShipTo(data["ship_to"]),
        interval=ShippingInterval(data["interval"]),
        comment=data["comment"],
        cover_letter=data["cover_letter"],
        validity_required=data["validity_required"],
        card_type=CardType(data["card_type"]),
        kind=CardKind(data["kind"]),
        gift_box=data["gift_box"],
        roller_clip=data["roller_clip"],
    )


# ------------------------------------------------------------------ orders


def address_to(address: PostalAddress | None) -> Json | None:
    """The stored form of a postal address."""
    if address is None:
        return None
    return {
        "street": address.street,
        "postal_code": address.postal_code,
        "city": address.city,
        "country": address.country,
        "extra": address.extra,
    }


def address_from(data: Json | None) -> PostalAddress | None:
    """Rebuild a postal address from :func:`address_to`."""
    if data is None:
        return None
    return PostalAddress(
        street=data["street"],
        postal_code=data["postal_code"],
        city=data["city"],
        country=data.get("country", "DE"),
        extra=data.get("extra"),
    )


def _holder(holder: HolderRef) -> Json:
    return {"kind": holder.kind.value, "id": holder.id}


def _holder_from(data: Json) -> HolderRef:
    return HolderRef(HolderKind(data["kind"]), data["id"])


def order_to_json(order: CardOrder) -> Json:
    """The stored form of a card order with its template snapshot (CO14)."""
    return {
        "id": order.id,
        "process_ref": {"process": order.process_ref.process, "step": order.process_ref.step},
        "interface_id": order.interface_id,
        "contract": order.contract,
        "template": template_to_json(order.template),
        "holder": _holder(order.holder),
        "holder_name": order.holder_name,
        "ordering_branch": order.ordering_branch,
        "recipient": {
            "ship_to": order.recipient.ship_to.value,
            "name": order.recipient.name,
            "address": address_to(order.recipient.address),
            "branch": order.recipient.branch,
        },
        "card_number": order.card_number,
        "valid_until": _date(order.valid_until),
        "placed_at": _dt(order.placed_at),
        "order_date": _date(order.order_date),
        "period": {
            "interval": order.period.interval.value,
            "start": order.period.start.isoformat(),
            "end": order.period.end.isoformat(),
        },
        "cost_lines": [
            {"item": line.item.value, "price": _money(line.price)} for line in order.cost_lines
        ],
        "status": order.status.value,
        "batch_id": order.batch_id,
        "cancelled_at": _dt(order.cancelled_at),
    }


def order_from_json(data: Json) -> CardOrder:
    """Rebuild a card order from :func:`order_to_json`."""
    recipient = data["recipient"]
    period = data["period"]
    address = address_from(recipient["address"])
    if address is None:  # pragma: no cover - an order always has one
        raise ValueError("a stored order has a recipient address")
    placed_at = dt.datetime.fromisoformat(data["placed_at"])
    order_date = dt.date.fromisoformat(data["order_date"])
    return CardOrder(
        id=data["id"],
        process_ref=ProcessRef(data["process_ref"]["process"], data["process_ref"]["step"]),
        interface_id=data["interface_id"],
        contract=data["contract"],
        template=template_from_json(data["template"]),
        holder=_holder_from(data["holder"]),
        holder_name=data["holder_name"],
        ordering_branch=data["ordering_branch"],
        recipient=Recipient(
            ship_to=ShipTo(recipient["ship_to"]),
            name=recipient["name"],
            address=address,
            branch=recipient["branch"],
        ),
        card_number=data["card_number"],
        valid_until=_date_from(data["valid_until"]),
        placed_at=placed_at,
        order_date=order_date,
        period=Period(
            ShippingInterval(period["interval"]),
            dt.date.fromisoformat(period["start"]),
            dt.date.fromisoformat(period["end"]),
        ),
        cost_lines=tuple(
            CostLine(CostItem(line["item"]), _money_from(line["price"]))
            for line in data["cost_lines"]
        ),
        status=OrderStatus(data["status"]),
        batch_id=data["batch_id"],
        cancelled_at=_dt_from(data["cancelled_at"]),
    )


def batch_to_json(batch: Batch) -> Json:
    """The stored form of a dispatch batch."""
    return {
        "id": batch.id,
        "number": batch.number,
        "interface_id": batch.interface_id,
        "period_key": batch.period_key,
        "order_ids": list(batch.order_ids),
        "total": _money(batch.total),
        "created_at": _dt(batch.created_at),
        "status": batch.status.value,
        "delivered_at": _dt(batch.delivered_at),
        "receipt": batch.receipt,
    }


def batch_from_json(data: Json) -> Batch:
    """Rebuild a batch from :func:`batch_to_json`."""
    created_at = dt.datetime.fromisoformat(data["created_at"])
    return Batch(
        id=data["id"],
        number=data["number"],
        interface_id=data["interface_id"],
        period_key=data["period_key"],
        order_ids=tuple(data["order_ids"]),
        total=_money_from(data["total"]),
        created_at=created_at,
        status=BatchStatus(data["status"]),
        delivered_at=_dt_from(data["delivered_at"]),
        receipt=data["receipt"],
    )


# ------------------------------------------------------------------ cards


def card_to_json(card: IssuedCard) -> Json:
    """The stored form of an issued card."""
    return {
        "number": card.number,
        "holder": _holder(card.holder),
        "card_type": card.card_type.value,
        "kind": card.kind.value,
        "issued_on": _date(card.issued_on),
        "valid_until": _date(card.valid_until),
        "uid": None if card.uid is None else card.uid.hex,
        "blocked_at": _dt(card.blocked_at),
        "order_id": card.order_id,
    }


def card_from_json(data: Json) -> IssuedCard:
    """Rebuild an issued card from :func:`card_to_json`."""
    issued_on = dt.date.fromisoformat(data["issued_on"])
    uid = data["uid"]
    return IssuedCard(
        number=data["number"],
        holder=_holder_from(data["holder"]),
        card_type=CardType(data["card_type"]),
        kind=CardKind(data["kind"]),
        issued_on=issued_on,
        valid_until=_date_from(data["valid_until"]),
        uid=None if uid is None else CardUid(bytes.fromhex(uid)),
        blocked_at=_dt_from(data["blocked_at"]),
        order_id=data["order_id"],
    )


# ------------------------------------------------------------------ uploads


def upload_to_json(record: UploadRecord) -> Json:
    """The stored form of an upload-ledger row."""
    return {
        "destination": record.destination,
        "name": record.name,
        "facts": {
            "size": record.facts.size,
            "sha256": record.facts.sha256,
            "mtime_ns": record.facts.mtime_ns,
        },
        "state": record.state.value,
        "claimed_at": _dt(record.claimed_at),
        "uploaded_at": _dt(record.uploaded_at),
        "receipt": record.receipt,
        "attempts": record.attempts,
    }


def upload_from_json(data: Json) -> UploadRecord:
    """Rebuild an upload-ledger row from :func:`upload_to_json`."""
    claimed_at = dt.datetime.fromisoformat(data["claimed_at"])
    facts = data["facts"]
    return UploadRecord(
        destination=data["destination"],
        name=data["name"],
        facts=FileFacts(size=facts["size"], sha256=facts["sha256"], mtime_ns=facts["mtime_ns"]),
        state=UploadState(data["state"]),
        claimed_at=claimed_at,
        uploaded_at=_dt_from(data["uploaded_at"]),
        receipt=data["receipt"],
        attempts=data["attempts"],
    )
