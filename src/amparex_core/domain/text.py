"""Texts for people: comparison of names typed by people (IF7, CO4), and said texts.

A *said* text (:func:`said`) is a text the library builds for people, such as the reason
of a refusal: its value is the English text, so facts, ``--json`` and logs stay English,
and it keeps its message id and parameters, so a front end can say it in another language
(:func:`set_translator`, :func:`translated`). The library itself holds no translations:
standard library only.

>>> reason = said("the folder {path} does not exist", path="/srv/out")
>>> reason
'the folder /srv/out does not exist'
>>> reason.msgid, reason.params
('the folder {path} does not exist', {'path': '/srv/out'})
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

__all__ = ["Said", "Translator", "name_key", "said", "set_translator", "translated"]

Translator = Callable[[str, str], str]
"""``translate(lang, msgid)``: the message id in *lang* (itself when not translated)."""

_translator: Translator | None = None


class Said(str):
    """An English text for people that remembers its message id and parameters.

    Compares, hashes, prints and serialises as the plain English string; pickles with
    its id and parameters. Made by :func:`said`.

    Attributes:
        msgid: The English template (:meth:`str.format` syntax): the message id.
        params: The values of its fields; a value may itself be :class:`Said`.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, text: str, msgid: str, params: dict[str, Any]) -> Said:
        """The said *text*, made from *msgid* with *params* (use :func:`said`)."""
        made = super().__new__(cls, text)
        made.msgid = msgid
        made.params = params
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Said, (str(self), self.msgid, self.params))


def said(msgid: str, /, **params: Any) -> Said:
    """The English text ``msgid.format(**params)``, translatable later (:func:`translated`).

    Args:
        msgid: The English template, a literal in the code (the extraction finds it).
        **params: The values of its fields.

    >>> said("{n} digits expected", n=10) == "10 digits expected"
    True
    """
    return Said(msgid.format(**params), msgid, params)


def set_translator(translate: Translator | None) -> Translator | None:
    """Install *translate* for :func:`translated` (``None``: English only); returns the previous."""
    global _translator  # noqa: PLW0603 - one translator per process, set by the front end
    previous = _translator
    _translator = translate
    return previous


def translated(value: Any, lang: str) -> Any:
    """*value* in *lang* when it is :class:`Said` and a translator is set; else *value*.

    Parameters that are :class:`Said` are translated too. A translation whose fields do
    not fit the parameters falls back to the English text.

    >>> translated(said("empty"), "de")  # no translator set
    'empty'
    """
    if not isinstance(value, Said) or lang == "en" or _translator is None:
        return value
    params = {k: translated(v, lang) for k, v in value.params.items()}
    try:
        return _translator(lang, value.msgid).format(**params)
    except (KeyError, IndexError, ValueError, AttributeError):
        return str(value)


def name_key(text: str) -> str:
    r"""The form under which two names compare equal.

    Leading and trailing white space is removed, inner runs of white space fold to one
    space, and the text is Unicode case folded after NFKC normalisation, so
    ``"Loyalty  Lab "`` and ``"loyalty lab"`` compare equal, and so do ``"STRASSE"`` and
    ``"Straße"``.

    Args:
        text: A display name, template name or workstation name.

    Returns:
        The comparison key; empty when *text* is empty or white space only.

    >>> name_key("  Loyalty \t Lab ") == name_key("LOYALTY LAB")
    True
    >>> name_key("Straße") == name_key("STRASSE")
    True
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(unicodedata.normalize("NFKC", folded).split())
