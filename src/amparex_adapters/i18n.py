"""The command's messages in English and German: one gettext domain, loaded on first use.

Every line the ``amparex`` command prints goes through this module: a text written in
English in the code is a *message id*; :func:`gettext` (``_``) and :func:`ngettext` give
it in the active language (:func:`set_language`), from the German catalogue
``locale/de/LC_MESSAGES/amparex.mo`` of this package (domain :data:`DOMAIN`).

Cheap at import: nothing is read until the first German message is asked for; English is
the text of the code itself and never touches a file. The catalogue is compiled from its
``.po`` source at build time (``hatch_build.py``, and ``nox -s i18n -- compile`` for a
checkout); no compiled file is kept in the repository. How to add, extract, translate and
compile a message: ``docs/contributing.md``.

Markers the extraction knows (``babel.cfg``): ``_()``, ``gettext()``, ``ngettext()`` and
``N_()`` (a no-op mark for a text translated later, such as a reason's template), the
library's ``said()`` (a reason built in ``amparex_core``, translated when the error's
message is given in German: :func:`set_language` installs the translator), and in
the command's modules also every click ``help=`` / ``short_help=`` / ``epilog=`` text and
the docstring of every click command (their help), and the messages of log records at
WARNING and above (the command shows them), see :mod:`amparex_adapters._catalogue`.

>>> from amparex_adapters.i18n import gettext, set_language
>>> set_language("en")
'en'
>>> gettext("Missing option")
'Missing option'
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import gettext as _gettext_module

__all__ = [
    "CLICK_MODULES",
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "gettext",
    "install_for_click",
    "language",
    "ngettext",
    "set_language",
]

DOMAIN: Final = "amparex"
"""The gettext domain of every message of the command."""

LANGUAGES: Final = ("en", "de")
"""The languages of the command; English is the language of the code."""


def _locale_dir() -> str:
    import os

    return os.path.join(os.path.dirname(__file__), "locale")


LOCALE_DIR: Final = _locale_dir()
"""Where the catalogues are: ``LOCALE_DIR/de/LC_MESSAGES/amparex.mo``."""

CLICK_MODULES: Final = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.types",
    "click.termui",
    "click.utils",
)
"""click's modules whose ``gettext``/``ngettext`` the command routes through this module."""

_active: str = "en"
_catalogues: dict[str, _gettext_module.NullTranslations] = {}


def N_(message: str) -> str:  # noqa: N802 - the usual name of the mark
    """Mark *message* for extraction without translating it (it is translated later)."""
    return message


def set_language(lang: str) -> str:
    """Make *lang* (``"en"`` or ``"de"``) the active language; returns the previous one."""
    global _active  # noqa: PLW0603 - one language per run of the command
    previous = _active
    _active = lang if lang in LANGUAGES else "en"
    if _active != "en":
        _install_translator()
    return previous


def _translate(lang: str, message: str) -> str:
    """The library's translator (:func:`amparex_core.domain.text.set_translator`)."""
    return _catalogue(lang).gettext(message) if lang in LANGUAGES and lang != "en" else message


def _install_translator() -> None:
    """Let the library's said texts (reasons, holders) speak our catalogues; reads no file."""
    from amparex_core.domain.text import set_translator

    set_translator(_translate)


def language() -> str:
    """The active language (``"en"`` unless :func:`set_language` chose another)."""
    return _active


def _catalogue(lang: str) -> _gettext_module.NullTranslations:
    found = _catalogues.get(lang)
    if found is None:
        import gettext as gettext_module

        found = gettext_module.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)
        _catalogues[lang] = found
    return found


def gettext(message: str) -> str:
    """*message* in the active language (itself in English or when not translated).

    A said text of the library (:func:`amparex_core.domain.text.said`) is translated by
    its message id and filled with its parameters.
    """
    if _active == "en" or not message:
        return message
    if type(message) is not str:
        from amparex_core.domain.text import Said, translated

        if isinstance(message, Said):
            _install_translator()
            return str(translated(message, _active))
    return _catalogue(_active).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """*singular* or *plural* for the count *n*, in the active language."""
    if _active == "en":
        return singular if n == 1 else plural
    return _catalogue(_active).ngettext(singular, plural, n)


def install_for_click() -> None:
    """Route click's own messages (usage errors, ``Usage:``, ``Options``) through here.

    click looks its texts up with the stdlib's ``gettext.gettext``/``ngettext``, bound in
    each of its modules (:data:`CLICK_MODULES`) at import; this rebinds those names to
    :func:`gettext`/:func:`ngettext`, so click speaks the active language (its message ids
    are translated in our catalogue). In English the texts stay exactly click's.
    Idempotent; called by the command's root only, never on import.
    """
    for name in CLICK_MODULES:
        module = sys.modules.get(name)
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


# click passes these message ids to gettext by variable, so no extraction finds them.
N_("required")
