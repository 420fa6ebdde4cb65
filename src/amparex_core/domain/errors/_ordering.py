"""Refusals of card templates and card orders (CO)."""

from __future__ import annotations

from typing import Any, ClassVar

from ._base import AmparexError, error_class, publish

__all__ = [
    "AddressMissing",
    "BranchUnknown",
    "CoverLetterRequired",
    "DocumentTemplateInvalid",
    "DocumentTemplateUnknown",
    "DocumentTemplateWrongKind",
    "HolderUnknown",
    "NoTemplateDefined",
    "OrderConflict",
    "OrderError",
    "OrderNotCancellable",
    "OrderUnknown",
    "PriceMissing",
    "ProcessRefInvalid",
    "RollerClipEmployeeOnly",
    "TemplateDuplicate",
    "TemplateError",
    "TemplateNameRequired",
    "TemplateUnknown",
    "ValidityNotAfterOrderDate",
    "ValidityRequired",
]

# ---------------------------------------------------------------- card templates


class TemplateError(AmparexError):
    """Base of the errors of card templates (CO3–CO12)."""


@error_class
class TemplateDuplicate(TemplateError, ValueError):
    """A card template of that name exists (CO4)."""

    code: ClassVar[str] = "template.duplicate"
    en: ClassVar[str] = "A card template named '{existing_name}' already exists."
    de: ClassVar[str] = "Eine Kartenvorlage mit dem Namen '{existing_name}' existiert bereits."
    name: str
    existing_name: str


@error_class
class TemplateNameRequired(TemplateError, ValueError):
    """A card template needs a name (CO4)."""

    code: ClassVar[str] = "template.name_required"
    en: ClassVar[str] = "A card template needs a name."
    de: ClassVar[str] = "Eine Kartenvorlage benötigt einen Namen."


@error_class
class NoTemplateDefined(TemplateError, LookupError):
    """A card was ordered while no card template exists (CO3)."""

    code: ClassVar[str] = "template.none_defined"
    en: ClassVar[str] = "No card template exists: create at least one before ordering cards."
    de: ClassVar[str] = (
        "Es existiert keine Vorlage zur Kartenbestellung: bitte vor der Bestellung "
        "mindestens eine Vorlage anlegen."
    )


@error_class
class TemplateUnknown(TemplateError, LookupError):
    """A card template of that name does not exist (CO3)."""

    code: ClassVar[str] = "template.unknown"
    en: ClassVar[str] = "No card template is named '{name}'."
    de: ClassVar[str] = "Es gibt keine Kartenvorlage mit dem Namen '{name}'."
    name: str


@error_class
class DocumentTemplateUnknown(TemplateError, LookupError):
    """A document template or cover letter is missing from the master data (CO8)."""

    code: ClassVar[str] = "template.document_unknown"
    en: ClassVar[str] = (
        "The {role} '{document_id}' of card template '{template}' does not exist in the "
        "master data."
    )
    de: ClassVar[str] = (
        "Die Dokumentvorlage '{document_id}' ({role}) der Kartenvorlage '{template}' "
        "existiert nicht in den Stammdaten."
    )
    template: str
    document_id: str
    role: str

    def message(self, lang: str = "en") -> str:
        """See :meth:`AmparexError.message`; in German the role too (Kartenvorderseite, …)."""
        if lang != "de":
            return super().message(lang)
        role = _GERMAN_ROLES.get(self.role, self.role)
        return self.de.format_map({**self.facts, "role": role})


@error_class
class DocumentTemplateInvalid(TemplateError, ValueError):
    """A document template cannot be rendered (for example a misspelt field expression)."""

    code: ClassVar[str] = "template.document_invalid"
    en: ClassVar[str] = "The document template '{document_id}' is invalid ({field}): {reason}."
    de: ClassVar[str] = "Die Dokumentvorlage '{document_id}' ist ungültig ({field}): {reason}."
    document_id: str
    field: str
    reason: str


_GERMAN_ROLES = {
    "document template": "Kartenvorderseite",
    "document": "Kartenvorderseite",
    "cover letter": "Anschreiben",
}

