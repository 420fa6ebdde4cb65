"""Every refusal of the library, as one tree rooted in :class:`AmparexError`.

Each error has a stable, dotted :attr:`~AmparexError.code` (host applications switch on
it), its facts as attributes, and a message in English and German
(:meth:`~AmparexError.message`). ``str(error)`` is the English message. No error ever
holds a secret value.

Where the meaning matches, an error also subclasses a builtin: :class:`LookupError` for
things that do not exist, :class:`ValueError` for invalid values; failures of peers
(delivery, readers) stay plain :class:`AmparexError`::

    AmparexError
    ├── InterfaceError
    │   ├── InterfaceDuplicate              interface.duplicate              (ValueError)
    │   ├── InterfaceSettingsMismatch       interface.settings_mismatch      (ValueError)
    │   ├── WorkstationRequired             interface.workstation_required   (ValueError)
    │   ├── ClientSideRequired              interface.client_side_required   (ValueError)
    │   ├── ServerSideRequired              interface.server_side_required   (ValueError)
    │   ├── DisplayNameRequired             interface.display_name_required  (ValueError)
    │   ├── InterfaceNotAvailable           interface.not_available          (LookupError)
    │   ├── ContractRequired                interface.contract_required      (ValueError)
    │   └── InterfaceUnknown                interface.unknown                (LookupError)
    ├── LoyaltyLabError
    │   ├── CustomerNumberRequired          loyalty_lab.customer_number_required (ValueError)
    │   └── FilePatternInvalid              loyalty_lab.file_pattern_invalid (ValueError)
    ├── StatisticError
    │   ├── StatisticTemplateUnknown        statistic.unknown_template       (LookupError)
    │   ├── StatisticFormatNotCsv           statistic.format_not_csv         (ValueError)
    │   └── StatisticFailed                 statistic.failed
    ├── ExportError
    │   ├── ExportDirectoryInvalid          export.directory_invalid         (ValueError)
    │   └── ExportFailed                    export.failed
    ├── TemplateError
    │   ├── TemplateDuplicate               template.duplicate               (ValueError)
    │   ├── TemplateNameRequired            template.name_required           (ValueError)
    │   ├── NoTemplateDefined               template.none_defined            (LookupError)
    │   ├── TemplateUnknown                 template.unknown                 (LookupError)
    │   ├── DocumentTemplateUnknown         template.document_unknown        (LookupError)
    │   ├── DocumentTemplateInvalid         template.document_invalid       (ValueError)
    │   ├── CoverLetterRequired             template.cover_letter_required   (ValueError)
    │   └── RollerClipEmployeeOnly          template.roller_clip_employee_only (ValueError)
    ├── OrderError
    │   ├── ValidityRequired                order.validity_required          (ValueError)
    │   ├── ValidityNotAfterOrderDate       order.validity_not_after_order_date (ValueError)
    │   ├── AddressMissing                  order.address_missing            (LookupError)
    │   ├── HolderUnknown                   order.holder_unknown             (LookupError)
    │   ├── BranchUnknown                   order.branch_unknown             (LookupError)
    │   ├── ProcessRefInvalid               order.process_ref_invalid        (ValueError)
    │   ├── OrderNotCancellable             order.not_cancellable            (ValueError)
    │   ├── OrderUnknown                    order.unknown                    (LookupError)
    │   └── PriceMissing                    order.price_missing              (LookupError)
    ├── CardError
    │   ├── CardUnknown                     card.unknown                     (LookupError)
    │   ├── CardBlocked                     card.blocked                     (ValueError)
    │   ├── CardExpired                     card.expired                     (ValueError)
    │   ├── CardUidTaken                    card.uid_taken                   (ValueError)
    │   ├── CardUidInvalid                  card.uid_invalid                 (ValueError)
    │   ├── CardAlreadyRegistered           card.already_registered          (ValueError)
    │   ├── CardNumberInvalid               card.number_invalid              (ValueError)
    │   ├── CardDuplicate                   card.duplicate                   (ValueError)
    │   └── CardWriteFailed                 card.write_failed
    ├── DeliveryError
    │   ├── DeliveryFailed                  delivery.failed
    │   └── HostKeyRejected                 delivery.host_key_rejected
    ├── ReaderError
    │   ├── ReaderUnavailable               reader.unavailable
    │   ├── CardRemoved                     reader.card_removed
    │   └── CardUnreadable                  reader.card_unreadable
    ├── MasterDataError
    │   └── MasterDataInvalid               masterdata.invalid               (ValueError)
    └── StorageError
        ├── StorageUnavailable              storage.unavailable
        ├── StorageSchemaTooNew             storage.schema_too_new
        └── StorageValueInvalid             storage.value_invalid            (ValueError)

A new rule may add codes; an existing code never changes meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar, dataclass_transform

import attrs

__all__ = [
    "AddressMissing",
    "AmparexError",
    "BranchUnknown",
    "CardAlreadyRegistered",
    "CardBlocked",
    "CardDuplicate",
    "CardError",
    "CardExpired",
    "CardNumberInvalid",
    "CardRemoved",
    "CardUidInvalid",
    "CardUidTaken",
    "CardUnknown",
    "CardUnreadable",
    "CardWriteFailed",
    "ClientSideRequired",
    "ContractRequired",
    "CoverLetterRequired",
    "CustomerNumberRequired",
    "DeliveryError",
    "DeliveryFailed",
    "DisplayNameRequired",
    "DocumentTemplateInvalid",
    "DocumentTemplateUnknown",
    "ExportDirectoryInvalid",
    "ExportError",
    "ExportFailed",
    "FilePatternInvalid",
    "HolderUnknown",
    "HostKeyRejected",
    "InterfaceDuplicate",
    "InterfaceError",
    "InterfaceNotAvailable",
    "InterfaceSettingsMismatch",
    "InterfaceUnknown",
    "Lang",
    "LoyaltyLabError",
    "MasterDataError",
    "MasterDataInvalid",
    "NoTemplateDefined",
    "OrderError",
    "OrderNotCancellable",
    "OrderUnknown",
    "PriceMissing",
    "ProcessRefInvalid",
    "ReaderError",
    "ReaderUnavailable",
    "RollerClipEmployeeOnly",
    "ServerSideRequired",
    "StatisticError",
    "StatisticFailed",
    "StatisticFormatNotCsv",
    "StatisticTemplateUnknown",
    "StorageError",
    "StorageSchemaTooNew",
    "StorageUnavailable",
    "StorageValueInvalid",
    "TemplateDuplicate",
    "TemplateError",
    "TemplateNameRequired",
    "TemplateUnknown",
    "ValidityNotAfterOrderDate",
    "ValidityRequired",
    "WorkstationRequired",
    "all_error_classes",
]

Lang = Literal["en", "de"]


class AmparexError(Exception):
    """Root of every refusal the library raises.

    Subclasses are attrs classes: their fields are the facts of the refusal, and they set
    three class attributes: :attr:`code` (stable, dotted), ``en`` and ``de`` (message
    templates in :meth:`str.format` syntax over the facts).
    """

    code: ClassVar[str] = "amparex.error"
    """Stable, dotted, machine-readable code (``interface.duplicate``); never changes meaning."""
    en: ClassVar[str] = "The operation was refused."
    """English message template over the facts (:meth:`str.format` syntax)."""
    de: ClassVar[str] = "Der Vorgang wurde abgelehnt."
    """German message template over the facts (:meth:`str.format` syntax)."""

    @property
    def facts(self) -> dict[str, Any]:
        """The structured facts of this refusal, by name."""
        if attrs.has(type(self)):
            return attrs.asdict(self, recurse=False)  # type: ignore[arg-type]
        return {}

    def message(self, lang: Lang | str = "en") -> str:
        """The human-readable message.

        Args:
            lang: ``"en"`` or ``"de"``; anything else falls back to English.

        Returns:
            The message with the facts filled in.
        """
        template = self.de if lang == "de" else self.en
        return template.format_map(_Facts(self.facts))

    def __str__(self) -> str:
        return self.message("en")

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields: rebuild by name, so errors cross process boundaries.
        fields = attrs.asdict(self, recurse=False) if attrs.has(type(self)) else {}  # type: ignore[arg-type]
        return (_rebuild, (type(self), fields))


def _rebuild(cls: type[AmparexError], fields: dict[str, Any]) -> AmparexError:
    return cls(**fields)


class _Facts(dict[str, Any]):
    """Formats absent facts as a dash instead of raising."""

    def __init__(self, facts: Mapping[str, Any]) -> None:
        super().__init__({k: ("-" if v is None else v) for k, v in facts.items()})

    def __missing__(self, key: str) -> str:  # pragma: no cover - templates are tested
        return "{" + key + "}"


_T = TypeVar("_T", bound=type[AmparexError])


@dataclass_transform(kw_only_default=True, field_specifiers=(attrs.field,))
def _error(cls: _T) -> _T:
    """Make *cls* an attrs exception whose fields are its facts (keyword-only)."""
    return attrs.define(auto_exc=True, slots=False, kw_only=True)(cls)


# ---------------------------------------------------------------- interfaces


class InterfaceError(AmparexError):
    """Base of the errors of interface configuration (IF1–IF9)."""


@_error
class InterfaceDuplicate(InterfaceError, ValueError):
    """The same kind is already configured in that scope under that display name (IF7)."""

    code: ClassVar[str] = "interface.duplicate"
    en: ClassVar[str] = (
        "The interface '{display_name}' ({kind}) is already configured for this {scope}: "
        "configuration {existing_id} '{existing_display_name}'."
    )
    de: ClassVar[str] = (
        "Die Schnittstelle '{display_name}' ({kind}) ist für diesen Geltungsbereich "
        "({scope}) bereits eingerichtet: Konfiguration {existing_id} "
        "'{existing_display_name}'."
    )
    kind: str
    display_name: str
    scope: str
    existing_id: str
    existing_display_name: str


@_error
class InterfaceSettingsMismatch(InterfaceError, ValueError):
    """The settings belong to another interface kind than the configuration (IF1)."""

    code: ClassVar[str] = "interface.settings_mismatch"
    en: ClassVar[str] = "Settings of kind {settings_kind} do not fit an interface of kind {kind}."
    de: ClassVar[str] = (
        "Einstellungen der Art {settings_kind} passen nicht zu einer Schnittstelle der Art {kind}."
    )
    kind: str
    settings_kind: str


@_error
class WorkstationRequired(InterfaceError, ValueError):
    """A workstation-only kind was configured without a workstation (LL1)."""

    code: ClassVar[str] = "interface.workstation_required"
    en: ClassVar[str] = (
        "The interface {kind} works only as a workstation interface: name a workstation."
    )
    de: ClassVar[str] = (
        "Die Schnittstelle {kind} funktioniert nur als Arbeitsplatzschnittstelle: "
        "bitte einen Arbeitsplatz angeben."
    )
    kind: str


@_error
class ClientSideRequired(InterfaceError, ValueError):
    """A client-side-only kind was configured to run server-side (LL1, IF6)."""

    code: ClassVar[str] = "interface.client_side_required"
    en: ClassVar[str] = "The interface {kind} must run client-side."
    de: ClassVar[str] = "Die Schnittstelle {kind} muss clientseitig verwendet werden."
    kind: str


@_error
class ServerSideRequired(InterfaceError, ValueError):
    """A server-side-only kind was configured to run client-side (IF6)."""

    code: ClassVar[str] = "interface.server_side_required"
    en: ClassVar[str] = "The interface {kind} runs server-side and cannot be client-side."
    de: ClassVar[str] = (
        "Die Schnittstelle {kind} läuft serverseitig und kann nicht clientseitig verwendet werden."
    )
    kind: str


@_error
class DisplayNameRequired(InterfaceError, ValueError):
    """The display name is empty after trimming (IF7)."""

    code: ClassVar[str] = "interface.display_name_required"
    en: ClassVar[str] = "The interface {kind} needs a display name."
    de: ClassVar[str] = "Die Schnittstelle {kind} benötigt einen angezeigten Namen."
    kind: str


@_error
class InterfaceNotAvailable(InterfaceError, LookupError):
    """Nothing of that kind is available for this branch, workstation and date (IF9)."""

    code: ClassVar[str] = "interface.not_available"
    en: ClassVar[str] = (
        "No interface {kind} is available for branch {branch}, workstation {workstation} on {on}."
    )
    de: ClassVar[str] = (
        "Für Filiale {branch}, Arbeitsplatz {workstation} ist am {on} keine Schnittstelle "
        "{kind} verfügbar."
    )
    kind: str
    branch: str | None
    workstation: str | None
    on: str


@_error
class ContractRequired(InterfaceError, ValueError):
    """Card ordering was attempted without a card contract or its key (CO1)."""

    code: ClassVar[str] = "interface.contract_required"
    en: ClassVar[str] = (
        "The card-ordering interface {interface_id} has no card contract and key: "
        "request information from AMPAREX first."
    )
    de: ClassVar[str] = (
        "Die Schnittstelle zur Kartenbestellung {interface_id} hat keinen Kartenvertrag "
        "mit Schlüssel: bitte zuerst Informationen bei AMPAREX anfordern."
    )
    interface_id: str


@_error
class InterfaceUnknown(InterfaceError, LookupError):
    """No configuration has that ID (IF4)."""

    code: ClassVar[str] = "interface.unknown"
    en: ClassVar[str] = "No interface configuration has the ID {interface_id}."
    de: ClassVar[str] = "Es gibt keine Schnittstellenkonfiguration mit der ID {interface_id}."
    interface_id: str


# ---------------------------------------------------------------- loyalty lab


class LoyaltyLabError(AmparexError):
    """Base of the errors of the Loyalty Lab settings (LL1–LL4)."""


@_error
class CustomerNumberRequired(LoyaltyLabError, ValueError):
    """The Loyalty Lab customer number is missing (LL2)."""

    code: ClassVar[str] = "loyalty_lab.customer_number_required"
    en: ClassVar[str] = "The Loyalty Lab customer number is required."
    de: ClassVar[str] = "Die Kunden-Nr. bei Loyalty Lab ist ein Pflichtfeld."


@_error
class FilePatternInvalid(LoyaltyLabError, ValueError):
    """The export file-name pattern cannot make safe, distinct file names (LL6)."""

    code: ClassVar[str] = "loyalty_lab.file_pattern_invalid"
    en: ClassVar[str] = "The export file-name pattern '{pattern}' is invalid: {reason}."
    de: ClassVar[str] = "Das Dateinamensmuster '{pattern}' ist ungültig: {reason}."
    pattern: str
    reason: str


# ---------------------------------------------------------------- statistics


class StatisticError(AmparexError):
    """Base of the errors of statistic templates and their execution (LL3, LL5)."""


@_error
class StatisticTemplateUnknown(StatisticError, LookupError):
    """A statistic slot names a template that does not exist (LL3)."""

    code: ClassVar[str] = "statistic.unknown_template"
    en: ClassVar[str] = "The statistic template {template_id} ({statistic}) does not exist."
    de: ClassVar[str] = "Die Statistikvorlage {template_id} ({statistic}) existiert nicht."
    template_id: str
    statistic: str


@_error
class StatisticFormatNotCsv(StatisticError, ValueError):
    """A statistic template's file format is not CSV (LL3)."""

    code: ClassVar[str] = "statistic.format_not_csv"
    en: ClassVar[str] = (
        "The statistic template {template_id} has the file format {file_format}; "
        "Loyalty Lab needs CSV."
    )
    de: ClassVar[str] = (
        "Die Statistikvorlage {template_id} hat das Dateiformat {file_format}; "
        "Loyalty Lab benötigt CSV."
    )
    template_id: str
    file_format: str


