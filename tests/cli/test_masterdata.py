"""``amparex masterdata list`` and the document's kind against its role (issue 15, item 10).

* Every section of the master data is listed and searched (ID and name, every word, any
  case), a page at a time, through the command: the line after a full page shows the
  next one, and paging that way shows every record once. ``--json`` gives the bundle's
  records (a document's size, not its content).
* ``templates add --document`` takes a card document only, ``--cover-letter`` a letter
  only: anything else is ``template.document_wrong_kind`` in English and German, and
  nothing is stored.
"""

from __future__ import annotations

import json
import shlex
import uuid
from pathlib import Path

import pytest

from tests.thirdparty import write_distribution

from .chain import Chain, error_line


def _ids(table: str) -> list[str]:
    return [line.split()[0] for line in table.splitlines()[1:] if line and line[0] != "m"]


def test_every_section_is_listed_with_the_ids_the_other_commands_take(chain: Chain) -> None:
    assert _ids(chain.ok("masterdata", "list", "branches").stdout) == ["F01", "F02"]
    assert _ids(chain.ok("masterdata", "list", "customers").stdout) == ["K1", "K2"]
    assert _ids(chain.ok("masterdata", "list", "employees").stdout) == ["M1"]
    documents = chain.ok("masterdata", "list", "documents").stdout
    assert _ids(documents) == ["DOC-CARD", "DOC-LETTER"]
    assert "templates --document" in documents and "templates --cover-letter" in documents
    statistics = chain.ok("masterdata", "list", "statistic_templates").stdout  # bundle name
    assert _ids(statistics) == ["ST-AIDS", "ST-CUSTOMERS", "ST-GLASSES", "ST-LENSES", "ST-PDF"]
    assert chain.run("masterdata", "list", "holders").exit_code == 2


def test_search_finds_every_word_in_the_id_or_name_in_any_case(chain: Chain) -> None:
    found = chain.ok("masterdata", "list", "customers", "--search", "mustermann ERIKA").stdout
    assert _ids(found) == ["K1"]
    assert _ids(chain.ok("masterdata", "list", "customers", "--search", "k2").stdout) == ["K2"]
    branches = chain.ok("masterdata", "list", "branches", "--search", "KÖLN").stdout
    assert _ids(branches) == ["F02"]
    nothing = chain.ok("masterdata", "list", "employees", "--search", "nobody")
    assert nothing.stdout.strip() == "no employees found"


def test_paging_with_the_line_after_a_full_page_shows_every_record_once(
    chain: Chain, tmp_path: Path
) -> None:
    bundle = tmp_path / "many.json"
    people = [
        {"id": f"P{n:03d}", "first_name": "Erika" if n % 2 else "Max", "last_name": f"Muster {n}"}
        for n in range(1, 24)
    ]
    bundle.write_text(json.dumps({"customers": people}), encoding="utf-8")
    chain.ok("masterdata", "import", str(bundle))
    args = ["masterdata", "list", "customers", "--search", "erika muster", "--limit", "4"]
    seen: list[str] = []
    while True:
        shown = chain.ok(*args).stdout
        lines = shown.strip().splitlines()
        seen += _ids(shown)
        if not lines[-1].startswith("more: "):
            break
        args = shlex.split(lines[-1].removeprefix("more: amparex "))
    expected = sorted(["K1"] + [p["id"] for p in people if p["first_name"] == "Erika"])
    assert seen == expected
    listed = json.loads(
        chain.ok(
            "masterdata", "list", "customers", "--limit", "3", "--after", "P005", "--json"
        ).stdout
    )
    assert [c["id"] for c in listed] == ["P006", "P007", "P008"]
    assert listed[0] == {"id": "P006", "first_name": "Max", "last_name": "Muster 6"}


def test_json_gives_bundle_records_and_a_documents_size_not_its_content(chain: Chain) -> None:
    documents = json.loads(chain.ok("masterdata", "list", "documents", "--json").stdout)
    assert documents[0] == {
        "id": "DOC-CARD",
        "name": "Kundenkarte",
        "kind": "card",
        "media_type": "text/plain",
        "size": len(b"{template_name} {holder_name} {card_number}"),
    }
    branches = json.loads(chain.ok("masterdata", "list", "branches", "--json").stdout)
    assert branches[0]["address"] == {
        "street": "Königstraße 10",
        "postal_code": "70173",
        "city": "Stuttgart",
        "country": "DE",
    }


def test_the_command_lists_in_a_real_process(chain: Chain) -> None:
    done = chain.sub("masterdata", "list", "customers", "--search", "max", "--json")
    assert done.returncode == 0, done.stderr
    assert [c["id"] for c in json.loads(done.stdout)] == ["K2"]


def test_master_data_without_a_search_is_refused_naming_the_kind(
    chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, module = f"acme-{uuid.uuid4().hex[:8]}", f"acme_md_{uuid.uuid4().hex[:8]}"
    site = tmp_path / "site"
    write_distribution(
        site,
        "acme-amparex-masterdata",
        entry_points={"amparex.masterdata": {kind: f"{module}:open_it"}},
        modules={
            module: """
                class Lookups:
                    def branch(self, i): return None
                    def customer(self, i): return None
                    def employee(self, i): return None
                    def document_template(self, i): return None
                    def statistic_template(self, i): return None

                def open_it(*, storage):
                    return Lookups()
            """
        },
    )
    monkeypatch.syspath_prepend(str(site))
    chain.config.write_text(
        chain.config.read_text(encoding="utf-8") + f'\n[masterdata]\nkind = "{kind}"\n'
    )
    refused = chain.run("masterdata", "list", "branches")
    assert refused.exit_code == 1
    line = error_line(refused.stderr)
    assert line.startswith("amparex: error [config.invalid]: ")
    assert f"masterdata.kind: the master data of kind '{kind}' cannot be listed" in line


# ------------------------------------------------------------------ a document's kind (CO8)


@pytest.mark.parametrize(
    ("args", "role"),
    [
        (("--document", "DOC-LETTER"), "document template"),
        (
            ("--document", "DOC-CARD", "--cover-letter", "DOC-CARD", "--ship-to", "customer"),
            "cover letter",
        ),
    ],
    ids=["letter-as-card-face", "card-as-cover-letter"],
)
def test_CO8_a_document_of_the_wrong_kind_is_refused(
    chain: Chain, args: tuple[str, ...], role: str
) -> None:
    """0.1.0 accepted a letter as a card face."""
    refused = chain.run("templates", "add", "WRONG", *args)
    assert refused.exit_code == 1
    line = error_line(refused.stderr)
    assert line.startswith("amparex: error [template.document_wrong_kind]: ")
    assert f"as the {role} of card template 'WRONG'" in line
    german = chain.run("--lang", "de", "templates", "add", "WRONG", *args)
    assert "vom Typ" in error_line(german.stderr)
    assert json.loads(chain.ok("templates", "list", "--json").stdout) == []


def test_import_help_summarises_the_bundle_format() -> None:
    from click.testing import CliRunner

    from amparex_adapters.cli.app import cli
    from amparex_adapters.masterdata.bundle import SECTIONS

    text = CliRunner().invoke(cli, ["masterdata", "import", "--help"]).stdout
    for section in SECTIONS:
        assert f"\n    {section} " in text, section
    assert "masterdata-bundle.md" in text
    assert "card | letter | text" in text
