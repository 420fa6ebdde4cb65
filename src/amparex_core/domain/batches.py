"""What a dispatch batch consists of: the document sequence, the manifest and the parcel (CO16).

Pure functions over orders: the service feeds their results to the renderer and the
delivery port. Everything here is deterministic, so a batch re-sent after a crash is the
same batch, byte for byte where the renderer is deterministic.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from .csvdialect import CsvDialect, encode_csv
from .errors import AddressMissing
from .letters import Addressee, Sender, greeting, letter_date
from .masterdata import Branch, Customer, Employee
from .money import plain_amount
from .orders import Batch, CardOrder, Recipient
from .parcels import Attachment
from .templates import ShipTo

__all__ = [
    "MANIFEST_COLUMNS",
    "ORDER_CONTEXT_FIELDS",
    "document_sequence",
    "manifest_attachments",
    "manifest_csv",
    "manifest_json",
    "manifest_rows",
    "order_context",
    "resolve_recipient",
]

ORDER_CONTEXT_FIELDS: Final = frozenset(
    {
        "card_number",
        "holder_name",
        "holder_id",
        "holder_first_name",
        "holder_last_name",
        "holder_salutation",
        "holder_title",
        "salutation",
        "letter_date",
        "sender_name",
        "sender_line",
        "sender_street",
        "sender_postal_code",
        "sender_city",
        "sender_phone",
        "sender_email",
        "recipient_name",
        "address_line1",
        "address_line2",
        "address_line3",
        "address_line4",
        "street",
        "postal_code",
        "city",
        "country",
        "valid_until",
        "template_name",
        "card_type",
        "card_kind",
        "comment",
        "ordering_branch",
        "ordering_branch_name",
        "order_date",
        "order_id",
    }
)
"""The names every order context has: what a document template may use (CO8).