_GERMAN_WORDS = {
    "card": "Karte",
    "letter": "Anschreiben",
    "text": "Text",
    "document template": "Dokumentvorlage",
    "cover letter": "Anschreiben",
}


@error_class
class DocumentTemplateWrongKind(TemplateError, ValueError):
    """A document template of the wrong kind for its role: a letter as a card face (CO8)."""

    code: ClassVar[str] = "template.document_wrong_kind"
    en: ClassVar[str] = (
        "The document template '{document_id}' is of kind {kind}; as the {role} of card "
        "template '{template}' it must be of kind {expected}."
    )
    de: ClassVar[str] = (
        "Die Dokumentvorlage '{document_id}' ist vom Typ {kind}; als {role} der "
        "Kartenvorlage '{template}' muss sie vom Typ {expected} sein."
    )
    template: str
    document_id: str
    role: str
    kind: str
    expected: str

    def message(self, lang: str = "en") -> str:
        """See :meth:`AmparexError.message`; in German the kinds and the role too."""
        if lang != "de":
            return super().message(lang)
        words = {
            name: _GERMAN_WORDS.get(value, value) if name in ("kind", "expected", "role") else value
            for name, value in self.facts.items()
        }
        return self.de.format_map(words)


@error_class
class CoverLetterRequired(TemplateError, ValueError):
    """A template shipping to the customer has no cover letter (CO8)."""

    code: ClassVar[str] = "template.cover_letter_required"
    en: ClassVar[str] = (
        "Card template '{name}' ships cards to the customer and therefore needs a cover letter."
    )
    de: ClassVar[str] = (
        "Die Kartenvorlage '{name}' verschickt Karten an den Kunden und benötigt daher "
        "ein Anschreiben."
    )
    name: str


@error_class
class RollerClipEmployeeOnly(TemplateError, ValueError):
    """A roller clip was chosen for a customer card (CO12)."""

    code: ClassVar[str] = "template.roller_clip_employee_only"
    en: ClassVar[str] = (
        "Card template '{name}': a roller clip can only be ordered with employee cards."
    )
    de: ClassVar[str] = (
        "Kartenvorlage '{name}': ein Rollerclip kann nur mit Mitarbeiterkarten bestellt werden."
    )
    name: str


# ---------------------------------------------------------------- orders


class OrderError(AmparexError):
    """Base of the errors of card orders (CO5–CO17)."""


@error_class
class ValidityRequired(OrderError, ValueError):
    """No valid-until date where the template requires one (CO9)."""

    code: ClassVar[str] = "order.validity_required"
    en: ClassVar[str] = "Card template '{template}' requires a valid-until date on every order."
    de: ClassVar[str] = (
        "Die Kartenvorlage '{template}' verlangt bei jeder Bestellung ein Gültigkeitsdatum."
    )
    template: str


@error_class
class ValidityNotAfterOrderDate(OrderError, ValueError):
    """A valid-until date on or before the order date (CO9)."""

    code: ClassVar[str] = "order.validity_not_after_order_date"
    en: ClassVar[str] = (
        "The valid-until date {valid_until} must be later than the order date {order_date}."
    )
    de: ClassVar[str] = (
        "Das Gültigkeitsdatum {valid_until} muss nach dem Bestelldatum {order_date} liegen."
    )
    valid_until: str
    order_date: str


