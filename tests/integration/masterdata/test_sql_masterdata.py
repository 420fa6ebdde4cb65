"""Master data in the store's database, filled from TOML / JSON bundles (CO5, CO8, LL3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from amparex_adapters.masterdata.bundle import MasterItem, load_bundle, record_of
from amparex_adapters.masterdata.sql import SqlMasterData
from amparex_adapters.storage.postgres import PostgresStorage
from amparex_adapters.storage.sql import SqlStorage
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.csvdialect import CsvDialect
from amparex_core.domain.errors import MasterDataInvalid
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    Employee,
    FileFormat,
    PostalAddress,
    StatisticTemplate,
)
from amparex_core.ports.masterdata import MasterData

pytestmark = pytest.mark.integration

GOOD_TOML = """\
format = "amparex-masterdata/1"

[[branches]]
id = "F01"
name = "Stuttgart Mitte"
email = "f01@optik.example"
address = { street = "Königstraße 1", postal_code = "70173", city = "Stuttgart" }

[[branches]]
id = "F02"
name = "Esslingen"

[[customers]]
id = "K-1001"
first_name = "Erika"
last_name = "Mustermann"
salutation = "Frau"
leading_branch = "F01"
address = { street = "Hauptstraße 5", postal_code = "70173", city = "Stuttgart", extra = "c/o X" }

[[employees]]
id = "M-7"
first_name = "Max"
last_name = "Muster"
branch = "F02"

[[document_templates]]
id = "DOC-CARD"
name = "Kundenkarte"
kind = "card"
media_type = "text/plain"
content = "Karte {card_number}"

[[document_templates]]
id = "DOC-PDF"
name = "Karte als PDF"
kind = "card"
media_type = "application/pdf"
content_file = "card.pdf"

[[statistic_templates]]
id = "ST-CUSTOMERS"
name = "Kundenstatistik"
file_format = "csv"
query = "SELECT id, name FROM customers"
dialect = { separator = ",", decimal_separator = ".", encoding = "cp1252", header = false }
"""

BAD_TOML = """\
[[branches]]
id = "F01"
name = "Stuttgart"

[[branches]]
id = "F01"
name = "Doppelt"

[[customers]]
id = "K-1"
first_name = "Erika"
address = { street = "", postal_code = "70173", city = "Stuttgart" }

[[document_templates]]
id = "D"
name = "x"
kind = "poster"
media_type = "text/plain"
content = "x"