@_error
class StatisticFailed(StatisticError):
    """Running a statistic template failed (LL5)."""

    code: ClassVar[str] = "statistic.failed"
    en: ClassVar[str] = "The statistic template {template_id} could not be run: {reason}."
    de: ClassVar[str] = (
        "Die Statistikvorlage {template_id} konnte nicht ausgeführt werden: {reason}."
    )
    template_id: str
    reason: str


# ---------------------------------------------------------------- exports


class ExportError(AmparexError):
    """Base of the errors of the workstation export folder (LL4, LL7)."""


@_error
class ExportDirectoryInvalid(ExportError, ValueError):
    """The directory is not an absolute, usable folder (LL4)."""

    code: ClassVar[str] = "export.directory_invalid"
    en: ClassVar[str] = "The export directory '{directory}' cannot be used: {reason}."
    de: ClassVar[str] = "Das Verzeichnis '{directory}' kann nicht verwendet werden: {reason}."
    directory: str
    reason: str


@_error
class ExportFailed(ExportError):
    """Writing an export file failed; nothing is left under its final name (LL7)."""

    code: ClassVar[str] = "export.failed"
    en: ClassVar[str] = "The export file '{file_name}' in '{directory}' was not written: {reason}."
    de: ClassVar[str] = (
        "Die Exportdatei '{file_name}' in '{directory}' wurde nicht geschrieben: {reason}."
    )
    directory: str
    file_name: str
    reason: str