``salutation`` is the whole greeting in the document's language, without the comma
(``Sehr geehrte Frau Dr. Müller``, ``Guten Tag Kim Kunde``, ``Dear Ms Müller``), from the
holder's salutation and title in the master data (``holder_salutation``,
``holder_title``); ``sender_…`` are the ordering branch's name and address
(``sender_line``: ``Optik Muster · Königstraße 10 · 70173 Stuttgart``);
``letter_date`` is the day the batch was made, in the document's language (CO23).
"""


def resolve_recipient(
    ship_to: ShipTo,
    *,
    holder: Customer | Employee,
    ordering_branch: Branch,
    leading_branch: Branch | None,
) -> Recipient:
    """Who receives the card, and where (CO5).

    Args:
        ship_to: The template's choice.
        holder: The card holder.
        ordering_branch: The branch placing the order.
        leading_branch: The holder's leading branch (for an employee: their branch), or
            ``None`` when the holder has none or it is unknown.

    Raises:
        AddressMissing: The chosen recipient has no postal address, or the holder has no
            leading branch.
    """
    if ship_to is ShipTo.CUSTOMER:
        if holder.address is None:
            raise AddressMissing(
                ship_to=ship_to.value, holder_id=holder.id, missing="postal address"
            )
        return Recipient(ship_to, holder.display_name, holder.address)
    if ship_to is ShipTo.ORDERING_BRANCH:
        branch = ordering_branch
    else:
        if leading_branch is None:
            raise AddressMissing(
                ship_to=ship_to.value, holder_id=holder.id, missing="leading branch"
            )
        branch = leading_branch
    if branch.address is None:
        raise AddressMissing(ship_to=ship_to.value, holder_id=branch.id, missing="branch address")
    return Recipient(ship_to, branch.name, branch.address, branch=branch.id)


def order_context(
    order: CardOrder,
    *,
    ordering_branch_name: str,
    letter_day: dt.date | None = None,
    language: str = "de",
    sender: Sender | None = None,
) -> dict[str, str]:
    """The values a document template is filled with for *order* (CO8, CO16, CO23).

    Every key of :data:`ORDER_CONTEXT_FIELDS` is present; absent values are empty.

    Args:
        order: The order.
        ordering_branch_name: The ordering branch's name.
        letter_day: The batch date (the order date when not given).
        language: The document's language (``de``, ``en``): greeting and date follow it.
        sender: The letter's sender when the order has none of its own (an order placed
            before 0.2); by default the ordering branch by ID and name.
    """
    address = order.recipient.address
    lines = [*address.lines(), "", "", "", ""][:4]
    addressee = order.addressee or _addressee_of(order.holder_name)
    sender = order.sender or sender or Sender(order.ordering_branch, ordering_branch_name)
    sender_address = sender.address
    return {
        "card_number": order.card_number,
        "holder_name": order.holder_name,
        "holder_id": order.holder.id,
        "holder_first_name": addressee.first_name,
        "holder_last_name": addressee.last_name,
        "holder_salutation": addressee.salutation or "",
        "holder_title": addressee.title or "",
        "salutation": greeting(addressee, language),
        "letter_date": letter_date(letter_day or order.order_date, language),
        "sender_name": sender.name,
        "sender_line": sender.line,
        "sender_street": "" if sender_address is None else sender_address.street,
        "sender_postal_code": "" if sender_address is None else sender_address.postal_code,
        "sender_city": "" if sender_address is None else sender_address.city,
        "sender_phone": sender.phone or "",
        "sender_email": sender.email or "",
        "recipient_name": order.recipient.name,
        "address_line1": lines[0],
        "address_line2": lines[1],
        "address_line3": lines[2],
        "address_line4": lines[3],
        "street": address.street,
        "postal_code": address.postal_code,
        "city": address.city,
        "country": address.country,
        "valid_until": "" if order.valid_until is None else f"{order.valid_until:%d.%m.%Y}",
        "template_name": order.template.name,
        "card_type": order.template.card_type.value,
        "card_kind": order.template.kind.value,
        "comment": order.template.comment or "",
        "ordering_branch": order.ordering_branch,
        "ordering_branch_name": ordering_branch_name,
        "order_date": f"{order.order_date:%d.%m.%Y}",
        "order_id": order.id,
    }


def _addressee_of(holder_name: str) -> Addressee:
    """An addressee from a printed name alone (orders placed before 0.2): neutral."""
    first, _, last = holder_name.rpartition(" ")
    return Addressee(first, last) if first else Addressee("", last)


def document_sequence(orders: Sequence[CardOrder]) -> list[tuple[str, CardOrder]]:
    """The documents of a batch in print order: ``(document template ID, order)`` pairs.

    Every order gets its card; a card shipped to the customer is preceded by its cover
    letter (CO5, CO16).
    """
    sequence: list[tuple[str, CardOrder]] = []
    for order in orders:
        template = order.template
        if template.ship_to is ShipTo.CUSTOMER and template.cover_letter is not None:
            sequence.append((template.cover_letter, order))
        sequence.append((template.document_template, order))
    return sequence


MANIFEST_COLUMNS: Final = (
    "batch_id",
    "batch_number",
    "order_id",
    "process_ref",
    "card_number",
    "template",
    "card_type",
    "card_kind",
    "gift_box",
    "roller_clip",
    "comment",
    "valid_until",
    "holder_id",
    "holder_name",
    "ship_to",
    "recipient_name",
    "street",
    "postal_code",
    "city",
    "country",
    "ordering_branch",
    "costs",
    "total",
    "currency",
    "batch_shipping",
    "batch_total",
)
"""The manifest's columns. ``costs`` lists an order's cost lines (``card_chip=2,50 +
gift_box=4,00``) and ``total`` is their sum; ``batch_shipping`` (the shipping item, once
per batch, ``0,00`` without one) and ``batch_total`` (every order's total and the
shipping item) repeat on each row. Every amount is written in the manifest's notation
(CO15, CO23)."""


def _amount(value: Decimal) -> Decimal:
    """*value* with at least two decimals, never rounded (``3.9`` -> ``3.90``)."""
    return Decimal(plain_amount(value))


def manifest_rows(
    batch: Batch, orders: Sequence[CardOrder], *, decimal_separator: str = "."
) -> list[dict[str, str | Decimal | dt.date | bool | None]]:
    """One row per order of *batch* with everything the vendor needs (CO7, CO15, CO16).

    Args:
        batch: The batch.
        orders: Its orders, in manifest order.
        decimal_separator: The separator of the amounts inside ``costs`` (the other
            amounts are decimals, written by the format's own rules).
    """
    rows: list[dict[str, str | Decimal | dt.date | bool | None]] = []
    currency = batch.total.currency
    shipping = _amount(Decimal(0) if batch.shipping is None else batch.shipping.amount)
    for order in orders:
        template = order.template
        address = order.recipient.address
        rows.append(
            {
                "batch_id": batch.id,
                "batch_number": batch.order_number,
                "order_id": order.id,
                "process_ref": str(order.process_ref),
                "card_number": order.card_number,
                "template": template.name,
                "card_type": template.card_type.value,
                "card_kind": template.kind.value,
                "gift_box": template.gift_box,
                "roller_clip": template.roller_clip,
                "comment": template.comment,
                "valid_until": order.valid_until,
                "holder_id": order.holder.id,
                "holder_name": order.holder_name,
                "ship_to": order.recipient.ship_to.value,
                "recipient_name": order.recipient.name,
                "street": address.street,
                "postal_code": address.postal_code,
                "city": address.city,
                "country": address.country,
                "ordering_branch": order.ordering_branch,
                "costs": " + ".join(
                    f"{line.item.value}={plain_amount(line.price.amount, decimal_separator)}"
                    for line in order.cost_lines
                ),
                "total": _amount(order.total(currency).amount),
                "currency": currency,
                "batch_shipping": shipping,
                "batch_total": _amount(batch.total.amount),
            }
        )
    return rows


def manifest_csv(
    batch: Batch, orders: Sequence[CardOrder], dialect: CsvDialect | None = None
) -> bytes:
    """The manifest as CSV in AMPAREX's conventions (SPEC "CSV conventions").

    Every amount — in ``costs`` too — has the dialect's decimal separator (CO23).
    """
    dialect = dialect or CsvDialect()
    rows = manifest_rows(batch, orders, decimal_separator=dialect.decimal_separator)
    return b"".join(
        encode_csv(
            dialect,
            MANIFEST_COLUMNS,
            [[row[c] for c in MANIFEST_COLUMNS] for row in rows],
        )
    )


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def manifest_json(batch: Batch, orders: Sequence[CardOrder]) -> bytes:
    """The manifest as JSON: the batch with its totals and every order (CO15, CO16, CO23).

    Amounts are decimal strings with a dot and at least two decimals, dates ISO 8601;
    keys are stable. ``total`` is the batch's total, the ``shipping`` item included
    (``null`` without one).
    """
    batch_keys = ("batch_id", "batch_number", "batch_shipping", "batch_total")
    document = {
        "batch_id": batch.id,
        "batch_number": batch.order_number,
        "interface_id": batch.interface_id,
        "period": batch.period_key,
        "created_at": batch.created_at.isoformat(),
        "total": plain_amount(batch.total.amount),
        "shipping": None if batch.shipping is None else plain_amount(batch.shipping.amount),
        "currency": batch.total.currency,
        "orders": [
            {k: _json_value(v) for k, v in row.items() if k not in batch_keys}
            for row in manifest_rows(batch, orders)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def manifest_attachments(batch: Batch, orders: Sequence[CardOrder]) -> tuple[Attachment, ...]:
    """The manifest as CSV and JSON attachments named after the batch's order number."""
    stem = f"{batch.order_number}-manifest"
    return (
        Attachment(f"{stem}.csv", "text/csv", manifest_csv(batch, orders)),
        Attachment(f"{stem}.json", "application/json", manifest_json(batch, orders)),
    )
