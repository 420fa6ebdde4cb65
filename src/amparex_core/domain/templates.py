"""Card templates (Vorlagen zur Kartenbestellung, CO3–CO12)."""

from __future__ import annotations

import enum

import attrs

from ._records import frozen
from .errors import (
    CoverLetterRequired,
    DocumentTemplateWrongKind,
    RollerClipEmployeeOnly,
    TemplateNameRequired,
)
from .masterdata import DocumentKind, DocumentTemplate, HolderKind
from .periods import ShippingInterval
from .text import name_key

__all__ = [
    "DOCUMENT_ROLES",
    "CardKind",
    "CardTemplate",
    "CardType",
    "ShipTo",
    "ShippingInterval",
    "check_document_kind",
]

DOCUMENT_ROLES = {"document template": DocumentKind.CARD, "cover letter": DocumentKind.LETTER}
"""The kind of document each role of a card template takes (CO8): a card face is a card
document, a cover letter a letter; a text document is neither."""


def check_document_kind(template: str, role: str, document: DocumentTemplate) -> None:
    """Refuse a document of the wrong kind for its *role* in card template *template*.

    Args:
        template: The card template's name.
        role: ``"document template"`` (the card face) or ``"cover letter"``.
        document: The document template from the master data.

    Raises:
        DocumentTemplateWrongKind: A letter as a card face, a card as a cover letter, or a
            text document in either role.
    """
    expected = DOCUMENT_ROLES[role]
    if document.kind is not expected:
        raise DocumentTemplateWrongKind(
            template=template,
            document_id=document.id,
            role=role,
            kind=document.kind.value,
            expected=expected.value,
        )


class ShipTo(enum.Enum):
    """Where the vendor ships the card (Karte verschicken an, CO5)."""

    CUSTOMER = "customer"
    ORDERING_BRANCH = "ordering_branch"
    CUSTOMER_BRANCH = "customer_branch"


class CardType(enum.Enum):
    """The card's technology (Kartentyp, CO10)."""

    CHIP = "chip"
    NFC_RFID = "nfc_rfid"


class CardKind(enum.Enum):
    """Customer card or employee card (Art, CO11)."""

    CUSTOMER = "customer"
    EMPLOYEE = "employee"

    @property
    def holder_kind(self) -> HolderKind:
        """Who holds a card of this kind."""
        return HolderKind(self.value)


def _name(value: str) -> str:
    return " ".join(value.split())


def _stripped(value: str) -> str:
    return value.strip()


def _optional(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


@frozen
class CardTemplate:
    """A card product such as BASIS, GOLD or PLATIN (CO3–CO12).

    Construction enforces the rules that need nothing else: a name (CO4), a cover letter
    when shipping to the customer (CO8), a roller clip only on employee cards (CO12).
    Whether the document templates exist in the master data is checked when the template
    is created (:class:`~amparex_core.services.templates.TemplateService`).

    Attributes:
        name: Shown when ordering from the process step; unique per chain under
            :func:`~amparex_core.domain.text.name_key` (CO4).
        document_template: ID of the card's print template in the master data (CO8).
        ship_to: Where the card goes (CO5).
        interval: How often orders are shipped (CO6).
        comment: Sent with every order of this template (CO7).
        cover_letter: ID of the letter's print template; required for ``ShipTo.CUSTOMER``.
        validity_required: Every order must carry a valid-until date (CO9).
        card_type: Contact chip or NFC/RFID (CO10).
        kind: Customer or employee card (CO11).
        gift_box: Ship each card in a gift box, at extra cost (CO12).
        roller_clip: Add a roller clip, employee cards only, at extra cost (CO12).
    """

    name: str = attrs.field(converter=_name)
    document_template: str = attrs.field(converter=_stripped)
    ship_to: ShipTo = ShipTo.ORDERING_BRANCH
    interval: ShippingInterval = ShippingInterval.WEEKLY
    comment: str | None = attrs.field(default=None, converter=_optional)
    cover_letter: str | None = attrs.field(default=None, converter=_optional)
    validity_required: bool = False
    card_type: CardType = CardType.CHIP
    kind: CardKind = CardKind.CUSTOMER
    gift_box: bool = False
    roller_clip: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.name:
            raise TemplateNameRequired()
        if not self.document_template:
            raise ValueError("document_template must name a document template")
        if self.ship_to is ShipTo.CUSTOMER and self.cover_letter is None:
            raise CoverLetterRequired(name=self.name)
        if self.roller_clip and self.kind is not CardKind.EMPLOYEE:
            raise RollerClipEmployeeOnly(name=self.name)

    @property
    def key(self) -> str:
        """The name as compared for uniqueness (CO4)."""
        return name_key(self.name)