@error_class
class AddressMissing(OrderError, LookupError):
    """No address, or no leading branch, for the ship-to (CO5)."""

    code: ClassVar[str] = "order.address_missing"
    en: ClassVar[str] = "The card cannot be shipped to {ship_to}: {holder_id} has no {missing}."
    de: ClassVar[str] = (
        "Die Karte kann nicht an {ship_to_de} verschickt werden: für {holder_id} fehlt "
        "{missing_de}."
    )
    ship_to: str
    holder_id: str
    missing: str

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with the missing item also named in German."""
        facts = super().facts
        facts["missing_de"] = {
            "postal address": "die Postanschrift",
            "leading branch": "die führende Filiale",
            "branch address": "die Anschrift der Filiale",
        }.get(self.missing, self.missing)
        facts["ship_to_de"] = {
            "customer": "den Kunden",
            "ordering_branch": "die bestellende Filiale",
            "customer_branch": "die Filiale des Kunden",
        }.get(self.ship_to, self.ship_to)
        return facts


@error_class
class HolderUnknown(OrderError, LookupError):
    """The card holder (customer or employee) is not in the master data."""

    code: ClassVar[str] = "order.holder_unknown"
    en: ClassVar[str] = "No {holder_kind} with the ID {holder_id} exists in the master data."
    de: ClassVar[str] = "In den Stammdaten gibt es keinen {holder_kind} mit der ID {holder_id}."
    holder_kind: str
    holder_id: str


@error_class
class BranchUnknown(OrderError, LookupError):
    """The branch is not in the master data."""

    code: ClassVar[str] = "order.branch_unknown"
    en: ClassVar[str] = "No branch with the ID {branch} exists in the master data."
    de: ClassVar[str] = "In den Stammdaten gibt es keine Filiale mit der ID {branch}."
    branch: str


@error_class
class ProcessRefInvalid(OrderError, ValueError):
    """An order needs the process (and optionally step) it was placed from (CO13)."""

    code: ClassVar[str] = "order.process_ref_invalid"
    en: ClassVar[str] = "The process reference '{text}' is invalid: {reason}."
    de: ClassVar[str] = "Die Vorgangsreferenz '{text}' ist ungültig: {reason}."
    text: str
    reason: str


@error_class
class OrderNotCancellable(OrderError, ValueError):
    """Cancelling an order that is already dispatched (CO17)."""

    code: ClassVar[str] = "order.not_cancellable"
    en: ClassVar[str] = "Order {order_id} is {status} and can no longer be cancelled."
    de: ClassVar[str] = (
        "Die Bestellung {order_id} hat den Status {status} und kann nicht mehr storniert werden."
    )
    order_id: str
    status: str


_REQUEST_PARTS_DE: dict[str, str] = {
    "template": "Kartenvorlage",
    "holder": "Karteninhaber",
    "ordering_branch": "bestellende Filiale",
    "valid_until": "Gültigkeitsdatum",
}


@error_class
class OrderConflict(OrderError, ValueError):
    """A process reference already used for a different request (CO21).

    ``differences`` names what differs from the first order, comma-separated, out of
    ``template``, ``holder``, ``ordering_branch`` and ``valid_until``.
    """

    code: ClassVar[str] = "order.conflict"
    en: ClassVar[str] = (
        "The process reference '{process_ref}' was already used for order "
        "{existing_order_id} with another {differences_en}; a process orders one card."
    )
    de: ClassVar[str] = (
        "Die Vorgangsreferenz '{process_ref}' wurde bereits für die Bestellung "
        "{existing_order_id} mit anderen Angaben verwendet ({differences_de}); ein Vorgang "
        "bestellt eine Karte."
    )
    process_ref: str
    existing_order_id: str
    differences: str

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with the differing parts named in English and German words."""
        facts = super().facts
        parts = [p.strip() for p in str(self.differences).split(",") if p.strip()]
        facts["differences_en"] = ", ".join(p.replace("_", " ") for p in parts)
        facts["differences_de"] = ", ".join(_REQUEST_PARTS_DE.get(p, p) for p in parts)
        return facts


@error_class
class OrderUnknown(OrderError, LookupError):
    """No order has that ID (CO17)."""

    code: ClassVar[str] = "order.unknown"
    en: ClassVar[str] = "No card order has the ID {order_id}."
    de: ClassVar[str] = "Es gibt keine Kartenbestellung mit der ID {order_id}."
    order_id: str


@error_class
class PriceMissing(OrderError, LookupError):
    """The price list has no price for an item an order needs (CO15)."""

    code: ClassVar[str] = "order.price_missing"
    en: ClassVar[str] = "The price list has no price for {item}."
    de: ClassVar[str] = "Die Preisliste enthält keinen Preis für {item}."
    item: str


publish(globals(), __all__)
