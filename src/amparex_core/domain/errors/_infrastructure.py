"""Refusals of master data, storage and the choice of an adapter."""

from __future__ import annotations

from typing import Any, ClassVar

from ._base import AmparexError, error_class, publish

__all__ = [
    "AdapterError",
    "AdapterUnknown",
    "MasterDataError",
    "MasterDataInvalid",
    "MetricsUnavailable",
    "OperationsError",
    "StorageError",
    "StorageSchemaTooNew",
    "StorageSchemaTooOld",
    "StorageUnavailable",
    "StorageValueInvalid",
]

# ---------------------------------------------------------------- master data


class MasterDataError(AmparexError):
    """Base of the errors of master data kept by the library itself."""


@error_class
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


# ---------------------------------------------------------------- operations


class OperationsError(AmparexError):
    """Base of the errors of running the chain unattended (metrics)."""


@error_class
class MetricsUnavailable(OperationsError):
    """The metrics endpoint of ``amparex serve`` cannot listen (a port in use); serve goes on."""

    code: ClassVar[str] = "metrics.unavailable"
    en: ClassVar[str] = (
        "The metrics cannot be served on {address} port {port}: {reason}; "
        "the server runs without them."
    )
    de: ClassVar[str] = (
        "Die Metriken können auf {address} Port {port} nicht angeboten werden: {reason}; "
        "der Server läuft ohne sie."
    )
    address: str
    port: int
    reason: str


# ---------------------------------------------------------------- storage


class StorageError(AmparexError):
    """Base of the errors of the store itself (a database that cannot be used)."""


@error_class
class StorageUnavailable(StorageError):
    """The store cannot be opened or reached (a missing folder, a server that is down)."""

    code: ClassVar[str] = "storage.unavailable"
    en: ClassVar[str] = "The store {store} cannot be used: {reason}."
    de: ClassVar[str] = "Der Datenspeicher {store} kann nicht verwendet werden: {reason}."
    store: str
    reason: str


@error_class
class StorageSchemaTooNew(StorageError):
    """The store's schema is beyond what this version can use (OP5); it is not touched.

    Code written for schema *N* uses a store at *N*, and at *N + 1* when that version
    only adds; *compatible_from* is the oldest code schema version the store's version
    allows (``None`` when the store does not record it).
    """

    code: ClassVar[str] = "storage.schema_too_new"
    en: ClassVar[str] = (
        "The store {store} has schema version {found}, which this version of amparex-core "
        "(schema {supported}) cannot use. Update amparex-core on this computer to a version "
        "for schema {found} (pip install --upgrade amparex-core); 'amparex db status' "
        "shows both versions."
    )
    de: ClassVar[str] = (
        "Der Datenspeicher {store} hat die Schemaversion {found}, mit der diese Version von "
        "amparex-core (Schema {supported}) nicht arbeiten kann. Bitte amparex-core auf "
        "diesem Rechner auf eine Version für Schema {found} aktualisieren (pip install "
        "--upgrade amparex-core); 'amparex db status' zeigt beide Versionen."
    )
    store: str
    found: int
    supported: int
    compatible_from: int | None = None


@error_class
class StorageSchemaTooOld(StorageError):
    """The store's schema is older than this version needs (OP5).

    A shared store is not migrated when it is opened: ``amparex db upgrade`` does it,
    once, for the whole chain.
    """

    code: ClassVar[str] = "storage.schema_too_old"
    en: ClassVar[str] = (
        "The store {store} has schema version {found}; this version of amparex-core needs "
        "{required}. Upgrade the store once for the whole chain: amparex db upgrade."
    )
    de: ClassVar[str] = (
        "Der Datenspeicher {store} hat die Schemaversion {found}; diese Version von "
        "amparex-core braucht {required}. Bitte den Datenspeicher einmal für die ganze "
        "Filialkette aktualisieren: amparex db upgrade."
    )
    store: str
    found: int
    required: int


@error_class
class StorageValueInvalid(StorageError, ValueError):
    """The store cannot keep a value it was given (PostgreSQL refuses a NUL in text)."""

    code: ClassVar[str] = "storage.value_invalid"
    en: ClassVar[str] = "The store {store} cannot keep a value: {reason}."
    de: ClassVar[str] = "Der Datenspeicher {store} kann einen Wert nicht speichern: {reason}."
    store: str
    reason: str


# ---------------------------------------------------------------- adapters


class AdapterError(AmparexError):
    """Base of the errors of choosing an adapter by its kind (the openers' registries)."""


@error_class
class AdapterUnknown(AdapterError, LookupError):
    """No installed adapter of a family has this kind (entry-point name or URL scheme)."""

    code: ClassVar[str] = "adapter.unknown"
    en: ClassVar[str] = (
        "No {family} adapter of kind '{kind}' is installed (entry-point group "
        "amparex.{family}); installed: {listing}."
    )
    de: ClassVar[str] = (
        "Es ist kein {family}-Adapter der Art '{kind}' installiert (Entry-Point-Gruppe "
        "amparex.{family}); installiert: {listing}."
    )
    family: str
    kind: str
    installed: tuple[str, ...]

    @property
    def facts(self) -> dict[str, Any]:
        """The facts, with the installed kinds listed (``none`` when there are none)."""
        facts = super().facts
        kinds: object = self.installed  # a tuple, unless a caller passed something else
        shown = [str(k) for k in kinds] if isinstance(kinds, tuple | list) else [str(kinds)]
        facts["listing"] = ", ".join(shown) or "none"
        return facts


publish(globals(), __all__)
