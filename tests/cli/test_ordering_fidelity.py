"""The command as the manual's operator uses it for card ordering (issue 15): conflicting
placements (CO21), editing in place (CO22), letters and money (CO23), card technology
(CR6), what a dispatch reports and local times."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from typing import Any

import pytest

from .chain import (
    Chain,
    add_card_ordering,
    add_loyalty_lab,
    add_templates,
    environment,
    error_line,
    use_smtp_delivery,
)

# A process that waits for a start signal (a file), then runs the amparex command: so
# several of them place at the same moment, after their imports.
_RACER = """\
import os, sys, time
from amparex_adapters.cli import main
from amparex_adapters.cli.app import cli
while not os.path.exists(sys.argv[1]):
    time.sleep(0.005)
main(sys.argv[2:])
"""


def test_CO13_CO21_processes_racing_for_one_process_reference(chain: Chain) -> None:
    """CO13, CO21: six processes place under one process reference at the same moment,
    three for K1 and three for K2. The store's unique reference decides who is first:
    exactly one order; the same request as the winner's is an idempotent success, the
    other holder's is ``order.conflict`` naming the winner's order."""
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    chain.ok("orders", "list")  # the store exists before the race
    go = chain.root / "go"
    racer = chain.root / "racer.py"
    racer.write_text(_RACER, encoding="utf-8")
    holders = ["K1", "K2"] * 3
    argv = [sys.executable, str(racer), str(go), "--config", str(chain.config), "orders"]
    processes = [
        subprocess.Popen(
            [*argv, "place", "--template", "BASIS", "--holder", holder, "--process", "VG-42/1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(chain.env),
            cwd=chain.root,
        )
        for holder in holders
    ]
    time.sleep(1.5)  # let every process finish its imports
    go.write_text("go")
    results = [
        (holder, *p.communicate(timeout=120), p.returncode)
        for holder, p in zip(holders, processes, strict=True)
    ]
    (order,) = json.loads(chain.ok("orders", "list", "--json").stdout)
    winner = order["holder_id"]
    created = 0
    for holder, out, err, code in results:
        chain.outputs += [out, err]
        if holder == winner:
            assert code == 0, err
            assert out.startswith(f"{order['id']} ")
            created += out.startswith(f"{order['id']} placed:")
        else:
            assert code == 1, (out, err)
            line = error_line(err)
            assert line.startswith("amparex: error [order.conflict]: ")
            assert order["id"] in line and "another holder" in line
            assert out == ""
    assert created == 1


def test_CO21_a_conflict_is_one_line_in_english_and_german(chain: Chain) -> None:
    add_card_ordering(chain)
    add_templates(chain)
    first = chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    order_id = first.stdout.split()[0]
    again = chain.ok("orders", "place", "--template", "basis", "--holder", "K1", "--process", "P1")
    assert again.stdout.startswith(f"{order_id} already placed")
    other = chain.run(
        "orders", "place", "--template", "GOLD", "--holder", "K1", "--process", "P1",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    assert other.exit_code == 1
    line = error_line(other.stderr)
    assert line.startswith("amparex: error [order.conflict]: ")
    assert order_id in line and "template, valid until" in line
    german = chain.run(
        "--lang", "de", "orders", "place", "--template", "BASIS", "--holder", "K2",
        "--process", "P1",
    )  # fmt: skip
    assert "Karteninhaber" in error_line(german.stderr)
    assert len(json.loads(chain.ok("orders", "list", "--json").stdout)) == 1


# ------------------------------------------------------------------ card technology (CR6)


def _chip_and_nfc_cards(chain: Chain) -> tuple[str, str]:
    """A BASIS card (contact chip) for K1 and a GOLD card (contactless) for K2, issued."""
    add_card_ordering(chain)
    add_templates(chain)
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    chain.ok(
        "orders", "place", "--template", "GOLD", "--holder", "K2", "--process", "P2",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    chain.ok("orders", "dispatch", "--now", "2099-01-01T08:00:00+01:00")
    cards = {
        c["card_type"]: c["number"] for c in json.loads(chain.ok("cards", "list", "--json").stdout)
    }
    return cards["chip"], cards["nfc_rfid"]


def _uids(chain: Chain) -> dict[str, str | None]:
    return {c["number"]: c["uid"] for c in json.loads(chain.ok("cards", "list", "--json").stdout)}


def test_CR6_register_and_encode_check_the_presented_technology(chain: Chain) -> None:
    """CR6 through the command: the scripted reader presents a contactless card; a contact
    chip card's number is refused on it (register without UID, encode), in one line and
    in German too, and nothing is written; the contactless card's number is accepted."""
    chip, nfc = _chip_and_nfc_cards(chain)
    for args in (("register", chip), ("encode", chip)):
        refused = chain.run("cards", *args)
        assert refused.exit_code == 1
        line = error_line(refused.stderr)
        assert line.startswith("amparex: error [card.type_mismatch]: ")
        assert chip in line and "contactless" in line
    german = chain.run("--lang", "de", "cards", "encode", chip)
    assert "kontaktlose Karte" in error_line(german.stderr)
    assert _uids(chain) == {chip: None, nfc: None}
    assert chain.ok("cards", "encode", nfc).stdout.strip() == f"encoded card {nfc} on 04A22B9C"
    assert _uids(chain)[nfc] == "04A22B9C"


