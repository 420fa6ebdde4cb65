"""One vocabulary (issue 15, item 8): what listings print is what options accept.

The command's word for an enum value is the hyphenated form (``card-order``,
``ordering-branch``, ``nfc-rfid``): tables print it, option choices list it. ``--json``
keeps the API's values (``card_order``), and every option accepts those too, in any case.
"""

from __future__ import annotations

import json
import re

from amparex_adapters.cli.app import cli

from .chain import Chain, add_card_ordering, add_loyalty_lab, add_templates

LATER = "2099-01-01T08:00:00+01:00"

# Values of the API that the command's tables must print hyphenated.
UNDERSCORED = ("card_order", "loyalty_lab", "ordering_branch", "customer_branch", "nfc_rfid")


def columns(table: str, *wanted: str) -> list[dict[str, str]]:
    """The cells of the columns *wanted* of a table the command printed, row by row.

    Columns are at least two spaces apart; a header or a cell may hold single spaces.
    """
    header, *rows = [line for line in table.splitlines() if line.strip()]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", header)]
    spans = dict(zip(starts, [*starts[1:], None], strict=True))
    names = {header[start:end].strip(): (start, end) for start, end in spans.items()}
    return [{name: row[slice(*names[name])].strip() for name in wanted} for row in rows]


def _world(chain: Chain) -> None:
    add_card_ordering(chain)
    add_loyalty_lab(chain)
    add_templates(chain)
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    chain.ok(
        "orders", "place", "--template", "GOLD", "--holder", "K2", "--process", "P2",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K2", "--process", "P3")
    chain.ok("orders", "dispatch", "--now", LATER)
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P4")


def test_tables_print_the_words_the_options_take(chain: Chain) -> None:
    _world(chain)
    tables = {
        "interfaces": chain.ok("interfaces", "list").stdout,
        "templates": chain.ok("templates", "list").stdout,
        "orders": chain.ok("orders", "list").stdout,
        "cards": chain.ok("cards", "list").stdout,
    }
    for name, table in tables.items():
        for value in UNDERSCORED:
            assert value not in table, f"{name} list prints {value}"

    kinds = {row["kind"] for row in columns(tables["interfaces"], "kind")}
    assert kinds == {"card-order", "loyalty-lab"}
    for kind in kinds:
        listed = chain.ok("interfaces", "list", "--kind", kind).stdout
        assert {row["kind"] for row in columns(listed, "kind")} == {kind}

    gold = next(
        row
        for row in columns(tables["templates"], "name", "ship to", "interval", "type", "kind")
        if row["name"] == "GOLD"
    )
    assert (gold["ship to"], gold["type"]) == ("customer", "nfc-rfid")
    chain.ok(
        "templates", "add", "GOLD-2", "--document", "DOC-CARD", "--cover-letter", "DOC-LETTER",
        "--ship-to", gold["ship to"], "--interval", gold["interval"],
        "--card-type", gold["type"], "--kind", gold["kind"],
    )  # fmt: skip
    basis = next(r for r in columns(tables["templates"], "name", "ship to") if r["name"] == "BASIS")
    assert basis["ship to"] == "ordering-branch"
    chain.ok("templates", "add", "BASIS-2", "--document", "DOC-CARD", "--ship-to", basis["ship to"])

    statuses = {row["status"] for row in columns(tables["orders"], "status")}
    assert statuses == {"dispatched", "pending"}
    for status in statuses:
        listed = chain.ok("orders", "list", "--status", status).stdout
        assert {row["status"] for row in columns(listed, "status")} == {status}

    types = {row["type"] for row in columns(tables["cards"], "type")}
    assert types == {"chip", "nfc-rfid"}


def test_options_accept_what_json_prints_in_any_case(chain: Chain) -> None:
    """``--kind card_order`` exited 2 in 0.1.0; ``--json`` values are pasted into options."""
    _world(chain)
    for listed in json.loads(chain.ok("interfaces", "list", "--json").stdout):
        kind = listed["kind"]
        assert "_" in kind  # the API's value, kept in --json
        for spelling in (kind, kind.upper(), kind.replace("_", "-").title()):
            found = json.loads(chain.ok("interfaces", "list", "--kind", spelling, "--json").stdout)
            assert [c["id"] for c in found] == [listed["id"]]
    gold = next(
        t for t in json.loads(chain.ok("templates", "list", "--json").stdout) if t["name"] == "GOLD"
    )
    assert (gold["ship_to"], gold["card_type"]) == ("customer", "nfc_rfid")
    chain.ok(
        "templates", "add", "GOLD-3", "--document", "DOC-CARD", "--cover-letter", "DOC-LETTER",
        "--ship-to", "CUSTOMER", "--interval", gold["interval"].upper(),
        "--card-type", gold["card_type"], "--kind", gold["kind"],
    )  # fmt: skip
    chain.ok(
        "templates", "add", "BASIS-3", "--document", "DOC-CARD", "--ship-to", "ordering_branch"
    )
    copied = {t["name"]: t for t in json.loads(chain.ok("templates", "list", "--json").stdout)}
    assert copied["GOLD-3"]["card_type"] == "nfc_rfid"
    assert copied["BASIS-3"]["ship_to"] == "ordering_branch"
    for order in json.loads(chain.ok("orders", "list", "--json").stdout):
        found = json.loads(
            chain.ok("orders", "list", "--status", order["status"].upper(), "--json").stdout
        )
        assert order["id"] in {o["id"] for o in found}
    # a command's name pasted with an underscore works too
    assert chain.ok("interfaces", "add", "loyalty_lab", "--help").exit_code == 0


def test_choices_in_help_are_the_hyphenated_words() -> None:
    """``--help`` lists the words the tables print, never the API's underscored values."""
    from click.testing import CliRunner

    runner = CliRunner()
    for args in (["templates", "add", "--help"], ["interfaces", "list", "--help"]):
        text = runner.invoke(cli, args).stdout
        assert "_" not in "".join(
            line for line in text.splitlines() if "[" in line and "|" in line
        ), text
    help_text = runner.invoke(cli, ["templates", "add", "--help"]).stdout
    assert "ordering-branch" in help_text and "nfc-rfid" in help_text
