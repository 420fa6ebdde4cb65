"""Refusals of master data, storage and the choice of an adapter."""

from __future__ import annotations

from typing import Any, ClassVar

from ._base import AmparexError, error_class

__all__ = [
    "AdapterError",
    "AdapterUnknown",
    "MasterDataError",
    "MasterDataInvalid",
    "StorageError",
    "StorageSchemaTooNew",
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