# ---------------------------------------------------------------- card templates


class TemplateError(AmparexError):
    """Base of the errors of card templates (CO3–CO12)."""


@_error
class TemplateDuplicate(TemplateError, ValueError):
    """A card template of that name exists (CO4)."""

    code: ClassVar[str] = "template.duplicate"
    en: ClassVar[str] = "A card template named '{existing_name}' already exists."
    de: ClassVar[str] = "Eine Kartenvorlage mit dem Namen '{existing_name}' existiert bereits."
    name: str
    existing_name: str


@_error
class TemplateNameRequired(TemplateError, ValueError):
    """A card template needs a name (CO4)."""

    code: ClassVar[str] = "template.name_required"
    en: ClassVar[str] = "A card template needs a name."
    de: ClassVar[str] = "Eine Kartenvorlage benötigt einen Namen."


@_error
class NoTemplateDefined(TemplateError, LookupError):
    """A card was ordered while no card template exists (CO3)."""

    code: ClassVar[str] = "template.none_defined"
    en: ClassVar[str] = "No card template exists: create at least one before ordering cards."
    de: ClassVar[str] = (
        "Es existiert keine Vorlage zur Kartenbestellung: bitte vor der Bestellung "
        "mindestens eine Vorlage anlegen."
    )


@_error
class TemplateUnknown(TemplateError, LookupError):
    """A card template of that name does not exist (CO3)."""

    code: ClassVar[str] = "template.unknown"
    en: ClassVar[str] = "No card template is named '{name}'."
    de: ClassVar[str] = "Es gibt keine Kartenvorlage mit dem Namen '{name}'."
    name: str


