"""The bundle format's page (docs/adapters/masterdata-bundle.md) is the format (item 10).

Its TOML and JSON examples load and give the same records, and its tables list exactly
the fields the bundle reader knows, section by section.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from amparex_adapters.masterdata import bundle
from amparex_core.domain.csvdialect import CsvDialect

PAGE = Path(__file__).parents[2] / "docs" / "adapters" / "masterdata-bundle.md"


def _block(language: str) -> str:
    found = re.findall(rf"^```{language}\n(.*?)^```$", PAGE.read_text("utf-8"), re.S | re.M)
    assert len(found) == 1, f"one {language} example expected"
    return str(found[0])


def _table_fields(heading: str) -> set[str]:
    """The first column of the ``| field |`` table under the heading *heading*."""
    text = PAGE.read_text("utf-8")
    start = text.index(f"\n### {heading}\n")
    table = text[text.index("\n| field |", start) :]
    rows = table[: table.find("\n\n")]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", rows, re.M))


def test_the_examples_load_and_give_the_same_records(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text(_block("toml"), encoding="utf-8")
    (tmp_path / "b.json").write_text(_block("json"), encoding="utf-8")
    from_toml = bundle.load_bundle(tmp_path / "b.toml")
    from_json = bundle.load_bundle(tmp_path / "b.json")
    assert from_toml == from_json
    assert all(count > 0 for count in from_toml.counts().values()), from_toml.counts()


def test_the_tables_list_every_field_the_reader_knows() -> None:
    for section in bundle.SECTIONS:
        assert _table_fields(section) == set(bundle._FIELDS[section]), section
    assert _table_fields("address") == set(bundle._ADDRESS)
    dialect = set(attrs.fields_dict(CsvDialect))
    assert _table_fields("dialect") == dialect == set(bundle._DIALECT)