def test_CR6_a_typed_uid_is_checked_when_its_technology_is_given(chain: Chain) -> None:
    chip, _ = _chip_and_nfc_cards(chain)
    wrong = chain.run("cards", "register", chip, "04:a2:2b:9c", "--technology", "contactless")
    assert error_line(wrong.stderr).startswith("amparex: error [card.type_mismatch]: ")
    assert _uids(chain)[chip] is None
    right = chain.ok("cards", "register", chip, "04:a2:2b:9c", "--technology", "contact")
    assert right.stdout.strip() == f"registered 04A22B9C to card {chip}"
    assert chain.run("cards", "register", chip, "--technology", "contact").exit_code == 2
    assert chain.run("cards", "register", chip, "0A0B0C0D", "--reader", "scripted").exit_code == 2


def test_CR6_register_reads_the_card_on_the_reader_when_no_uid_is_given(chain: Chain) -> None:
    chip, _ = _chip_and_nfc_cards(chain)
    with chain.config.open("a", encoding="utf-8") as config:  # [reader] is the last section
        config.write('scripted_technology = "contact"\n')
    done = chain.ok("cards", "register", chip)
    assert done.stdout.strip() == f"registered 04A22B9C to card {chip}"


# ------------------------------------------------------------------ edit in place (CO22)