@_error
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


@_error
class DocumentTemplateInvalid(TemplateError, ValueError):
    """A document template cannot be rendered (for example a misspelt field expression)."""

    code: ClassVar[str] = "template.document_invalid"
    en: ClassVar[str] = "The document template '{document_id}' is invalid ({field}): {reason}."
    de: ClassVar[str] = "Die Dokumentvorlage '{document_id}' ist ungültig ({field}): {reason}."
    document_id: str
    field: str
    reason: str


@_error
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


@_error
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


@_error
class ValidityRequired(OrderError, ValueError):
    """No valid-until date where the template requires one (CO9)."""

    code: ClassVar[str] = "order.validity_required"
    en: ClassVar[str] = "Card template '{template}' requires a valid-until date on every order."
    de: ClassVar[str] = (
        "Die Kartenvorlage '{template}' verlangt bei jeder Bestellung ein Gültigkeitsdatum."
    )
    template: str


@_error
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


@_error
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


@_error
class HolderUnknown(OrderError, LookupError):
    """The card holder (customer or employee) is not in the master data."""

    code: ClassVar[str] = "order.holder_unknown"
    en: ClassVar[str] = "No {holder_kind} with the ID {holder_id} exists in the master data."
    de: ClassVar[str] = "In den Stammdaten gibt es keinen {holder_kind} mit der ID {holder_id}."
    holder_kind: str
    holder_id: str


