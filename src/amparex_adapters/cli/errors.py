"""Refusals of the ``amparex`` command itself: configuration, secrets, missing extras.

They are :class:`~amparex_core.domain.errors.AmparexError` subclasses like every refusal
of the library, so the command reports them the same way: one line
``amparex: error [CODE]: MESSAGE`` on stderr and exit status 1.
"""

from __future__ import annotations

from typing import Any, ClassVar

from amparex_core.domain.errors import AmparexError
from amparex_core.domain.errors import error_class as _error

__all__ = [
    "AdapterUnavailable",
    "CardKeyDiffers",
    "CliError",
    "ConfigInvalid",
    "ConfigNotFound",
    "DemoRefused",
    "ExtraMissing",
    "NoCardPresented",
    "SecretMissing",
    "SecretsFileInsecure",
]


class CliError(AmparexError):
    """Base of the refusals of the command line."""


@_error
class ConfigInvalid(CliError, ValueError):
    """The configuration file is missing, not TOML, or a key has a wrong value.

    *key* is the dotted TOML key at fault (``chain.time_zone``), or empty when the whole
    file is (not UTF-8, not TOML); the message then names the file only.
    """

    code: ClassVar[str] = "config.invalid"
    en: ClassVar[str] = "Configuration {path}: {key}: {reason}."
    de: ClassVar[str] = "Konfiguration {path}: {key}: {reason}."
    path: str
    key: str
    reason: str

    def message(self, lang: str = "en") -> str:
        """See :meth:`~amparex_core.domain.errors.AmparexError.message`; no empty key."""
        template = self.de if lang == "de" else self.en
        if not self.key:
            template = template.replace("{key}: ", "")
        text = template.format(path=self.path, key=self.key, reason=self.reason)
        return text[:-1] if text.endswith(("?.", "!.")) else text


@_error
class ConfigNotFound(CliError, LookupError):
    """An unattended command found no configuration file: it never runs on the defaults (OP4)."""

    code: ClassVar[str] = "config.not_found"
    en: ClassVar[str] = (
        "No configuration file found (looked at {listing}): a command that runs unattended "
        "never runs on the defaults. Name one with --config or $AMPAREX_CONFIG."
    )
    de: ClassVar[str] = (
        "Keine Konfigurationsdatei gefunden (gesucht: {listing}): ein Befehl, der "
        "unbeaufsichtigt läuft, arbeitet nie mit den Voreinstellungen. Bitte eine mit "
        "--config oder $AMPAREX_CONFIG angeben."
    )
    places: tuple[str, ...]

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with the places looked at listed in order."""
        facts = super().facts
        places: object = self.places  # a tuple, unless a caller passed something else
        shown = [str(p) for p in places] if isinstance(places, tuple | list) else [str(places)]
        facts["listing"] = ", ".join(shown) or "-"
        return facts


@_error
class SecretsFileInsecure(CliError, ValueError):
    """The secrets file can be read by other users than its owner."""

    code: ClassVar[str] = "config.secrets_file_insecure"
    en: ClassVar[str] = (
        "The secrets file {path} has mode {mode}: it must be readable by its owner only "
        "(chmod 600 {path})."
    )
    de: ClassVar[str] = (
        "Die Geheimnisdatei {path} hat die Rechte {mode}: nur ihr Eigentümer darf sie lesen "
        "(chmod 600 {path})."
    )
    path: str
    mode: str


@_error
class SecretMissing(CliError, LookupError):
    """A secret the operation needs is neither in the environment nor in the secrets file."""

    code: ClassVar[str] = "config.secret_missing"
    en: ClassVar[str] = (
        "The secret {name} is missing: set the environment variable {variable} or the key "
        "{name} in the secrets file."
    )
    de: ClassVar[str] = (
        "Das Geheimnis {name} fehlt: Umgebungsvariable {variable} oder den Schlüssel {name} "
        "in der Geheimnisdatei setzen."
    )
    name: str
    variable: str


@_error
class CardKeyDiffers(CliError, ValueError):
    """A stored card-contract key differs from the secret ``card_key``: it was not moved (OP6)."""

    code: ClassVar[str] = "config.card_key_differs"
    en: ClassVar[str] = (
        "The card contract's key stored for interface {interface_id} ({count} in all) "
        "differs from the secret card_key: it was left in the store. Set card_key "
        "(AMPAREX_CARD_KEY or the secrets file) to the key AMPAREX sent for that contract "
        "and run `amparex interfaces move-keys` again."
    )
    de: ClassVar[str] = (
        "Der gespeicherte Schlüssel des Kartenvertrags der Schnittstelle {interface_id} "
        "({count} insgesamt) weicht vom Geheimnis card_key ab: er blieb im Datenspeicher. "
        "Bitte card_key (AMPAREX_CARD_KEY oder Geheimnisdatei) auf den Schlüssel setzen, "
        "den AMPAREX für diesen Vertrag geschickt hat, und `amparex interfaces move-keys` "
        "erneut ausführen."
    )
    interface_id: str
    count: int


@_error
class ExtraMissing(CliError):
    """The configuration selects an adapter whose optional dependencies are not installed."""

    code: ClassVar[str] = "config.extra_missing"
    en: ClassVar[str] = (
        "{feature} needs the extra '{extra}': pip install \"amparex-core[{extra}]\"."
    )
    de: ClassVar[str] = (
        "{feature} benötigt das Extra '{extra}': pip install \"amparex-core[{extra}]\"."
    )
    feature: str
    extra: str


@_error
class AdapterUnavailable(CliError, LookupError):
    """The configuration selects an adapter this installation does not have."""

    code: ClassVar[str] = "config.adapter_unavailable"
    en: ClassVar[str] = "{feature} is not available in this installation ({module} is missing)."
    de: ClassVar[str] = "{feature} ist in dieser Installation nicht verfügbar ({module} fehlt)."
    feature: str
    module: str


@_error
class NoCardPresented(CliError, LookupError):
    """No card was presented to the reader in time (CR1)."""

    code: ClassVar[str] = "reader.no_card"
    en: ClassVar[str] = "No card was presented to {reader} within {timeout} seconds."
    de: ClassVar[str] = "Innerhalb von {timeout} Sekunden wurde {reader} keine Karte vorgelegt."
    reader: str
    timeout: str


@_error
class DemoRefused(CliError, ValueError):
    """The demo folder holds a configuration or a store the demo did not create.

    The demo builds its chain only in a folder of its own: a configuration that is not
    the demo's, a database without the demo's mark, or a configuration edited to name
    another store is left alone, and nothing is written.
    """

    code: ClassVar[str] = "demo.refused"
    en: ClassVar[str] = (
        "{directory} holds {file}, which the demo did not create; the demo touches nothing "
        "there. Choose another folder."
    )
    de: ClassVar[str] = (
        "{directory} enthält {file}, das die Demo nicht angelegt hat; die Demo ändert "
        "dort nichts. Bitte einen anderen Ordner wählen."
    )
    directory: str
    file: str = "amparex.toml"
