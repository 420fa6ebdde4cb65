"""The root of the error tree and the decorator that makes an error class (see the package)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar, dataclass_transform

import attrs

from amparex_core.domain.text import translated

__all__ = ["AmparexError", "Lang", "error_class"]

Lang = Literal["en", "de"]


class AmparexError(Exception):
    """Root of every refusal the library raises.

    Subclasses are attrs classes: their fields are the facts of the refusal, and they set
    three class attributes: ``code`` (stable, dotted), ``en`` and ``de`` (message
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
            lang: ``"en"`` or ``"de"``; anything else falls back to English. A fact
                that is a said text (:func:`~amparex_core.domain.text.said`, such as a
                reason) is given in *lang* when a translator is set
                (:func:`~amparex_core.domain.text.set_translator`), else in English.

        Returns:
            The message with the facts filled in.
        """
        template = self.de if lang == "de" else self.en
        facts = self.facts
        if lang != "en":  # a said fact (a reason) in the language, when a translator is set
            facts = {k: translated(v, lang) for k, v in facts.items()}
        return template.format_map(_Facts(facts))

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
def error_class(cls: _T) -> _T:
    """Make *cls* an attrs exception whose fields are its facts (keyword-only)."""
    return attrs.define(auto_exc=True, slots=False, kw_only=True)(cls)


def publish(namespace: dict[str, Any], names: list[str]) -> None:
    """Show the classes *names* of a family module under the package's name.

    Every class is documented, pickled and shown as ``amparex_core.domain.errors.X``,
    whichever private module defines it.
    """
    for name in names:
        value = namespace[name]
        if isinstance(value, type):
            value.__module__ = __package__ or __name__.rpartition(".")[0]