@_error
class BranchUnknown(OrderError, LookupError):
    """The branch is not in the master data."""

    code: ClassVar[str] = "order.branch_unknown"
    en: ClassVar[str] = "No branch with the ID {branch} exists in the master data."
    de: ClassVar[str] = "In den Stammdaten gibt es keine Filiale mit der ID {branch}."
    branch: str


@_error
class ProcessRefInvalid(OrderError, ValueError):
    """An order needs the process (and optionally step) it was placed from (CO13)."""

    code: ClassVar[str] = "order.process_ref_invalid"
    en: ClassVar[str] = "The process reference '{text}' is invalid: {reason}."
    de: ClassVar[str] = "Die Vorgangsreferenz '{text}' ist ungültig: {reason}."
    text: str
    reason: str


@_error
class OrderNotCancellable(OrderError, ValueError):
    """Cancelling an order that is already dispatched (CO17)."""

    code: ClassVar[str] = "order.not_cancellable"
    en: ClassVar[str] = "Order {order_id} is {status} and can no longer be cancelled."
    de: ClassVar[str] = (
        "Die Bestellung {order_id} hat den Status {status} und kann nicht mehr storniert werden."
    )
    order_id: str
    status: str


@_error
class OrderUnknown(OrderError, LookupError):
    """No order has that ID (CO17)."""

    code: ClassVar[str] = "order.unknown"
    en: ClassVar[str] = "No card order has the ID {order_id}."
    de: ClassVar[str] = "Es gibt keine Kartenbestellung mit der ID {order_id}."
    order_id: str


