"""How numbers are written for people in a locale: decimal separator and grouping (CO23).

Kept apart from :mod:`amparex_core.domain.money` so that checking a configuration's
``chain.locale`` at every program start does not define the money classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["LOCALES", "number_format"]


#: Decimal separator and thousands grouping by locale (language, or language_REGION).
LOCALES: Final[Mapping[str, tuple[str, str]]] = {
    "de": (",", "."),
    "de_DE": (",", "."),
    "de_AT": (",", "."),
    "de_CH": (".", "\u2019"),
    "de_LU": (",", "."),
    "en": (".", ","),
    "en_GB": (".", ","),
    "en_US": (".", ","),
    "en_IE": (".", ","),
    "fr": (",", "\u202f"),
    "fr_FR": (",", "\u202f"),
    "nl": (",", "."),
    "nl_NL": (",", "."),
}


def number_format(locale: str) -> tuple[str, str]:
    """The decimal separator and the thousands grouping of *locale* (``de_DE``, ``de-AT``).

    A language's own entry serves its regions that :data:`LOCALES` does not list.

    >>> number_format("de-AT")
    (',', '.')
    >>> number_format("en_AU")
    ('.', ',')

    Raises:
        ValueError: Neither the locale nor its language is in :data:`LOCALES`.
    """
    key = locale.strip().replace("-", "_")
    found = LOCALES.get(key) or LOCALES.get(key.partition("_")[0])
    if found is None:
        known = ", ".join(sorted(LOCALES))
        raise ValueError(f"unknown locale {locale!r} (known: {known})")
    return found
