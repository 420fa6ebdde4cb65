"""The root of the error tree and the decorator that makes an error class (see the package)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar, dataclass_transform

from amparex_core.domain.text import translated

__all__ = ["AmparexError", "Lang", "error_class"]

Lang = Literal["en", "de"]


class AmparexError(Exception):
    """Root of every refusal the library raises.

    Subclasses are made by :func:`error_class`: their annotated fields are the facts of
    the refusal, given by keyword, and they set three class attributes: ``code`` (stable,
    dotted), ``en`` and ``de`` (message templates in :meth:`str.format` syntax over the
    facts). Errors compare and hash by identity, like every exception.
    """

    code: ClassVar[str] = "amparex.error"
    """Stable, dotted, machine-readable code (``interface.duplicate``); never changes meaning."""
    en: ClassVar[str] = "The operation was refused."
    """English message template over the facts (:meth:`str.format` syntax)."""
    de: ClassVar[str] = "Der Vorgang wurde abgelehnt."
    """German message template over the facts (:meth:`str.format` syntax)."""

    fact_names: ClassVar[tuple[str, ...]] = ()
    """The names of the facts, in the order of their declaration (inherited ones first)."""

    @property
    def facts(self) -> dict[str, Any]:
        """The structured facts of this refusal, by name."""
        return {name: getattr(self, name) for name in self.fact_names}

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

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.fact_names)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only facts: rebuild by name, so errors cross process boundaries. Only
        # the declared facts: a subclass may add derived ones to `facts`.
        declared = {name: getattr(self, name) for name in self.fact_names}
        return (_rebuild, (type(self), declared))


def _rebuild(cls: type[AmparexError], fields: dict[str, Any]) -> AmparexError:
    return cls(**fields)


class _Facts(dict[str, Any]):
    """Formats absent facts as a dash instead of raising."""

    def __init__(self, facts: Mapping[str, Any]) -> None:
        super().__init__({k: ("-" if v is None else v) for k, v in facts.items()})

    def __missing__(self, key: str) -> str:  # pragma: no cover - templates are tested
        return "{" + key + "}"


_T = TypeVar("_T", bound=type[AmparexError])

_REQUIRED: Any = object()
"""The default of a fact that has none: it must be given."""


def _is_class_var(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar", "Final", "typing.Final"))


def _init_facts(self: AmparexError, **given: Any) -> None:
    """Set the facts of an error from keywords.

    Missing and unknown keywords are refused as a generated keyword-only ``__init__``
    would refuse them.
    """
    cls = type(self)
    values = []
    for name, default in cls._fact_defaults.items():  # type: ignore[attr-defined]
        value = given.pop(name, default)
        if value is _REQUIRED:
            raise TypeError(f"{cls.__name__}() missing the keyword argument {name!r}")
        setattr(self, name, value)
        values.append(value)
    if given:
        raise TypeError(
            f"{cls.__name__}() got an unexpected keyword argument {next(iter(given))!r}"
        )
    BaseException.__init__(self, *values)


@dataclass_transform(kw_only_default=True)
def error_class(cls: _T) -> _T:
    """Make *cls* an exception whose annotated fields are its facts, keyword-only.

    A fact with a value in the class body has that value as its default; the facts of a
    base made by this decorator come first. No code is generated, so a module of many
    errors imports quickly.
    """
    defaults: dict[str, Any] = dict(getattr(cls, "_fact_defaults", {}))
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        if _is_class_var(annotation):
            continue
        defaults[name] = vars(cls).get(name, _REQUIRED)
        if name in vars(cls):
            delattr(cls, name)  # the instance holds it; a class attribute would mask a typo
    cls._fact_defaults = defaults  # type: ignore[attr-defined]
    cls.fact_names = tuple(defaults)
    cls.__init__ = _init_facts  # type: ignore[assignment]
    cls.__signature__ = _Signature()  # type: ignore[attr-defined]
    return cls


class _Signature:
    """The keyword-only signature of an error class, built when asked for (docs, help)."""

    def __get__(self, instance: object, owner: type[AmparexError]) -> Any:
        import inspect  # only documentation tools ask

        kind = inspect.Parameter.KEYWORD_ONLY
        return inspect.Signature(
            [
                inspect.Parameter(
                    name, kind, default=inspect.Parameter.empty if default is _REQUIRED else default
                )
                for name, default in owner._fact_defaults.items()  # type: ignore[attr-defined]
            ]
        )


def publish(namespace: dict[str, Any], names: list[str]) -> None:
    """Show the classes *names* of a family module under the package's name.

    Every class is documented, pickled and shown as ``amparex_core.domain.errors.X``,
    whichever private module defines it.
    """
    for name in names:
        value = namespace[name]
        if isinstance(value, type):
            value.__module__ = __package__ or __name__.rpartition(".")[0]