@_error
class PriceMissing(OrderError, LookupError):
    """The price list has no price for an item an order needs (CO15)."""

    code: ClassVar[str] = "order.price_missing"
    en: ClassVar[str] = "The price list has no price for {item}."
    de: ClassVar[str] = "Die Preisliste enthält keinen Preis für {item}."
    item: str


# ---------------------------------------------------------------- cards


class CardError(AmparexError):
    """Base of the errors of issued cards at the counter (CR1–CR5)."""


@_error
class CardUnknown(CardError, LookupError):
    """No issued card has this UID or number (CR2)."""

    code: ClassVar[str] = "card.unknown"
    en: ClassVar[str] = "No issued card has the {what} {value}."
    de: ClassVar[str] = "Keine ausgegebene Karte hat {what_de} {value}."
    what: str
    value: str

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with the looked-up attribute also named in German."""
        facts = super().facts
        facts["what_de"] = {"UID": "die UID", "number": "die Nummer"}.get(self.what, self.what)
        return facts


@_error
class CardBlocked(CardError, ValueError):
    """The card is marked invalid (CR2, CR4)."""

    code: ClassVar[str] = "card.blocked"
    en: ClassVar[str] = "Card {card_number} is marked invalid."
    de: ClassVar[str] = "Die Karte {card_number} ist als ungültig markiert."
    card_number: str


@_error
class CardExpired(CardError, ValueError):
    """The card's valid-until date has passed (CR2)."""

    code: ClassVar[str] = "card.expired"
    en: ClassVar[str] = "Card {card_number} expired on {valid_until}."
    de: ClassVar[str] = "Die Karte {card_number} ist seit dem {valid_until} abgelaufen."
    card_number: str
    valid_until: str


