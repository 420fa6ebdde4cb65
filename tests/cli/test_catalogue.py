"""The message catalogues: every message of the command has a German translation.

Issue 15 item 9. The message ids are extracted from the code as ``nox -s i18n`` does
(Babel with :func:`amparex_adapters._catalogue.extract` over ``src`` and click's
modules, :data:`amparex_adapters.i18n.CLICK_MODULES`); the committed template
(``amparex.pot``) must hold exactly those, and the German catalogue (``de/.../amparex.po``)
must translate each one — not empty, not fuzzy, with the same placeholders — and hold
nothing else (no stale entry). The compiled ``.mo`` must be the ``.po``'s, as the
build hook writes it, and GNU gettext (the standard library's reader) must read it.
"""

from __future__ import annotations

import gettext
import importlib
import inspect
import io
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from amparex_adapters import _msgfmt, i18n
from amparex_adapters.cli.app import cli

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
LOCALE = SRC / "amparex_adapters" / "locale"
POT = LOCALE / "amparex.pot"
PO = LOCALE / "de" / "LC_MESSAGES" / "amparex.po"
MO = PO.with_suffix(".mo")
METHOD = "amparex_adapters._catalogue:extract"

MessageId = str | tuple[str, ...]


def _key(message_id: Any) -> MessageId:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def code_ids() -> set[MessageId]:
    """The message ids in the code and in click's modules, as ``nox -s i18n`` extracts them."""
    found = {_key(m[2]) for m in extract_from_dir(str(SRC), [("**.py", METHOD)])}
    for name in i18n.CLICK_MODULES:
        path = importlib.import_module(name).__file__
        assert path is not None
        found |= {_key(m[1]) for m in extract_from_file(METHOD, path)}
    return found


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale="de" if path.suffix == ".po" else None)


def ids_of(catalog: Catalog) -> set[MessageId]:
    return {_key(m.id) for m in catalog if m.id}


_PERCENT = re.compile(r"%(?:\([a-z_]+\))?[-#0 +]*\d*(?:\.\d+)?[sdrouxXfegc%]")


def _fields(text: str) -> list[str]:
    """The placeholders of *text*: ``{name}`` fields (with conversion and spec, in any
    order) and ``%`` conversions (in their order: log messages are positional)."""
    braces = [f"{{{n}{'!' + c if c else ''}{':' + s if s else ''}}}"
              for _t, n, s, c in string.Formatter().parse(text) if n is not None]  # fmt: skip
    return sorted(braces) + [m for m in _PERCENT.findall(text) if m != "%%"]


def problems(catalog: Catalog, expected: set[MessageId]) -> list[str]:
    """What is wrong with the German *catalog* for the message ids *expected*."""
    found: list[str] = []
    present = ids_of(catalog)
    found += [f"missing: {m!r}" for m in sorted(expected - present, key=str)]
    found += [f"stale: {m!r}" for m in sorted(present - expected, key=str)]
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string or ())
        if message.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        if not all(forms):
            found.append(f"untranslated: {message.id!r}")
            continue
        for index, form in enumerate(forms):
            source = ids[min(index, len(ids) - 1)]
            if _fields(form) != _fields(source):
                found.append(f"placeholders differ: {source!r} -> {form!r}")
    return found


def test_the_template_holds_every_message_of_the_code() -> None:
    """Stale ``amparex.pot``: ``nox -s i18n`` extracts it again."""
    assert ids_of(read(POT)) == code_ids()


def test_every_message_has_a_german_translation() -> None:
    """Missing, empty, fuzzy, stale or with other placeholders: ``nox -s i18n``, then translate."""
    assert problems(read(PO), code_ids()) == []


def test_the_translation_check_fails_on_each_kind_of_problem() -> None:
    text = """\
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\\n"

msgid "created {name}"
msgstr "angelegt"

#, fuzzy
msgid "removed {name}"
msgstr "gelöscht: {name}"

msgid "not translated"
msgstr ""

msgid "gone"
msgstr "weg"
"""
    catalog = read_po(io.BytesIO(text.encode()), locale="de")
    expected: set[MessageId] = {"created {name}", "removed {name}", "not translated", "new"}
    assert problems(catalog, expected) == [
        "missing: 'new'",
        "stale: 'gone'",
        "placeholders differ: 'created {name}' -> 'angelegt'",
        "fuzzy: 'removed {name}'",
        "untranslated: 'not translated'",
    ]


def test_placeholders_count_their_conversion_and_format() -> None:
    assert _fields("{value!r} every {interval:g} s; %(prog)s") == [
        "{interval:g}",
        "{value!r}",
        "%(prog)s",
    ]
    assert _fields("{value} alle {interval} s") != _fields("{value!r} every {interval:g} s")
    assert _fields("%s: gave up after %.1f s") == ["%s", "%.1f"]
    assert _fields("%s: %d") != _fields("%d: %s")
    assert _fields("100 %% sure, %s") == ["%s"]


