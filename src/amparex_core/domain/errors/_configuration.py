"""Refusals of interface configuration, Loyalty Lab, statistics and exports (IF, LL)."""

from __future__ import annotations

from typing import ClassVar

from ._base import AmparexError, error_class, publish

__all__ = [
    "ClientSideRequired",
    "ContractRequired",
    "CustomerNumberRequired",
    "DestinationTaken",
    "DisplayNameRequired",
    "ExportDirectoryInvalid",
    "ExportError",
    "ExportFailed",
    "FilePatternInvalid",
    "InterfaceDuplicate",
    "InterfaceError",
    "InterfaceNotAvailable",
    "InterfaceSettingsMismatch",
    "InterfaceUnknown",
    "KeyInClear",
    "LoyaltyLabError",
    "ServerSideRequired",
    "StatisticError",
    "StatisticFailed",
    "StatisticFormatNotCsv",
    "StatisticTemplateUnknown",
    "WorkstationRequired",
]

# ---------------------------------------------------------------- interfaces


class InterfaceError(AmparexError):
    """Base of the errors of interface configuration (IF1–IF9)."""


@error_class
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


@error_class
class InterfaceSettingsMismatch(InterfaceError, ValueError):
    """The settings belong to another interface kind than the configuration (IF1)."""

    code: ClassVar[str] = "interface.settings_mismatch"
    en: ClassVar[str] = "Settings of kind {settings_kind} do not fit an interface of kind {kind}."
    de: ClassVar[str] = (
        "Einstellungen der Art {settings_kind} passen nicht zu einer Schnittstelle der Art {kind}."
    )
    kind: str
    settings_kind: str


@error_class
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


@error_class
class ClientSideRequired(InterfaceError, ValueError):
    """A client-side-only kind was configured to run server-side (LL1, IF6)."""

    code: ClassVar[str] = "interface.client_side_required"
    en: ClassVar[str] = "The interface {kind} must run client-side."
    de: ClassVar[str] = "Die Schnittstelle {kind} muss clientseitig verwendet werden."
    kind: str


@error_class
class ServerSideRequired(InterfaceError, ValueError):
    """A server-side-only kind was configured to run client-side (IF6)."""

    code: ClassVar[str] = "interface.server_side_required"
    en: ClassVar[str] = "The interface {kind} runs server-side and cannot be client-side."
    de: ClassVar[str] = (
        "Die Schnittstelle {kind} läuft serverseitig und kann nicht clientseitig verwendet werden."
    )
    kind: str


@error_class
class DisplayNameRequired(InterfaceError, ValueError):
    """The display name is empty after trimming (IF7)."""

    code: ClassVar[str] = "interface.display_name_required"
    en: ClassVar[str] = "The interface {kind} needs a display name."
    de: ClassVar[str] = "Die Schnittstelle {kind} benötigt einen angezeigten Namen."
    kind: str


@error_class
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


@error_class
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


@error_class
class InterfaceUnknown(InterfaceError, LookupError):
    """No configuration has that ID (IF4)."""

    code: ClassVar[str] = "interface.unknown"
    en: ClassVar[str] = "No interface configuration has the ID {interface_id}."
    de: ClassVar[str] = "Es gibt keine Schnittstellenkonfiguration mit der ID {interface_id}."
    interface_id: str


@error_class
class KeyInClear(InterfaceError, ValueError):
    """A configuration would keep the card contract's key in clear text (OP6, CO1)."""

    code: ClassVar[str] = "interface.key_in_clear"
    en: ClassVar[str] = (
        "The card contract's key of interface {interface_id} is never kept in the store: "
        "keep it in the secrets (AMPAREX_CARD_KEY or card_key in the secrets file) and "
        "store a reference to it."
    )
    de: ClassVar[str] = (
        "Der Schlüssel des Kartenvertrags der Schnittstelle {interface_id} wird nie im "
        "Datenspeicher abgelegt: bitte in den Geheimnissen hinterlegen (AMPAREX_CARD_KEY "
        "oder card_key in der Geheimnisdatei) und nur einen Verweis darauf speichern."
    )
    interface_id: str


# ---------------------------------------------------------------- loyalty lab


class LoyaltyLabError(AmparexError):
    """Base of the errors of the Loyalty Lab settings (LL1–LL4)."""


@error_class
class CustomerNumberRequired(LoyaltyLabError, ValueError):
    """The Loyalty Lab customer number is missing (LL2)."""

    code: ClassVar[str] = "loyalty_lab.customer_number_required"
    en: ClassVar[str] = "The Loyalty Lab customer number is required."
    de: ClassVar[str] = "Die Kunden-Nr. bei Loyalty Lab ist ein Pflichtfeld."


@error_class
class FilePatternInvalid(LoyaltyLabError, ValueError):
    """The export file-name pattern cannot make safe, distinct file names (LL6)."""

    code: ClassVar[str] = "loyalty_lab.file_pattern_invalid"
    en: ClassVar[str] = "The export file-name pattern '{pattern}' is invalid: {reason}."
    de: ClassVar[str] = "Das Dateinamensmuster '{pattern}' ist ungültig: {reason}."
    pattern: str
    reason: str


@error_class
class DestinationTaken(LoyaltyLabError, ValueError):
    """Another configuration uploads files under the same remote names (LL10)."""

    code: ClassVar[str] = "loyalty_lab.destination_taken"
    en: ClassVar[str] = (
        "The Loyalty Lab configuration {existing_id} (workstation {existing_workstation}, "
        "folder '{existing_directory}') uploads files under the same names to {destination}, "
        "e.g. '{file_name}': one upload would replace the other. Put the placeholder "
        "workstation into the file pattern, or use another customer number or destination."
    )
    de: ClassVar[str] = (
        "Die Loyalty-Lab-Konfiguration {existing_id} (Arbeitsplatz {existing_workstation}, "
        "Verzeichnis '{existing_directory}') lädt Dateien unter denselben Namen nach "
        "{destination} hoch, z. B. '{file_name}': ein Upload würde den anderen ersetzen. "
        "Bitte den Platzhalter workstation in das Dateinamensmuster aufnehmen oder eine "
        "andere Kundennummer bzw. ein anderes Ziel verwenden."
    )
    existing_id: str
    existing_workstation: str | None
    existing_directory: str
    destination: str
    file_name: str


# ---------------------------------------------------------------- statistics


class StatisticError(AmparexError):
    """Base of the errors of statistic templates and their execution (LL3, LL5)."""


@error_class
class StatisticTemplateUnknown(StatisticError, LookupError):
    """A statistic slot names a template that does not exist (LL3)."""

    code: ClassVar[str] = "statistic.unknown_template"
    en: ClassVar[str] = "The statistic template {template_id} ({statistic}) does not exist."
    de: ClassVar[str] = "Die Statistikvorlage {template_id} ({statistic}) existiert nicht."
    template_id: str
    statistic: str


@error_class
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


@error_class
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


@error_class
class ExportDirectoryInvalid(ExportError, ValueError):
    """The directory is not an absolute, usable folder (LL4)."""

    code: ClassVar[str] = "export.directory_invalid"
    en: ClassVar[str] = "The export directory '{directory}' cannot be used: {reason}."
    de: ClassVar[str] = "Das Verzeichnis '{directory}' kann nicht verwendet werden: {reason}."
    directory: str
    reason: str


@error_class
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


publish(globals(), __all__)