@_error
class CardUidTaken(CardError, ValueError):
    """The UID already belongs to another card (CR3)."""

    code: ClassVar[str] = "card.uid_taken"
    en: ClassVar[str] = "The card UID {uid} already belongs to card {card_number}."
    de: ClassVar[str] = "Die Karten-UID {uid} gehört bereits zur Karte {card_number}."
    uid: str
    card_number: str


@_error
class CardUidInvalid(CardError, ValueError):
    """A UID that no known form can parse (CR5)."""

    code: ClassVar[str] = "card.uid_invalid"
    en: ClassVar[str] = "'{text}' is not a card UID ({form}): {reason}."
    de: ClassVar[str] = "'{text}' ist keine Karten-UID ({form}): {reason}."
    text: str
    form: str
    reason: str


@_error
class CardAlreadyRegistered(CardError, ValueError):
    """The card is already linked to another physical card (CR3)."""

    code: ClassVar[str] = "card.already_registered"
    en: ClassVar[str] = "Card {card_number} is already registered to the card UID {uid}."
    de: ClassVar[str] = "Die Karte {card_number} ist bereits der Karten-UID {uid} zugeordnet."
    card_number: str
    uid: str


@_error
class CardNumberInvalid(CardError, ValueError):
    """A card number of the wrong format or with a wrong check digit."""

    code: ClassVar[str] = "card.number_invalid"
    en: ClassVar[str] = "'{number}' is not a valid card number: {reason}."
    de: ClassVar[str] = "'{number}' ist keine gültige Kartennummer: {reason}."
    number: str
    reason: str


@_error
class CardDuplicate(CardError, ValueError):
    """An issued card with that number exists already."""

    code: ClassVar[str] = "card.duplicate"
    en: ClassVar[str] = "An issued card with the number {card_number} exists already."
    de: ClassVar[str] = "Eine ausgegebene Karte mit der Nummer {card_number} existiert bereits."
    card_number: str


@_error
class CardWriteFailed(CardError):
    """Encoding a card failed or could not be verified (CR4)."""

    code: ClassVar[str] = "card.write_failed"
    en: ClassVar[str] = "Card {card_number} was not encoded: {reason}."
    de: ClassVar[str] = "Die Karte {card_number} wurde nicht beschrieben: {reason}."
    card_number: str
    reason: str


# ---------------------------------------------------------------- delivery


class DeliveryError(AmparexError):
    """Base of the errors of delivering files and messages (LL8, CO16, CO18)."""


@_error
class DeliveryFailed(DeliveryError):
    """The peer refused or the connection broke, after retries (LL8, CO16)."""

    code: ClassVar[str] = "delivery.failed"
    en: ClassVar[str] = "Delivering '{item}' to {destination} failed: {reason}."
    de: ClassVar[str] = (
        "Die Übertragung von '{item}' an {destination} ist fehlgeschlagen: {reason}."
    )
    destination: str
    item: str
    reason: str


@_error
class HostKeyRejected(DeliveryError):
    """The server's host key is unknown or changed (LL8)."""

    code: ClassVar[str] = "delivery.host_key_rejected"
    en: ClassVar[str] = "The host key of {host} was rejected ({fingerprint}): {reason}."
    de: ClassVar[str] = "Der Hostschlüssel von {host} wurde abgelehnt ({fingerprint}): {reason}."
    host: str
    fingerprint: str
    reason: str


# ---------------------------------------------------------------- readers


class ReaderError(AmparexError):
    """Base of the errors of card readers (CR1)."""


@_error
class ReaderUnavailable(ReaderError):
    """No such reader, or the middleware is not running (CR1)."""

    code: ClassVar[str] = "reader.unavailable"
    en: ClassVar[str] = "The card reader {reader} is not available: {reason}."
    de: ClassVar[str] = "Das Kartenlesegerät {reader} ist nicht verfügbar: {reason}."
    reader: str
    reason: str


