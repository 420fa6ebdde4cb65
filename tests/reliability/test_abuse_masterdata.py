"""Abuse of master-data bundles (TOML and JSON) imported into a SQLite store.

Proven here:

* a bundle of valid records with some records spoilt (a required field dropped, a wrong
  type, an unknown field, a NUL, a lone surrogate, an unknown enum value, a duplicate ID,
  bad base64, a CSV dialect that cannot work) is refused whole with ``masterdata.invalid``,
  and **every** spoilt record is named by its section and position;
* all or nothing: after a refusal every table of the store holds exactly what it held
  before; after a success every record reads back equal to the bundle's;
* arbitrary bytes, deep nesting and huge numbers as a bundle file are refused with
  ``masterdata.invalid``, never another exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from amparex_adapters.masterdata.bundle import SECTIONS, MasterItem, item_from_record, record_of
from amparex_adapters.masterdata.sql import SqlMasterData
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.errors import AmparexError, MasterDataInvalid
from amparex_core.domain.masterdata import Branch, Customer
from tests import strategies as s

from ._abuse import assert_refusal, outcome, toml_inline

_ITEMS: dict[str, st.SearchStrategy[MasterItem]] = {
    "branches": s.branch_records,
    "customers": s.customers,
    "employees": s.employees,
    "document_templates": s.document_templates,
    "statistic_templates": s.statistic_templates,
}
_REQUIRED = {
    "branches": ["id", "name"],
    "customers": ["id", "first_name", "last_name"],
    "employees": ["id", "first_name", "last_name"],
    "document_templates": ["id", "name", "kind", "media_type"],
    "statistic_templates": ["id", "name", "file_format", "query"],
}
_DIALECTS = [
    {"separator": ";;"},
    {"separator": '"'},
    {"separator": ",", "decimal_separator": ","},
    {"decimal_separator": "1"},
    {"encoding": "rot13"},
    {"encoding": "no-such-codec"},
    {"line_terminator": "\r"},
    {"header": "yes"},
    {"colour": "red"},
]


def _spoil(draw: st.DrawFn, section: str, record: dict[str, Any]) -> dict[str, Any]:
    """*record* with one thing wrong."""
    spoilt = dict(record)
    how = draw(
        st.sampled_from(
            ["drop", "type", "unknown", "nul", "surrogate", "blank"]
            + (["enum"] if section in ("document_templates", "statistic_templates") else [])
            + (["base64"] if section == "document_templates" else [])
            + (["dialect"] if section == "statistic_templates" else [])
            + (["address"] if section in ("branches", "customers", "employees") else [])
        )
    )
    key = draw(st.sampled_from(_REQUIRED[section]))
    if how == "drop":
        del spoilt[key]
    elif how == "type":
        spoilt[key] = draw(
            st.integers()
            | st.booleans()
            | st.floats(allow_nan=False)
            | st.dates()
            | st.lists(st.integers(), max_size=2)
            | st.fixed_dictionaries({"a": st.integers()})
        )
    elif how == "unknown":
        spoilt["colour"] = "red"
    elif how == "nul":
        spoilt[key] = "a\x00b"
    elif how == "surrogate":
        spoilt[key] = "x\ud800"
    elif how == "blank":
        spoilt[key] = " \t"
    elif how == "enum":
        spoilt["kind" if section == "document_templates" else "file_format"] = "docx"
    elif how == "base64":
        spoilt["content_base64"] = "%%%not base64"
    elif how == "dialect":
        spoilt["dialect"] = draw(st.sampled_from(_DIALECTS))
    else:
        spoilt["address"] = draw(st.sampled_from([{"street": "x"}, "Hauptstr. 1", {"city": 7}]))
    return spoilt


@st.composite
def bundles(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    """A bundle document and the ``section[n]`` of each record spoilt in it."""
    document: dict[str, Any] = {"format": "amparex-masterdata/1"}
    spoilt: set[str] = set()
    for section in SECTIONS:
        items = draw(st.lists(_ITEMS[section], max_size=3, unique_by=lambda i: i.id))
        records = []
        for index, item in enumerate(items):
            record = record_of(item)
            if draw(st.integers(0, 3)) == 0:
                record = _spoil(draw, section, record)
                spoilt.add(f"{section}[{index + 1}]")
            records.append(record)
        if records:
            document[section] = records
    return document, spoilt


def _not_text(value: object) -> object:
    """A TOML date in JSON: an object, so that it stays a wrong type there too."""
    return {"date": str(value)}


def _write(path: Path, document: dict[str, Any], as_json: bool) -> Path:
    if as_json:
        path = path.with_suffix(".json")
        path.write_text(
            json.dumps(document, ensure_ascii=True, default=_not_text), encoding="utf-8"
        )
    else:
        path = path.with_suffix(".toml")
        lines = [f'format = "{document["format"]}"']
        for section in SECTIONS:
            for record in document.get(section, []):
                lines.append(f"\n[[{section}]]")
                lines.append(toml_inline(record))
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    return path


def _tables(store: SqliteStorage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every master-data table."""

    def work(cur: Any) -> dict[str, list[tuple[Any, ...]]]:
        found = {}
        for section in SECTIONS:
            cur.execute(f"SELECT * FROM md_{section} ORDER BY id")
            found[section] = [tuple(row) for row in cur.fetchall()]
        return found

    return store.read(work)


