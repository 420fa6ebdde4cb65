"""Every subcommand of ``amparex`` on a SQLite chain: output, JSON, exit codes, messages."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from .chain import (
    CARD_KEY,
    Chain,
    add_card_ordering,
    add_loyalty_lab,
    add_templates,
    error_line,
)

# ------------------------------------------------------------------ interfaces


def test_CO1_card_ordering_is_configured_with_the_key_from_the_environment(chain: Chain) -> None:
    interface_id = add_card_ordering(chain)
    listed = json.loads(chain.ok("interfaces", "list", "--json").stdout)
    assert listed == [
        {
            "id": interface_id,
            "kind": "card_order",
            "display_name": "Kundenkartenbestellung bei AMPAREX",
            "branch": None,
            "workstation": None,
            "client_side": False,
            "start": None,
            "with_workstation_settings": False,
            "settings": {"contract": "KV-4711", "customer_number": "AX-100", "key": "********"},
        }
    ]
    table = chain.ok("interfaces", "list").stdout
    assert interface_id in table and "********" in table
    with sqlite3.connect(chain.root / "amparex.sqlite") as db:  # the store keeps the key
        dumped = "\n".join(db.iterdump())
    assert "KV-4711" in dumped


def test_CO1_a_contract_without_key_is_refused(chain: Chain) -> None:
    result = chain.run(
        "interfaces", "add", "card-order", "--contract", "KV-1", env={"AMPAREX_CARD_KEY": None}
    )
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("amparex: error [config.secret_missing]: ")
    assert "AMPAREX_CARD_KEY" in result.stderr
    assert json.loads(chain.ok("interfaces", "list", "--json").stdout) == []


def test_IF7_a_second_configuration_is_refused_in_one_line_naming_the_first(chain: Chain) -> None:
    first = add_card_ordering(chain)
    result = chain.run(
        "interfaces", "add", "card-order", "--display-name", "kundenkartenbestellung  BEI amparex "
    )
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert line.startswith("amparex: error [interface.duplicate]: The interface ")
    assert first in line
    assert result.stdout == ""


def test_IF7_messages_are_german_with_lang_de_or_a_german_locale(chain: Chain) -> None:
    add_card_ordering(chain)
    args = ("interfaces", "add", "card-order")
    by_option = chain.run("--lang", "de", *args)
    by_lang = chain.run(*args, env={"LANG": "de_DE.UTF-8"})
    by_lc_all = chain.run(*args, env={"LANG": "en_US.UTF-8", "LC_ALL": "de_AT.UTF-8"})
    for result in (by_option, by_lang, by_lc_all):
        assert result.exit_code == 1
        assert error_line(result.stderr).startswith(
            "amparex: error [interface.duplicate]: Die Schnittstelle "
        )
    english = chain.run(*args, env={"LANG": "de_DE.UTF-8", "LC_ALL": "C.UTF-8"})
    assert "The interface" in error_line(english.stderr)


def test_LL1_loyalty_lab_is_configured_for_this_workstation(chain: Chain) -> None:
    card = add_card_ordering(chain)
    lab = add_loyalty_lab(chain)
    listed = json.loads(chain.ok("interfaces", "list", "--kind", "loyalty-lab", "--json").stdout)
    assert [c["id"] for c in listed] == [lab]
    assert listed[0]["workstation"] == "KASSE-1"
    assert listed[0]["client_side"] is True
    assert listed[0]["settings"] == {
        "customer_number": "4711",
        "directory": str(chain.outbox),
        "file_pattern": "{customer_number}_{statistic}_{date:%Y%m%d}.csv",
        "statistics": {
            "customers": "ST-CUSTOMERS",
            "glasses": "ST-GLASSES",
            "contact_lenses": "ST-LENSES",
            "hearing_aids": "ST-AIDS",
        },
    }
    everything = json.loads(chain.ok("interfaces", "list", "--json").stdout)
    assert {c["id"] for c in everything} == {card, lab}


def test_IF4_the_list_can_be_limited_to_workstation_settings(chain: Chain) -> None:
    add_card_ordering(chain)
    lab = add_loyalty_lab(chain)
    listed = json.loads(
        chain.ok("interfaces", "list", "--with-workstation-settings", "--json").stdout
    )
    assert [c["id"] for c in listed] == [lab]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--customer-number", " "), "loyalty_lab.customer_number_required"),  # LL2
        (("--customer-number", "4711", "--customers", "ST-PDF"), "statistic.format_not_csv"),
        (("--customer-number", "4711", "--customers", "ST-NOPE"), "statistic.unknown_template"),
    ],
    ids=["LL2", "LL3-format", "LL3-unknown"],
)
def test_LL2_LL3_bad_loyalty_lab_settings_are_refused(
    chain: Chain, args: tuple[str, ...], code: str
) -> None:
    result = chain.run("interfaces", "add", "loyalty-lab", "--directory", str(chain.outbox), *args)
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith(f"amparex: error [{code}]: ")
    assert json.loads(chain.ok("interfaces", "list", "--json").stdout) == []


def test_LL4_a_missing_directory_is_refused(chain: Chain) -> None:
    for directory in ("missing", str(chain.root / "missing")):
        result = chain.run(
            "interfaces", "add", "loyalty-lab", "--customer-number", "1", "--directory", directory
        )
        assert result.exit_code == 1
        line = error_line(result.stderr)
        assert line.startswith("amparex: error [export.directory_invalid]: ")
        assert str(chain.root / "missing") in line


def test_LL4_a_relative_directory_is_relative_to_the_configuration(
    chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 item 11: as every path of the configuration, whatever the current folder."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "outbox").mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    add_loyalty_lab(chain)  # --directory <absolute outbox>
    chain.ok(
        "interfaces", "remove", json.loads(chain.ok("interfaces", "list", "--json").stdout)[0]["id"]
    )
    chain.ok(
        "interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory", "outbox",
        "--customers", "ST-CUSTOMERS",
    )  # fmt: skip
    listed = json.loads(chain.ok("interfaces", "list", "--json").stdout)
    assert listed[0]["settings"]["directory"] == "outbox"
    started = json.loads(chain.ok("startup", "--json").stdout)
    [export] = started["exports"]
    assert export["file"].startswith(str(chain.outbox) + "/")
    assert [p.name for p in chain.outbox.iterdir()] == [Path(export["file"]).name]
    assert list((elsewhere / "outbox").iterdir()) == []


def test_IF4_interfaces_remove(chain: Chain) -> None:
    interface_id = add_card_ordering(chain)
    assert interface_id in chain.ok("interfaces", "remove", interface_id).stdout
    assert json.loads(chain.ok("interfaces", "list", "--json").stdout) == []
    again = chain.run("interfaces", "remove", interface_id)
    assert again.exit_code == 1
    assert error_line(again.stderr).startswith("amparex: error [interface.unknown]: ")


def test_IF5_a_start_date_is_stored(chain: Chain) -> None:
    add_card_ordering(chain, "--start", "2030-01-01", "--branch", "F01")
    listed = json.loads(chain.ok("interfaces", "list", "--json").stdout)
    assert listed[0]["start"] == "2030-01-01"
    assert listed[0]["branch"] == "F01"
    bad = chain.run("interfaces", "add", "card-order", "--start", "1.1.2030")
    assert bad.exit_code == 2


def test_CO2_information_request_goes_to_the_configured_delivery(chain: Chain) -> None:
    result = chain.ok(
        "interfaces", "request-information", "--contact-name", "Eva Leiterin", "--email",
        "eva@optik.example", "--branch", "F01",
    )  # fmt: skip
    assert "sent to" in result.stdout
    names = sorted(p.name for p in chain.vendor.iterdir())
    assert any(n.endswith("information-request.json") for n in names)


# ------------------------------------------------------------------ templates


def test_CO4_templates_add_list_remove(chain: Chain) -> None:
    add_templates(chain)
    listed = json.loads(chain.ok("templates", "list", "--json").stdout)
    assert [t["name"] for t in listed] == ["BASIS", "GOLD"]
    assert listed[1] == {
        "name": "GOLD",
        "document_template": "DOC-CARD",
        "cover_letter": "DOC-LETTER",
        "ship_to": "customer",
        "interval": "daily",
        "comment": "Willkommen",
        "validity_required": True,
        "card_type": "nfc_rfid",
        "kind": "customer",
        "gift_box": True,
        "roller_clip": False,
    }
    assert "GOLD" in chain.ok("templates", "list").stdout
    duplicate = chain.run("templates", "add", "basis", "--document", "DOC-CARD")
    assert duplicate.exit_code == 1
    assert error_line(duplicate.stderr).startswith("amparex: error [template.duplicate]: ")
    assert "removed BASIS" in chain.ok("templates", "remove", "basis").stdout
    gone = chain.run("templates", "remove", "BASIS")
    assert error_line(gone.stderr).startswith("amparex: error [template.unknown]: ")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--document", "DOC-NOPE"), "template.document_unknown"),
        (("--document", "DOC-CARD", "--ship-to", "customer"), "template.cover_letter_required"),
        (("--document", "DOC-CARD", "--roller-clip"), "template.roller_clip_employee_only"),
    ],
    ids=["CO8-unknown", "CO8-cover-letter", "CO12"],
)
def test_CO8_CO12_bad_templates_are_refused(chain: Chain, args: tuple[str, ...], code: str) -> None:
    result = chain.run("templates", "add", "PLATIN", *args)
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith(f"amparex: error [{code}]: ")
    assert json.loads(chain.ok("templates", "list", "--json").stdout) == []


def test_CO12_roller_clip_on_an_employee_card(chain: Chain) -> None:
    chain.ok(
        "templates", "add", "TEAM", "--document", "DOC-CARD", "--kind", "employee",
        "--roller-clip",
    )  # fmt: skip
    listed = json.loads(chain.ok("templates", "list", "--json").stdout)
    assert listed[0]["kind"] == "employee" and listed[0]["roller_clip"] is True


def test_usage_errors_exit_2(chain: Chain) -> None:
    assert chain.run("templates", "add", "X").exit_code == 2  # --document missing
    assert chain.run("templates", "add", "X", "--document", "D", "--ship-to", "moon").exit_code == 2
    assert chain.run("orders", "place", "--holder", "K1").exit_code == 2
    assert chain.run("no-such-command").exit_code == 2
    assert chain.run("orders", "dispatch", "--now", "2026-12-01 08h").exit_code == 2
    assert chain.run("cards", "read", "--reader", "floppy").exit_code == 2


# ------------------------------------------------------------------ orders


def test_CO13_orders_place_is_idempotent_per_process(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain)
    first = chain.ok(
        "orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "VG-1/2"
    )
    again = chain.ok(
        "orders", "place", "--template", "basis", "--holder", "K1", "--process", "VG-1 / 2"
    )
    order_id = first.stdout.split()[0]
    assert "placed" in first.stdout and "Erika Mustermann" in first.stdout
    assert again.stdout.split()[0] == order_id and "already placed" in again.stdout
    listed = json.loads(chain.ok("orders", "list", "--json").stdout)
    assert len(listed) == 1
    order = listed[0]
    assert order["id"] == order_id
    assert order["status"] == "pending"
    assert order["process_ref"] == "VG-1/2"
    assert order["template"] == "BASIS"
    assert (order["holder_kind"], order["holder_id"]) == ("customer", "K1")
    assert order["ordering_branch"] == "F01"
    assert order["ship_to"] == "ordering_branch"
    assert (order["total"], order["currency"]) == ("2.50", "EUR")
    assert order["batch_id"] is None
    assert set(order) == {
        "id", "status", "process_ref", "template", "holder_kind", "holder_id", "holder_name",
        "card_number", "ordering_branch", "ship_to", "placed_at", "order_date", "valid_until",
        "period", "total", "currency", "batch_id",
    }  # fmt: skip


def test_CO3_CO9_order_refusals(chain: Chain) -> None:
    add_card_ordering(chain)
    none = chain.run("orders", "place", "--template", "GOLD", "--holder", "K1", "--process", "A")
    assert error_line(none.stderr).startswith("amparex: error [template.none_defined]: ")
    add_templates(chain)
    gold = ("orders", "place", "--template", "GOLD", "--holder", "K1")
    missing = chain.run(*gold, "--process", "B")
    assert error_line(missing.stderr).startswith("amparex: error [order.validity_required]: ")
    past = chain.run(*gold, "--process", "C", "--valid-until", "2020-01-01")
    assert error_line(past.stderr).startswith(
        "amparex: error [order.validity_not_after_order_date]: "
    )
    unknown = chain.run(
        "orders", "place", "--template", "PLATIN", "--holder", "K1", "--process", "D"
    )
    assert error_line(unknown.stderr).startswith("amparex: error [template.unknown]: ")
    assert json.loads(chain.ok("orders", "list", "--json").stdout) == []


def test_CO1_ordering_without_interface_is_refused(chain: Chain) -> None:
    add_templates(chain)
    result = chain.run("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "A")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("amparex: error [interface.not_available]: ")


def test_CO17_cancel_before_dispatch_only(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain)
    placed = chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    order_id = placed.stdout.split()[0]
    assert f"cancelled {order_id}" in chain.ok("orders", "cancel", order_id).stdout
    assert [o["status"] for o in json.loads(chain.ok("orders", "list", "--json").stdout)] == [
        "cancelled"
    ]
    again = chain.run("orders", "cancel", order_id)
    assert error_line(again.stderr).startswith("amparex: error [order.not_cancellable]: ")
    unknown = chain.run("orders", "cancel", "nope")
    assert error_line(unknown.stderr).startswith("amparex: error [order.unknown]: ")
    assert json.loads(chain.ok("orders", "list", "--status", "pending", "--json").stdout) == []


def test_CO16_dispatch_delivers_due_batches_once(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain)
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    chain.ok(
        "orders", "place", "--template", "GOLD", "--holder", "K2", "--process", "P2",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    not_yet = chain.ok("orders", "dispatch")
    assert "no card orders due" in not_yet.stdout
    later = "2099-01-01T08:00:00+01:00"
    first = chain.ok("orders", "dispatch", "--now", later)
    assert first.stdout.count("delivered") == 2
    pdfs = sorted(p.name for p in chain.vendor.iterdir() if p.name.endswith(".pdf"))
    assert len(pdfs) == 2
    for pdf in pdfs:
        assert (chain.vendor / pdf).read_bytes().startswith(b"%PDF")
    second = chain.ok("orders", "dispatch", "--now", later)
    assert "no card orders due" in second.stdout
    statuses = {o["status"] for o in json.loads(chain.ok("orders", "list", "--json").stdout)}
    assert statuses == {"dispatched"}
    dispatched = chain.ok("orders", "list", "--status", "dispatched")
    assert "BASIS" in dispatched.stdout and "GOLD" in dispatched.stdout


def test_CO16_a_failed_delivery_is_reported_and_retried(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    chain.vendor.rmdir()
    failed = chain.run("orders", "dispatch", "--now", "2099-01-01T08:00:00+01:00")
    assert failed.exit_code == 1
    assert error_line(failed.stderr).startswith("amparex: error [delivery.failed]: ")
    chain.vendor.mkdir()
    retried = chain.ok("orders", "dispatch", "--now", "2099-01-01T08:00:00+01:00")
    assert "(sent again)" in retried.stdout


# ------------------------------------------------------------------ cards


def _issue_cards(chain: Chain) -> list[dict[str, object]]:
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K2", "--process", "P2")
    chain.ok("orders", "dispatch", "--now", "2099-01-01T08:00:00+01:00")
    cards: list[dict[str, object]] = json.loads(chain.ok("cards", "list", "--json").stdout)
    return cards


def test_CR2_CR3_register_and_identify(chain: Chain) -> None:
    cards = _issue_cards(chain)
    assert len(cards) == 2
    assert set(cards[0]) == {
        "number", "holder_kind", "holder_id", "card_type", "kind", "issued_on", "valid_until",
        "uid", "blocked", "order_id",
    }  # fmt: skip
    number = str(cards[0]["number"])
    holder = cards[0]["holder_id"]
    registered = chain.ok("cards", "register", number, "04:a2:2b:9c")
    assert "04A22B9C" in registered.stdout
    found = chain.ok("cards", "identify", "9C2BA204", "--uid-form", "hex-reversed")  # CR5
    assert number in found.stdout and str(holder) in found.stdout
    taken = chain.run("cards", "register", str(cards[1]["number"]), "04A22B9C")
    assert error_line(taken.stderr).startswith("amparex: error [card.uid_taken]: ")
    unknown = chain.run("cards", "identify", "DEADBEEF")
    assert error_line(unknown.stderr).startswith("amparex: error [card.unknown]: ")
    invalid = chain.run("cards", "identify", "xyz")
    assert error_line(invalid.stderr).startswith("amparex: error [card.uid_invalid]: ")
    listed = json.loads(chain.ok("cards", "list", "--json").stdout)
    assert listed[0]["uid"] == "04A22B9C"
    assert number in chain.ok("cards", "list").stdout


def test_CR4_invalidate_blocks_the_card(chain: Chain) -> None:
    number = str(_issue_cards(chain)[0]["number"])
    chain.ok("cards", "register", number, "04A22B9C")
    assert "is invalid since" in chain.ok("cards", "invalidate", number).stdout
    blocked = chain.run("cards", "identify", "04A22B9C")
    assert error_line(blocked.stderr).startswith("amparex: error [card.blocked]: ")
    assert json.loads(chain.ok("cards", "list", "--json").stdout)[0]["blocked"] is True
    bad = chain.run("cards", "invalidate", "123")
    assert error_line(bad.stderr).startswith("amparex: error [card.number_invalid]: ")


def test_CR1_cards_read_with_the_scripted_reader(chain: Chain) -> None:
    number = str(_issue_cards(chain)[0]["number"])
    unknown = chain.ok("cards", "read", "--reader", "scripted")
    assert "uid: 04A22B9C" in unknown.stdout
    assert "status: card.unknown" in unknown.stdout
    chain.ok("cards", "register", number, "04A22B9C")
    known = chain.ok("cards", "read")
    assert f"issued card: {number}" in known.stdout
    assert "holder: K1 Erika Mustermann" in known.stdout


def test_CR1_no_card_within_the_timeout(chain: Chain) -> None:
    config = chain.config.read_text().replace('scripted_uid = "04:a2:2b:9c"\n', "")
    chain.config.write_text(config)
    result = chain.run("cards", "read", "--timeout", "0.05")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("amparex: error [reader.no_card]: ")


def test_CR4_encode_writes_the_number_on_the_presented_card(chain: Chain) -> None:
    number = str(_issue_cards(chain)[0]["number"])  # a BASIS card: a contact chip card
    with chain.config.open("a", encoding="utf-8") as config:  # [reader] is the last section
        config.write('scripted_technology = "contact"\n')
    encoded = chain.ok("cards", "encode", number, "--reader", "scripted")
    assert f"encoded card {number} on 04A22B9C" in encoded.stdout
    assert json.loads(chain.ok("cards", "list", "--json").stdout)[0]["uid"] == "04A22B9C"


def test_CR1_a_missing_reader_or_its_missing_extra_is_one_line(chain: Chain) -> None:
    result = chain.run("cards", "read", "--reader", "nfc:usb:0000:0000", "--timeout", "0.1")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert line.startswith(
        ("amparex: error [config.extra_missing]: ", "amparex: error [reader.unavailable]: ")
    )


# ------------------------------------------------------------------ master data


def test_masterdata_import_reports_a_bad_bundle_and_imports_nothing(chain: Chain) -> None:
    bad = chain.root / "bad.toml"
    bad.write_text('[[branches]]\nid = "F09"\n', encoding="utf-8")
    result = chain.run("masterdata", "import", str(bad))
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("amparex: error [masterdata.invalid]: ")
    missing = chain.run("masterdata", "import", str(chain.root / "nope.toml"))
    assert missing.exit_code == 2


def test_masterdata_import_counts(chain: Chain) -> None:
    result = chain.ok("masterdata", "import", str(chain.root / "bundle.toml"))
    assert "2 branches" in result.stdout and "5 statistic templates" in result.stdout


def test_CO1_the_key_appears_in_no_output(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain)
    outputs = [
        chain.run("interfaces", "list").stdout,
        chain.run("interfaces", "list", "--json").stdout,
        chain.run("--debug", "interfaces", "add", "card-order", "--contract", "X").stderr,
        chain.run("interfaces", "add", "card-order", "--contract", "X").stderr,
    ]
    assert all(CARD_KEY not in o for o in outputs)


def test_LL8_uploading_without_a_destination_is_a_config_error(chain: Chain) -> None:
    add_loyalty_lab(chain)
    text = chain.config.read_text().replace(
        '[loyalty_lab.upload]\nkind = "folder"\nfolder = "server"\n', ""
    )
    chain.config.write_text(text)
    result = chain.run("outbox", "upload")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith(
        f"amparex: error [config.invalid]: Configuration {chain.config}: loyalty_lab.upload: "
    )
    started = chain.ok("startup")
    assert started.stdout.count("exported ") == 4
    assert "the files stay in the outbox" in started.stdout


def test_the_demo_leaves_a_folder_with_a_foreign_configuration_alone(chain: Chain) -> None:
    before = chain.config.read_text()
    result = chain.run("demo", str(chain.root))
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("amparex: error [demo.refused]: ")
    assert chain.config.read_text() == before
    assert not (chain.root / "secrets.toml").exists()


def test_LL5_a_failing_statistic_is_reported_and_the_others_are_exported(chain: Chain) -> None:
    broken = chain.root / "broken.toml"
    broken.write_text(
        '[[statistic_templates]]\nid = "ST-BROKEN"\nname = "Kaputt"\nfile_format = "csv"\n'
        'query = "SELECT * FROM no_such_table"\n',
        encoding="utf-8",
    )
    chain.ok("masterdata", "import", str(broken))
    chain.ok(
        "interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory",
        str(chain.outbox), "--customers", "ST-BROKEN", "--glasses", "ST-GLASSES",
    )  # fmt: skip
    result = chain.run("startup")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("amparex: error [statistic.failed]: ")
    assert [p.name for p in chain.outbox.iterdir()] == [
        next(p.name for p in chain.outbox.iterdir() if "_glasses_" in p.name)
    ]
    assert "Traceback" not in result.stdout


def test_LL5_LL8_CO16_startup_json_reports_exports_uploads_and_batches(chain: Chain) -> None:
    add_card_ordering(chain)
    lab = add_loyalty_lab(chain)
    add_templates(chain, ["BASIS"])
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    first = json.loads(chain.ok("startup", "--json").stdout)
    assert set(first) == {"exports", "uploads", "batches", "purge"}
    assert first["purge"] is None  # no retention configured (LL11)
    assert [e["statistic"] for e in first["exports"]] == [
        "customers", "glasses", "contact_lenses", "hearing_aids",
    ]  # fmt: skip
    assert {e["outcome"] for e in first["exports"]} == {"written"}
    assert all(e["interface_id"] == lab and e["error"] is None for e in first["exports"])
    assert all(e["file"].startswith(str(chain.outbox)) for e in first["exports"])
    assert {u["outcome"] for u in first["uploads"]} == {"uploaded"}
    assert set(first["uploads"][0]) == {
        "interface_id", "name", "outcome", "receipt", "error", "held_by",
    }  # fmt: skip
    assert first["uploads"][0]["held_by"] is None
    assert first["batches"] == []  # the order's week is not over yet
    second = json.loads(chain.ok("startup", "--json").stdout)
    assert {e["outcome"] for e in second["exports"]} == {"exists"}
    assert {u["outcome"] for u in second["uploads"]} == {"already_uploaded"}


def test_CO16_dispatch_json_and_a_failed_batch(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    chain.vendor.rmdir()
    failed = chain.run("orders", "dispatch", "--now", "2099-01-01T08:00:00+01:00", "--json")
    assert failed.exit_code == 1
    assert error_line(failed.stderr).startswith("amparex: error [delivery.failed]: ")
    batch = json.loads(failed.stdout)["batches"][0]
    assert (batch["number"], batch["outcome"], batch["resent"]) == ("B000001", "failed", False)
    assert batch["error"]["code"] == "delivery.failed"
    assert (batch["total"], batch["currency"], len(batch["orders"])) == ("2.50", "EUR", 1)
    chain.vendor.mkdir()
    again = json.loads(chain.ok("orders", "dispatch", "--json").stdout)["batches"][0]
    assert (again["id"], again["outcome"], again["resent"]) == (batch["id"], "delivered", True)
    assert again["error"] is None and again["receipt"]
    assert json.loads(chain.ok("orders", "dispatch", "--json").stdout) == {"batches": []}


def test_LL8_outbox_upload_json(chain: Chain) -> None:
    add_loyalty_lab(chain)
    (chain.outbox / "extra.csv").write_bytes(b"a\r\n")
    first = json.loads(chain.ok("outbox", "upload", "--json").stdout)
    assert [(u["name"], u["outcome"]) for u in first["uploads"]] == [("extra.csv", "uploaded")]
    second = json.loads(chain.ok("outbox", "upload", "--json").stdout)
    assert [u["outcome"] for u in second["uploads"]] == ["already_uploaded"]


def test_CO1_config_show_names_the_secrets_but_never_their_values(chain: Chain) -> None:
    shown = json.loads(chain.ok("config", "show", "--json").stdout)
    assert shown["file"] == str(chain.config)
    assert shown["storage"]["url"].endswith("/amparex.sqlite")
    assert shown["workstation"] == {"name": "KASSE-1", "branch": "F01"}
    assert shown["secret_values"]["card_key"] == "********"
    assert shown["secret_values"]["smtp_password"] is None
    assert shown["chain"]["prices"]["card_chip"] == "2.50"
    assert shown["loyalty_lab"]["upload"]["kind"] == "folder"
    text = chain.ok("config", "show").stdout
    assert "secret card_key = ********" in text
    assert "workstation.name = KASSE-1" in text
    config = chain.config.read_text().replace(
        'path = "amparex.sqlite"', 'url = "postgresql://amparex:pw-in-url-99@db.example/amparex"'
    )
    chain.config.write_text(config)
    redacted = json.loads(chain.ok("config", "show", "--json").stdout)
    assert redacted["storage"]["url"] == "postgresql://amparex:********@db.example/amparex"