@_error
class CardRemoved(ReaderError):
    """The card left the reader before it was read to the end (CR1)."""

    code: ClassVar[str] = "reader.card_removed"
    en: ClassVar[str] = (
        "The card was removed from {reader} before it could be read: present it again."
    )
    de: ClassVar[str] = (
        "Die Karte wurde vom Kartenlesegerät {reader} entfernt, bevor sie gelesen war: "
        "bitte erneut auflegen."
    )
    reader: str


@_error
class CardUnreadable(ReaderError):
    """The reader saw a card but could not read its identity (CR1)."""

    code: ClassVar[str] = "reader.card_unreadable"
    en: ClassVar[str] = "The card on {reader} could not be read: {reason}."
    de: ClassVar[str] = (
        "Die Karte am Kartenlesegerät {reader} konnte nicht gelesen werden: {reason}."
    )
    reader: str
    reason: str


# ---------------------------------------------------------------- master data


class MasterDataError(AmparexError):
    """Base of the errors of master data kept by the library itself."""


@_error
class MasterDataInvalid(MasterDataError, ValueError):
    """A master-data bundle has bad records; nothing of it was imported."""

    code: ClassVar[str] = "masterdata.invalid"
    en: ClassVar[str] = "The master data {source} were not imported: {count} problem(s): {listing}."
    de: ClassVar[str] = (
        "Die Stammdaten {source} wurden nicht importiert: {count} Fehler: {listing}."
    )
    source: str
    problems: tuple[str, ...]

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with the number of problems and the first ten of them."""
        facts = super().facts
        facts["count"] = len(self.problems)
        shown = list(self.problems[:10])
        if len(self.problems) > 10:
            shown.append("…")
        facts["listing"] = "; ".join(shown)
        return facts


# ---------------------------------------------------------------- storage


class StorageError(AmparexError):
    """Base of the errors of the store itself (a database that cannot be used)."""


@_error
class StorageUnavailable(StorageError):
    """The store cannot be opened or reached (a missing folder, a server that is down)."""

    code: ClassVar[str] = "storage.unavailable"
    en: ClassVar[str] = "The store {store} cannot be used: {reason}."
    de: ClassVar[str] = "Der Datenspeicher {store} kann nicht verwendet werden: {reason}."
    store: str
    reason: str


@_error
class StorageSchemaTooNew(StorageError):
    """The database was written by a newer version of the library; it is not touched."""

    code: ClassVar[str] = "storage.schema_too_new"
    en: ClassVar[str] = (
        "The store {store} has schema version {found}; this version of amparex-core "
        "supports up to {supported}. Update amparex-core."
    )
    de: ClassVar[str] = (
        "Der Datenspeicher {store} hat die Schemaversion {found}; diese Version von "
        "amparex-core unterstützt höchstens {supported}. Bitte amparex-core aktualisieren."
    )
    store: str
    found: int
    supported: int


@_error
class StorageValueInvalid(StorageError, ValueError):
    """The store cannot keep a value it was given (PostgreSQL refuses a NUL in text)."""

    code: ClassVar[str] = "storage.value_invalid"
    en: ClassVar[str] = "The store {store} cannot keep a value: {reason}."
    de: ClassVar[str] = "Der Datenspeicher {store} kann einen Wert nicht speichern: {reason}."
    store: str
    reason: str


def all_error_classes() -> list[type[AmparexError]]:
    """Every concrete error class, in definition order.

    Returns:
        The classes that carry a code of their own.
    """
    found: list[type[AmparexError]] = []
    pending: list[type[AmparexError]] = [AmparexError]
    while pending:
        cls = pending.pop(0)
        sub: type[AmparexError]
        for sub in cls.__subclasses__():
            pending.append(sub)
            if "__attrs_attrs__" in vars(sub) and sub.code != cls.code:
                found.append(sub)
    return found