_GETTERS = {
    "branches": "branch",
    "customers": "customer",
    "employees": "employee",
    "document_templates": "document_template",
    "statistic_templates": "statistic_template",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStorage]:
    """A SQLite store with a branch and a customer already imported."""
    opened = SqliteStorage(str(tmp_path / "md.sqlite"))
    SqlMasterData(opened).add(
        Branch(id="F01", name="Stuttgart"), Customer(id="K-OLD", first_name="A", last_name="B")
    )
    yield opened
    opened.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bundle=bundles(), as_json=st.booleans())
def test_every_spoilt_record_is_reported_and_nothing_is_imported(
    tmp_path: Path, store: SqliteStorage, bundle: tuple[dict[str, Any], set[str]], as_json: bool
) -> None:
    """All or nothing; every bad record named by ``section[n]`` (masterdata.invalid)."""
    document, spoilt = bundle
    if not as_json:  # TOML cannot hold a lone surrogate: that spoiling is JSON only
        assume("\\ud800" not in json.dumps(document, default=str))
    path = _write(tmp_path / "bundle", document, as_json)
    before = _tables(store)
    data = SqlMasterData(store)
    result = outcome(lambda: data.import_bundle(path), document)
    event("imported" if not isinstance(result, AmparexError) else "refused")
    if not isinstance(result, AmparexError):
        assert not spoilt, f"spoilt records were imported: {spoilt}"
        for section in SECTIONS:
            for record in document.get(section, []):
                stored = getattr(data, _GETTERS[section])(record["id"])
                assert record_of(stored) == record_of(item_from_record(section, record))
        return
    assert isinstance(result, MasterDataInvalid), result
    assert_refusal(result, code="masterdata.invalid", names=str(path))
    assert _tables(store) == before, "a refused bundle changed the store"
    reported = " ; ".join(result.problems)
    missing = [where for where in spoilt if f"{where}" not in reported]
    assert spoilt and not missing, (missing, result.problems)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=64),
        st.text(max_size=64).map(str.encode),
        st.sampled_from(
            [
                b"[" * 20000 + b"]" * 20000,
                b'{"a": ' + b"1" * 5000 + b"}",
                b"a = " + b"[" * 5000 + b"]" * 5000,
                b'{"customers": [{"id": "\\ud800", "first_name": "a", "last_name": "b"}]}',
                b'{"customers": "K1"}',
                b'{"format": "amparex-masterdata/2"}',
                b"\xef\xbb\xbf" + b'{"branches": [{"id": "F9", "name": "x", "address": 1}]}',
                b'[[customers]]\nid = "K1"\n[[customers]]\nid = "K1"\n',
            ]
        ),
    ),
    suffix=st.sampled_from([".json", ".toml", ".txt"]),
)
def test_arbitrary_bytes_as_a_bundle_file_are_refused_with_a_code(
    tmp_path: Path, store: SqliteStorage, content: bytes, suffix: str
) -> None:
    """Bytes that are no bundle: masterdata.invalid naming the file; the store unchanged."""
    path = tmp_path / f"bundle{suffix}"
    path.write_bytes(content)
    before = _tables(store)
    result = outcome(lambda: SqlMasterData(store).import_bundle(path), content)
    if isinstance(result, AmparexError):
        assert_refusal(result, code="masterdata.invalid", names=str(path))
        assert _tables(store) == before