[[statistic_templates]]
id = "S"
name = "s"
file_format = "csv"
query = "q"
colour = "blue"
dialect = { separator = ";;" }
"""


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStorage]:
    store: SqlStorage
    if request.param == "sqlite-file":
        store = SqliteStorage(tmp_path / "md.sqlite")
    elif request.param == "sqlite-memory":
        store = SqliteStorage()
    else:
        store = PostgresStorage(request.getfixturevalue("pg_url"))
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "card.pdf").write_bytes(b"%PDF-1.7\n\x00\xff binary")
    (folder / "good.toml").write_text(GOOD_TOML, encoding="utf-8")
    (folder / "bad.toml").write_text(BAD_TOML, encoding="utf-8")
    return folder


def test_CO5_CO8_LL3_records_round_trip(sql_store: SqlStorage) -> None:
    data = SqlMasterData(sql_store)
    assert isinstance(data, MasterData)
    items: list[MasterItem] = [
        Branch(id="F01", name="S", address=PostalAddress("Str. 1", "70173", "Stuttgart")),
        Customer(id="K", first_name="E", last_name="M", leading_branch="F01", email="e@x.de"),
        Employee(id="E", first_name="A", last_name="B", branch="F01"),
        DocumentTemplate(
            id="D",
            name="d",
            kind=DocumentKind.LETTER,
            media_type="application/pdf",
            content=b"%PDF\x00\xff",
        ),
        StatisticTemplate(
            id="S",
            name="s",
            file_format=FileFormat.XLSX,
            query="select 1",
            dialect=CsvDialect(separator="|", header=False, line_terminator="\n"),
        ),
    ]
    data.add(*items)
    assert data.branch("F01") == items[0]
    assert data.customer("K") == items[1]
    assert data.employee("E") == items[2]
    assert data.document_template("D") == items[3]
    assert data.statistic_template("S") == items[4]
    for method in ("branch", "customer", "employee", "document_template", "statistic_template"):
        assert getattr(data, method)("nope") is None
    data.add(Branch(id="F01", name="renamed"))
    assert data.branch("F01") == Branch(id="F01", name="renamed")
    with pytest.raises(TypeError):
        data.add(object())  # type: ignore[arg-type]


def test_toml_bundle_is_imported_whole(sql_store: SqlStorage, bundle_dir: Path) -> None:
    data = SqlMasterData(sql_store)
    counts = data.import_bundle(bundle_dir / "good.toml")
    assert counts == {
        "branches": 2,
        "customers": 1,
        "employees": 1,
        "document_templates": 2,
        "statistic_templates": 1,
    }
    assert data.counts() == counts
    customer = data.customer("K-1001")
    assert customer is not None
    assert customer.leading_branch == "F01"
    assert customer.address is not None
    assert customer.address.extra == "c/o X"
    pdf = data.document_template("DOC-PDF")
    assert pdf is not None
    assert pdf.content == b"%PDF-1.7\n\x00\xff binary"
    statistic = data.statistic_template("ST-CUSTOMERS")
    assert statistic is not None
    assert statistic.dialect == CsvDialect(
        separator=",", decimal_separator=".", encoding="cp1252", header=False
    )


def test_json_bundle_has_the_same_structure(sql_store: SqlStorage, bundle_dir: Path) -> None:
    bundle = load_bundle(bundle_dir / "good.toml")
    document = {
        "format": "amparex-masterdata/1",
        "branches": [record_of(b) for b in bundle.branches],
        "customers": [record_of(c) for c in bundle.customers],
        "employees": [record_of(e) for e in bundle.employees],
        "document_templates": [record_of(d) for d in bundle.document_templates],
        "statistic_templates": [record_of(s) for s in bundle.statistic_templates],
    }
    path = bundle_dir / "good.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert load_bundle(path) == bundle
    data = SqlMasterData(sql_store)
    data.import_bundle(path)
    assert data.branch("F01") == bundle.branches[0]


def test_bad_toml_rows_are_reported_by_line_and_field_and_nothing_is_imported(
    sql_store: SqlStorage, bundle_dir: Path
) -> None:
    data = SqlMasterData(sql_store)
    data.add(Branch(id="F09", name="before"))
    with pytest.raises(MasterDataInvalid) as caught:
        data.import_bundle(bundle_dir / "bad.toml")
    problems = caught.value.problems
    assert "line 5, branches[2].id: 'F01' appears twice (first at branches[1])" in problems
    assert "line 9, customers[1].last_name: is required" in problems
    assert "line 9, customers[1].address.street: must not be empty" in problems
    assert any(p.startswith("line 14, document_templates[1].kind: 'poster'") for p in problems)
    assert any(
        p.startswith("line 21, statistic_templates[1].colour: unknown field") for p in problems
    )
    assert any(p.startswith("line 21, statistic_templates[1].dialect: separator") for p in problems)
    assert len(problems) == 6
    assert caught.value.code == "masterdata.invalid"
    assert "6 Fehler" in caught.value.message("de")
    assert data.counts() == {
        "branches": 1,
        "customers": 0,
        "employees": 0,
        "document_templates": 0,
        "statistic_templates": 0,
    }
    assert data.branch("F01") is None


def test_bad_json_rows_carry_their_line(bundle_dir: Path) -> None:
    path = bundle_dir / "bad.json"
    path.write_text(
        '{\n  "branches": [\n    {"id": "F01", "name": "ok"},\n'
        '    {"id": "F02"},\n    {"id": 7, "name": "x", "phone": 1}\n  ]\n}\n',
        encoding="utf-8",
    )
    with pytest.raises(MasterDataInvalid) as caught:
        load_bundle(path)
    assert caught.value.problems == (
        "line 4, branches[2].name: is required",
        "line 5, branches[3].id: must be text, not the number 7",
        "line 5, branches[3].phone: must be text, not the number 1",
    )


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("broken.toml", "[[branches]\nid = 1\n", "line 1"),
        ("broken.json", '{\n  "branches": [\n    {"id": }\n]}', "line 3"),
        ("wrong.toml", 'format = "other/9"\nshops = []\n', "unknown section"),
        ("nested.toml", "branches = 5\n", "branches: must be an array"),
        (
            "content.toml",
            '[[document_templates]]\nid="D"\nname="d"\nkind="card"\n'
            'media_type="x"\ncontent="a"\ncontent_base64="YQ=="\n',
            "exactly one of",
        ),
        (
            "missing.toml",
            '[[document_templates]]\nid="D"\nname="d"\nkind="card"\n'
            'media_type="x"\ncontent_file="nope.pdf"\n',
            "cannot be read",
        ),
        (
            "b64.toml",
            '[[document_templates]]\nid="D"\nname="d"\nkind="card"\n'
            'media_type="x"\ncontent_base64="***"\n',
            "not valid base64",
        ),
    ],
)
def test_unreadable_bundles_are_refused(
    bundle_dir: Path, name: str, text: str, expected: str
) -> None:
    path = bundle_dir / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MasterDataInvalid, match=expected):
        load_bundle(path)


def test_a_missing_bundle_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MasterDataInvalid, match="cannot be read"):
        load_bundle(tmp_path / "none.toml")


def test_many_problems_are_counted_and_the_message_stays_short(bundle_dir: Path) -> None:
    path = bundle_dir / "many.toml"
    path.write_text("".join(f'[[branches]]\nid = "F{i}"\n' for i in range(12)), encoding="utf-8")
    with pytest.raises(MasterDataInvalid) as caught:
        load_bundle(path)
    assert len(caught.value.problems) == 12
    assert caught.value.problems[11] == "line 23, branches[12].name: is required"
    message = str(caught.value)
    assert "12 problem(s)" in message
    assert message.count("is required") == 10
    assert "…" in message