@pytest.mark.integration
def test_CO22_CO2_CO18_the_manuals_contract_flow_end_to_end_by_mail(
    chain: Chain, smtp_server: Any
) -> None:
    """CO22, CO2, CO18, CO1: request information, then enter the contract, its key and
    the customer number AMPAREX sends by editing the interface (same ID), order and
    dispatch: the vendor's mail carries the customer number and the batch number."""
    use_smtp_delivery(chain, smtp_server)
    key = chain.env.pop("AMPAREX_CARD_KEY")
    assert key is not None
    interface_id = chain.ok("interfaces", "add", "card-order").stdout.strip()
    asked = chain.sub(
        "interfaces", "request-information", "--contact-name", "Jana Kasse",
        "--email", "jana@optik-muster.example",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    add_templates(chain, ["BASIS"])
    early = chain.run("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P0")
    assert error_line(early.stderr).startswith("amparex: error [interface.contract_required]")
    # The key comes from the environment (or the secrets file), never the command line.
    no_key = chain.sub("interfaces", "update", interface_id, "--contract", "KV-4711")
    assert no_key.returncode == 1
    assert "card_key" in error_line(no_key.stderr)
    updated = chain.sub(
        "interfaces", "update", interface_id, "--contract", "KV-4711",
        "--customer-number", "4711", env={"AMPAREX_CARD_KEY": key},
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.strip() == (
        f"updated {interface_id} (card-order, Kundenkartenbestellung bei AMPAREX)"
    )
    (listed,) = json.loads(chain.ok("interfaces", "list", "--json").stdout)
    assert listed["id"] == interface_id
    assert listed["settings"] == {
        "contract": "KV-4711",
        "customer_number": "4711",
        "key": "********",
    }
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    sent = chain.sub("orders", "dispatch", "--now", "2099-01-01T08:00")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == (
        f"batch B000001: 1 card(s), 2,50 EUR, delivered to smtp://{smtp_server.host}:"
        f"{smtp_server.port}: B000001-cards.pdf, B000001-manifest.csv, B000001-manifest.json"
    )
    request, order = smtp_server.messages
    assert request.message()["Subject"] == "Informationen anfordern: Kartenvertrag Optik Muster"
    message = order.message()
    assert message["Subject"] == "Kartenbestellung 4711 B000001"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Kunden-Nr. / customer number: 4711" in text
    assert "Kartenvertrag / contract: KV-4711" in text
    assert "Summe / total: 2,50 EUR" in text
    assert key.encode() not in order.content


def test_CO22_interfaces_update_changes_only_what_is_given(chain: Chain) -> None:
    interface_id = add_card_ordering(chain, "--branch", "F01")
    moved = chain.ok(
        "interfaces", "update", interface_id, "--branch", "F02", "--start", "2027-01-01"
    )
    assert moved.stdout.startswith(f"updated {interface_id} ")
    (shown,) = json.loads(chain.ok("interfaces", "list", "--json").stdout)
    assert (shown["branch"], shown["start"], shown["settings"]["contract"]) == (
        "F02",
        "2027-01-01",
        "KV-4711",
    )
    chain.ok("interfaces", "update", interface_id, "--branch", "", "--start", "")
    (shown,) = json.loads(chain.ok("interfaces", "list", "--json").stdout)
    assert (shown["branch"], shown["start"]) == (None, None)
    wrong = chain.run("interfaces", "update", interface_id, "--directory", "/srv")
    assert wrong.exit_code == 2 and "--directory is no option of a card-order" in wrong.stderr
    unknown = chain.run("interfaces", "update", "nope", "--branch", "F01")
    assert error_line(unknown.stderr).startswith("amparex: error [interface.unknown]: ")


def test_CO22_IF7_LL3_a_loyalty_lab_edit_is_checked_like_a_new_configuration(
    chain: Chain,
) -> None:
    first = add_loyalty_lab(chain)
    second = chain.ok(
        "interfaces", "add", "loyalty-lab", "--display-name", "Zweites Lab",
        "--customer-number", "4712", "--directory", str(chain.outbox), "--customers",
        "ST-CUSTOMERS",
    ).stdout.strip()  # fmt: skip
    taken = chain.run("interfaces", "update", second, "--display-name", " loyalty  lab")
    line = error_line(taken.stderr)
    assert line.startswith("amparex: error [interface.duplicate]: ") and first in line
    pdf = chain.run("interfaces", "update", second, "--glasses", "ST-PDF")
    assert error_line(pdf.stderr).startswith("amparex: error [statistic.format_not_csv]: ")
    chain.ok("interfaces", "update", second, "--glasses", "ST-GLASSES", "--customers", "")
    shown = {c["id"]: c for c in json.loads(chain.ok("interfaces", "list", "--json").stdout)}
    assert shown[second]["settings"]["statistics"] == {
        "customers": None,
        "glasses": "ST-GLASSES",
        "contact_lenses": None,
        "hearing_aids": None,
    }
    assert shown[second]["display_name"] == "Zweites Lab"
    card_only = chain.run("interfaces", "update", second, "--contract", "KV-1")
    assert card_only.exit_code == 2


def test_CO22_CO14_templates_update_in_place_and_placed_orders_keep_their_snapshot(
    chain: Chain,
) -> None:
    add_card_ordering(chain)
    add_templates(chain)
    chain.ok("orders", "place", "--template", "GOLD", "--holder", "K1", "--process", "P1",
             "--valid-until", "2099-12-31")  # fmt: skip
    done = chain.ok(
        "templates", "update", "gold", "--no-gift-box", "--comment", "", "--interval", "weekly",
        "--rename", "GOLD PLUS",
    )  # fmt: skip
    assert done.stdout.strip() == "updated GOLD PLUS"
    shown = {t["name"]: t for t in json.loads(chain.ok("templates", "list", "--json").stdout)}
    assert sorted(shown) == ["BASIS", "GOLD PLUS"]
    gold = shown["GOLD PLUS"]
    assert (gold["gift_box"], gold["comment"], gold["interval"]) == (False, None, "weekly")
    assert (gold["ship_to"], gold["card_type"], gold["validity_required"]) == (
        "customer",
        "nfc_rfid",
        True,
    )
    (order,) = json.loads(chain.ok("orders", "list", "--json").stdout)
    assert (order["template"], order["total"]) == ("GOLD", "7.90")  # the snapshot (CO14)
    for args, code in (
        (("--rename", "basis"), "template.duplicate"),
        (("--cover-letter", ""), "template.cover_letter_required"),
        (("--roller-clip",), "template.roller_clip_employee_only"),
        (("--document", "DOC-NONE"), "template.document_unknown"),
    ):
        refused = chain.run("templates", "update", "GOLD PLUS", *args)
        assert error_line(refused.stderr).startswith(f"amparex: error [{code}]: "), args
    missing = chain.run("templates", "update", "PLATIN", "--comment", "x")
    assert error_line(missing.stderr).startswith("amparex: error [template.unknown]: ")
    after = {t["name"]: t for t in json.loads(chain.ok("templates", "list", "--json").stdout)}
    assert after == shown  # refused edits wrote nothing


# ------------------------------------------------------------------ dispatch report, --now, money


def test_CO16_dispatch_reports_the_pdf_and_the_manifest_and_reads_local_times(
    chain: Chain,
) -> None:
    """Issue 15 item 12, CO6: ``--now`` without an offset is a time in the chain's zone
    (Europe/Berlin): 23:30 on the order day is before the daily period ends, although
    23:30 UTC would be after it; the next morning the batch goes out and the line names
    the batch PDF and the manifests as delivered, not the README. CO23: the total is in
    the chain's conventions (``12,80 €``: card, gift box and the shipping item)."""
    text = chain.config.read_text(encoding="utf-8")
    text = text.replace(
        'time_zone = "Europe/Berlin"\n',
        'time_zone = "Europe/Berlin"\ncurrency_symbol = true\n\n'
        '[chain.prices]\nshipping = "4.90"\n',
    )
    chain.config.write_text(text, encoding="utf-8")
    add_card_ordering(chain)
    add_templates(chain, ["GOLD"])  # daily
    chain.ok(
        "orders", "place", "--template", "GOLD", "--holder", "K1", "--process", "P1",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    (order,) = json.loads(chain.ok("orders", "list", "--json").stdout)
    day = dt.date.fromisoformat(order["order_date"])
    evening = chain.ok("orders", "dispatch", "--now", f"{day}T23:30")
    assert evening.stdout.strip() == "no card orders due"
    gap = chain.run("orders", "dispatch", "--now", "2026-03-29T02:30")  # clocks skip it
    assert gap.exit_code == 2 and "does not exist in Europe/Berlin" in gap.stderr
    morning = chain.ok("orders", "dispatch", "--now", f"{day + dt.timedelta(days=1)}T00:30")
    line = morning.stdout.strip()
    (batch,) = json.loads(chain.ok("orders", "list", "--json").stdout)
    prefix = f"{batch['batch_id']}-B000001"
    destination = chain.vendor.as_uri()
    assert line == (
        f"batch B000001: 1 card(s), 12,80 €, delivered to {destination}: {prefix}-cards.pdf, "
        f"{prefix}-manifest.csv, {prefix}-manifest.json"
    )
    assert "README" not in line
    readme = (chain.vendor / f"{batch['batch_id']}-README.txt").read_text(encoding="utf-8")
    assert "Versand / shipping: 4,90 €\n" in readme and "Summe / total: 12,80 €\n" in readme
    manifest = (chain.vendor / f"{prefix}-manifest.csv").read_text(encoding="utf-8-sig")
    assert "card_nfc_rfid=3,90 + gift_box=4,00;7,90;EUR;4,90;12,80" in manifest
    listed = chain.ok("orders", "list").stdout
    assert "7,90 €" in listed
