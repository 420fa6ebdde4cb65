"""Comparison of names typed by people (IF7, CO4)."""

from __future__ import annotations

import unicodedata

__all__ = ["name_key"]


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