def _help_texts(command: click.Command, ctx: click.Context) -> Iterator[str]:
    for text in (command.help, command.short_help, command.epilog):
        if text:
            yield inspect.cleandoc(text)
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and param.help:
            yield inspect.cleandoc(param.help)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _help_texts(sub, click.Context(sub, parent=ctx, info_name=name))


def test_every_help_text_of_the_command_is_in_the_catalogue() -> None:
    """Also help texts built at run time, which no extraction sees."""
    translated = {m.id: m.string for m in read(PO) if m.id and isinstance(m.id, str)}
    previous = i18n.set_language("en")
    try:
        texts = set(_help_texts(cli, click.Context(cli, info_name="amparex")))
    finally:
        i18n.set_language(previous)
    assert len(texts) > 120
    assert sorted(t for t in texts if not translated.get(t)) == []


def test_the_file_pattern_help_names_the_defaults() -> None:
    """The help of --file-pattern is a fixed text (translatable); it names the code's defaults."""
    from amparex_core.domain.interfaces import DEFAULT_FILE_PATTERN, FIXED_FILE_PATTERN

    add = cli.commands["interfaces"].commands["add"].commands["loyalty-lab"]  # type: ignore[attr-defined]
    (option,) = [p for p in add.params if p.name == "file_pattern"]
    assert f"(default: {DEFAULT_FILE_PATTERN}; with --fixed-names: {FIXED_FILE_PATTERN})" in (
        " ".join(option.help.split())
    )


def test_the_compiled_catalogue_is_the_po() -> None:
    """The ``.mo`` the package reads is the ``.po`` compiled (``nox -s i18n -- compile``)."""
    assert MO.read_bytes() == _msgfmt.write_mo(_msgfmt.parse_po(PO.read_text("utf-8")))


def test_gnu_gettext_reads_what_the_writer_wrote() -> None:
    """Every entry of the German catalogue, read back by the standard library's reader."""
    data = _msgfmt.write_mo(_msgfmt.parse_po(PO.read_text("utf-8")))
    reader = gettext.GNUTranslations(io.BytesIO(data))
    messages = [m for m in read(PO) if m.id]
    assert messages
    for message in messages:
        if isinstance(message.id, str):
            assert reader.gettext(message.id) == message.string
        else:
            singular, plural = message.id
            assert not isinstance(message.string, str)
            one, many = message.string or ("", "")
            assert reader.ngettext(singular, plural, 1) == one
            assert reader.ngettext(singular, plural, 3) == many


def test_the_writer_leaves_out_fuzzy_and_empty_entries_and_reads_escapes() -> None:
    text = r"""
# a comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#, fuzzy
msgid "fuzzy"
msgstr "unscharf"

msgid "empty"
msgstr ""

msgctxt "menu"
msgid "Open"
msgstr "Öffnen"

msgid "tab\tand \"quote\""
msgstr "Tab\tund "
"\"Zitat\"\n"

msgid "{n} file"
msgid_plural "{n} files"
msgstr[0] "{n} Datei"
msgstr[1] "{n} Dateien"

#~ msgid "old"
#~ msgstr "alt"
"""
    entries = _msgfmt.parse_po(text)
    assert set(entries) == {
        "",
        "menu\x04Open",
        'tab\tand "quote"',
        "{n} file\x00{n} files",
    }
    reader = gettext.GNUTranslations(io.BytesIO(_msgfmt.write_mo(entries)))
    assert reader.gettext('tab\tand "quote"') == 'Tab\tund "Zitat"\n'
    assert reader.pgettext("menu", "Open") == "Öffnen"
    assert reader.ngettext("{n} file", "{n} files", 2) == "{n} Dateien"
    assert reader.gettext("fuzzy") == "fuzzy"
    with pytest.raises(ValueError, match="unknown keyword"):
        _msgfmt.parse_po('msgid "a"\nmsgstr "b"\nmsgfoo "c"\n')


def test_no_catalogue_is_read_on_import_or_in_english() -> None:
    """Cheap at import (issue 16): no file opened, no Babel; German loads on first use."""
    probe = """
import sys
from click.testing import CliRunner
from amparex_adapters import i18n
from amparex_adapters.cli.app import cli
assert not i18n._catalogues, "read on import"
result = CliRunner().invoke(cli, ["--lang", "en", "templates", "--help"])
assert result.exit_code == 0 and result.stdout.startswith("Usage:"), result.output
assert not i18n._catalogues, "read in English"
assert "babel" not in sys.modules
result = CliRunner().invoke(cli, ["--lang", "de", "templates", "--help"])
assert result.stdout.startswith("Aufruf:"), result.output
assert list(i18n._catalogues) == ["de"]
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_english_and_german_runs_in_one_process_do_not_mix() -> None:
    """The root restores the language; click's cached --help option speaks the run's."""
    from click.testing import CliRunner

    runner = CliRunner()
    german = runner.invoke(cli, ["--lang", "de", "orders", "--help"])
    english = runner.invoke(cli, ["--lang", "en", "orders", "--help"])
    assert "Diese Hilfe zeigen und beenden." in german.stdout
    assert "Show this message and exit." in english.stdout
    assert "Diese Hilfe" not in english.stdout
    assert i18n.language() == "en"
