"""The command as the manual's operator uses it for card ordering (issue 15): conflicting
placements (CO21), editing in place (CO22), letters and money (CO23), card technology
(CR6), what a dispatch reports and local times."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from .chain import Chain, add_card_ordering, add_templates, environment, error_line

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
