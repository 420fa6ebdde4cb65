"""Compile gettext ``.po`` catalogues into ``.mo`` files; the standard library only.

Used at build time by ``hatch_build.py`` (loaded by its path: nothing of the package is
imported) and by ``nox -s i18n -- compile`` / the ``tests`` session for a checkout, so no
compiled catalogue is kept in the repository. Run it as a script to compile every
catalogue under a locale folder::

    python src/amparex_adapters/_msgfmt.py [LOCALE_DIR]

What it reads: ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr``, ``msgstr[N]``, the
``#,`` flags (a ``fuzzy`` entry is left out, as GNU msgfmt does) and C escapes in
strings; obsolete entries (``#~``) are skipped. What it writes: the GNU ``.mo`` format
(little-endian, no hash table), entries sorted by message id.
"""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

__all__ = ["compile_catalogue", "compile_tree", "parse_po", "write_mo"]

_MAGIC = 0x950412DE


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {text!r}")
    value = ast.literal_eval(text)
    if not isinstance(value, str):  # pragma: no cover - a quoted literal is a str
        raise ValueError(f"{where}: not a string")
    return value


def parse_po(text: str, name: str = "<po>") -> dict[str, str]:
    """The translated entries of a ``.po`` text: ``.mo`` key → ``.mo`` value.

    A plural entry's key is ``msgid NUL msgid_plural`` and its value the forms joined by
    NUL; a context is ``msgctxt EOT msgid``. Untranslated and fuzzy entries are left out;
    the header (empty msgid) is kept.
    """
    entries: dict[str, str] = {}
    fields: dict[str, str] = {}
    flags: set[str] = set()
    current: str | None = None

    def flush() -> None:
        nonlocal fields, flags, current
        if "msgid" in fields:
            key = fields["msgid"]
            if "msgid_plural" in fields:
                key += "\0" + fields["msgid_plural"]
                forms = [fields[k] for k in sorted(f for f in fields if f.startswith("msgstr["))]
                value = "\0".join(forms)
                translated = all(forms)
            else:
                value = fields.get("msgstr", "")
                translated = bool(value)
            if "msgctxt" in fields:
                key = fields["msgctxt"] + "\x04" + key
            if (translated or not key) and "fuzzy" not in flags:
                entries[key] = value
        fields, flags, current = {}, set(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            flush()
        elif line.startswith("#,"):
            if "msgid" in fields:
                flush()
            flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if current is None:
                raise ValueError(f"{where}: a string continues nothing")
            fields[current] += _unquote(line, where)
        else:
            keyword, _space, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and "msgstr" in "".join(fields):
                flush()
            if keyword not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not (
                keyword.startswith("msgstr[") and keyword.endswith("]")
            ):
                raise ValueError(f"{where}: unknown keyword {keyword!r}")
            current = keyword
            fields[keyword] = _unquote(rest, where)
    flush()
    return entries


def write_mo(entries: dict[str, str]) -> bytes:
    """The ``.mo`` bytes of *entries* (as :func:`parse_po` gives them), UTF-8."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    count = len(keys)
    header_size = 7 * 4
    table_size = count * 8
    offset = header_size + 2 * table_size
    id_table: list[int] = []
    for data in ids:
        id_table += [len(data), offset]
        offset += len(data) + 1
    str_table: list[int] = []
    for data in strs:
        str_table += [len(data), offset]
        offset += len(data) + 1
    header = struct.pack("<7I", _MAGIC, 0, count, header_size, header_size + table_size, 0, offset)
    out = [header, struct.pack(f"<{4 * count}I", *id_table, *str_table)]
    out += [data + b"\0" for data in ids]
    out += [data + b"\0" for data in strs]
    return b"".join(out)


def compile_catalogue(po: Path, mo: Path) -> None:
    """Compile the catalogue *po* into *mo* (folders made; written only when changed)."""
    data = write_mo(parse_po(po.read_text(encoding="utf-8"), str(po)))
    if mo.exists() and mo.read_bytes() == data:
        return
    mo.parent.mkdir(parents=True, exist_ok=True)
    partial = mo.with_suffix(".mo.partial")
    partial.write_bytes(data)
    partial.replace(mo)


def compile_tree(locale_dir: Path, target: Path | None = None) -> list[Path]:
    """Compile every ``LANG/LC_MESSAGES/*.po`` under *locale_dir*; the ``.mo`` paths.

    The ``.mo`` files go next to their sources, or into the same layout under *target*.
    """
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        relative = po.relative_to(locale_dir).with_suffix(".mo")
        mo = (target or locale_dir) / relative
        compile_catalogue(po, mo)
        written.append(mo)
    return written


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "locale"
    for path in compile_tree(root):
        print(path)
