"""German throughout (issue 15 item 9): what ``amparex --lang de`` prints, end to end.

Each test runs the command as a real process (``python -m amparex_adapters.cli``) with
``--lang de`` or a German locale and checks that the lines are German: no English
sentence is left (:func:`assert_german`), and the English run prints what it printed
before. The prefixes ``amparex: error [CODE]:`` and ``amparex: LEVEL:`` are the fixed,
scriptable part of a line and stay as they are, like option names, choices and codes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

from .chain import (
    Chain,
    add_card_ordering,
    add_loyalty_lab,
    add_templates,
    environment,
    error_line,
    fail_uploads,
)

ENGLISH_WORDS = frozenset(
    (
        "the",
        "is",
        "are",
        "and",
        "of",
        "to",
        "for",
        "with",
        "from",
        "this",
        "that",
        "not",
        "be",
        "when",
        "which",
        "only",
        "each",
        "every",
        "by",
        "or",
        "it",
        "its",
        "has",
        "have",
        "been",
        "than",
        "into",
        "there",
        "these",
        "those",
    )
)
"""English function words that are no German words: one of them in prose is English."""

_NOT_PROSE = re.compile(
    r"amparex: (?:error \[[\w.]+\]|warning|error|info|debug):"  # the fixed prefixes
    r"|--?[\w-]+"  # option names
    r"|\[[^\]\n]*\]"  # choices, [default: …], [OPTIONS]
    r"|'[^'\n]*'|\"[^\"\n]*\""  # quoted values
    r"|\S*[/\\]\S*"  # paths, URLs
    r"|\b[A-Z][A-Z0-9_]+\b"  # metavars, IDs, codes
)


def english_words(text: str) -> set[str]:
    """The English function words in the prose of *text*."""
    prose = _NOT_PROSE.sub(" ", text)
    # Whole words only: the "be" in a random hex ID such as 3be7f1 is no word.
    words = re.findall(r"(?<![A-Za-z0-9])[A-Za-z]+(?![A-Za-z0-9])", prose)
    return {w for w in words if w.lower() in ENGLISH_WORDS}


def assert_german(text: str) -> None:
    """*text* is non-empty and holds no English function word outside options, codes, paths."""
    assert text.strip(), "no output"
    found = english_words(text)
    assert not found, f"English words {sorted(found)} in:\n{text}"


def test_the_english_word_check_can_fail() -> None:
    assert english_words("Die Vorlage wurde angelegt: BASIS") == set()
    assert english_words("created BASIS; the file is in the outbox") == {"the", "is"}
    assert english_words("amparex: error [config.invalid]: --lang [en|de] 'the'") == set()
    assert english_words("Sammelbestellung 3be7f1a0 zugestellt an 07be") == set()
    assert english_words("an ID 3be7f1 is shown") == {"is"}


def test_a_refusal_and_its_reason_are_german(chain: Chain) -> None:
    """config.invalid built by the command: the template and the reason (with did-you-mean)."""
    chain.config.write_text(
        chain.config.read_text(encoding="utf-8").replace("[chain]", "[chain]\nnme = 1", 1),
        encoding="utf-8",
    )
    german = chain.sub("--lang", "de", "templates", "list")
    assert german.returncode == 1
    line = error_line(german.stderr)
    assert line.startswith("amparex: error [config.invalid]: Konfiguration "), line
    assert "chain.nme: unbekannter Schlüssel; meinten Sie 'name'?" in line
    assert_german(german.stderr)
    english = chain.sub("templates", "list")
    assert "chain.nme: unknown key; did you mean 'name'?" in error_line(english.stderr)


def test_a_refusal_of_the_library_is_german_by_the_locale(chain: Chain) -> None:
    add_card_ordering(chain)
    result = chain.sub("interfaces", "add", "card-order", env={"LANG": "de_DE.UTF-8"})
    assert result.returncode == 1
    assert error_line(result.stderr).startswith(
        "amparex: error [interface.duplicate]: Die Schnittstelle "
    )
    assert_german(result.stderr)


def test_a_usage_error_is_german(chain: Chain) -> None:
    """click's own message ids (Usage, Try, Error, Missing option) come from our catalogue."""
    result = chain.sub("--lang", "de", "orders", "place")
    assert result.returncode == 2
    assert result.stderr.startswith("Aufruf: amparex orders place [OPTIONS]\n"), result.stderr
    assert re.search(r"^Hilfe mit 'amparex orders place (-h|--help)'\.$", result.stderr, re.M)
    assert "Fehler: Fehlende Option '--template'." in result.stderr
    assert_german(result.stderr)
    wrong = chain.sub("--lang", "de", "templates", "add", "X", "--card-type", "magnetic")
    assert wrong.returncode == 2
    assert "Ungültiger Wert für '--card-type': 'magnetic' ist keines von" in wrong.stderr
    assert_german(wrong.stderr)
    english = chain.sub("orders", "place")
    assert "Error: Missing option '--template'." in english.stderr


def test_help_of_the_root_a_group_and_a_command_is_german(chain: Chain) -> None:
    for args in (("--help",), ("templates", "--help"), ("templates", "add", "--help")):
        result = chain.sub("--lang", "de", *args, config=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Aufruf: amparex"), result.stdout
        assert "Optionen:" in result.stdout
        assert "Diese Hilfe zeigen und beenden." in result.stdout
        assert_german(result.stdout)
    group = chain.sub("templates", "--help", config=False, env={"LC_ALL": "de_DE.UTF-8"})
    assert "Befehle:" in group.stdout
    assert "Die Vorlage NAME anlegen (CO3, CO4, CO8)." in group.stdout
    command = chain.sub("--lang", "de", "templates", "add", "-h", config=False)
    words = " ".join(command.stdout.split())
    assert "[Pflicht]" in words
    assert "[Vorgabe: ordering-branch]" in words


def test_help_is_german_before_lang_is_parsed(chain: Chain) -> None:
    """``--help`` is processed before ``--lang`` by click; the root reads it first."""
    result = chain.sub("--help", "--lang", "de", config=False)
    assert result.stdout.startswith("Aufruf: amparex")
    english = chain.sub("--help", config=False, env={"LANG": "de_DE.UTF-8", "LC_ALL": "C"})
    assert english.stdout.startswith("Usage: amparex")


def test_a_success_line_is_german(chain: Chain) -> None:
    result = chain.sub("--lang", "de", "templates", "add", "BASIS", "--document", "DOC-CARD")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "angelegt: BASIS\n"
    english = chain.sub("templates", "add", "GOLD", "--document", "DOC-CARD")
    assert english.stdout == "created GOLD\n"


def test_the_lines_of_startup_are_german(chain: Chain) -> None:
    """LL5's progress and summary lines: exported, uploaded, and nothing new the next time."""
    add_loyalty_lab(chain)
    first = chain.sub("--lang", "de", "startup")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["exportiert"] * 4 + ["hochgeladen"] * 4
    assert_german(first.stdout + first.stderr)
    again = chain.sub("--lang", "de", "startup")
    assert again.returncode == 0, again.stderr
    *kept, summary = again.stdout.splitlines()
    assert len(kept) == 4
    assert all(line.startswith("vorhanden, nicht neu geschrieben: ") for line in kept)
    assert summary == "nichts Neues hochzuladen"
    assert_german(again.stdout + again.stderr)
    english = chain.sub("startup")
    assert english.stdout.splitlines()[-1] == "nothing new to upload"


def test_a_warning_of_the_library_log_is_german(tmp_path: Path) -> None:
    """A log record the command shows (``amparex: warning:``) has its message translated."""
    config = tmp_path / "amparex.toml"
    config.write_text('[storage]\npath = "store.sqlite"\n', encoding="utf-8")
    argv = [sys.executable, "-m", "amparex_adapters.cli", "--config", str(config)]
    env = environment({"AMPAREX_LOG_LEVEL": None, "LANG": None, "LC_ALL": None})
    german = subprocess.run(
        [*argv, "--lang", "de", "templates", "list"],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert german.returncode == 0, german.stderr
    assert german.stderr.startswith("amparex: warning: der Speicher "), german.stderr
    assert_german(german.stderr)
    assert german.stdout.split() == ["Name", "Dokumentvorlage", "Anschreiben", "Karte", "an",
                                     "Versandintervall", "Kartentyp", "Art", "Extras"]  # fmt: skip
    english = subprocess.run(
        [*argv, "templates", "list"], capture_output=True, text=True, env=env, check=False
    )
    assert english.stderr.startswith("amparex: warning: the store "), english.stderr


def test_CO8_the_role_in_document_unknown_is_german() -> None:
    """template.document_unknown named its role in English inside the German sentence."""
    from amparex_core.domain.errors import DocumentTemplateUnknown

    for role, german in (
        ("document template", "Kartenvorderseite"),
        ("cover letter", "Anschreiben"),
    ):
        error = DocumentTemplateUnknown(template="BASIS", document_id="DOC", role=role)
        assert f"({german})" in error.message("de")
        assert_german(error.message("de"))
        assert error.message("en").startswith(f"The {role} 'DOC'")


def test_the_version_line_is_german() -> None:
    from click.testing import CliRunner

    from amparex_adapters.cli.app import cli

    german = CliRunner().invoke(cli, ["--lang", "de", "--version"])
    assert german.stdout.startswith("amparex, Version ")
    english = CliRunner().invoke(cli, ["--lang", "en", "--version"])
    assert english.stdout.startswith("amparex, version ")


def test_CO16_the_lines_of_orders_place_and_dispatch_are_german(chain: Chain) -> None:
    """Placing, an idle dispatch, a batch delivered, a local time the clocks skip."""
    add_card_ordering(chain)
    add_templates(chain, ["GOLD"])  # daily
    place = (
        "orders", "place", "--template", "GOLD", "--holder", "K1", "--process", "P1",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    placed = chain.sub("--lang", "de", *place)
    assert placed.returncode == 0, placed.stderr
    assert re.fullmatch(r"\S+ aufgegeben: Karte \d+ für Erika Mustermann\n", placed.stdout)
    again = chain.sub("--lang", "de", *place)
    assert " bereits aufgegeben: Karte " in again.stdout
    (order,) = json.loads(chain.ok("orders", "list", "--json").stdout)
    day = dt.date.fromisoformat(order["order_date"])
    idle = chain.sub("--lang", "de", "orders", "dispatch", "--now", f"{day}T23:30")
    assert idle.stdout == "keine Kartenbestellungen fällig\n"
    gap = chain.sub("--lang", "de", "orders", "dispatch", "--now", "2026-03-29T02:30")
    assert gap.returncode == 2
    assert "2026-03-29T02:30:00 gibt es in Europe/Berlin nicht" in gap.stderr
    assert_german(gap.stderr)
    morning = f"{day + dt.timedelta(days=1)}T00:30"
    sent = chain.sub("--lang", "de", "orders", "dispatch", "--now", morning)
    assert sent.returncode == 0, sent.stderr
    line = sent.stdout.strip()
    assert line.startswith("Sammelbestellung B000001: 1 Karte, "), line
    assert ", zugestellt an " in line
    assert_german(line)
    table = chain.sub("--lang", "de", "orders", "list")
    assert table.stdout.split()[:3] == ["ID", "Status", "Vorlage"]


def test_LL4_a_reason_built_by_an_adapter_is_german(chain: Chain) -> None:
    """The export folder's adapter builds the reason; it lands in the German template."""
    add_loyalty_lab(chain)
    chain.outbox.rmdir()
    result = chain.sub("--lang", "de", "startup")
    assert result.returncode == 1
    line = error_line(result.stderr)
    assert line.startswith("amparex: error [export.directory_invalid]: Das Verzeichnis "), line
    assert line.endswith("kann nicht verwendet werden: es existiert nicht."), line
    assert_german(result.stderr)
    english = chain.sub("startup")
    assert error_line(english.stderr).endswith("cannot be used: it does not exist.")


def test_CR5_a_reason_built_in_the_core_is_german(chain: Chain) -> None:
    """The reason comes from amparex_core (a said text); the command's catalogue says it."""
    german = chain.sub("--lang", "de", "cards", "identify", "04A22B9")
    assert german.returncode == 1
    assert error_line(german.stderr) == (
        "amparex: error [card.uid_invalid]: '04A22B9' ist keine Karten-UID (hex): "
        "keine gerade Anzahl Hex-Ziffern."
    )
    assert_german(german.stderr)
    english = chain.sub("cards", "identify", "04A22B9")
    assert english.returncode == 1
    assert english.stderr == (
        "amparex: error [card.uid_invalid]: '04A22B9' is not a card UID (hex): "
        "not an even number of hex digits.\n"
    )


def test_OP2_the_problems_of_status_are_german(chain: Chain) -> None:
    """The problem lines are said texts of the core; --json keeps them English."""
    add_loyalty_lab(chain)
    fail_uploads(chain)
    german = chain.sub("--lang", "de", "status")
    assert german.returncode == 3, german.stderr
    problems = [line for line in german.stderr.splitlines() if line.startswith("Problem: ")]
    assert len(problems) == 4, german.stderr
    assert all(
        re.fullmatch(
            r"Problem: KASSE-1: Upload von \S+ schlägt fehl \(delivery\.failed\) seit \S+", p
        )
        for p in problems
    ), problems
    assert_german("\n".join(problems))
    as_json = json.loads(chain.sub("--lang", "de", "status", "--json").stdout)
    assert all(" upload of " in p["text"] for p in as_json["problems"])
    english = chain.sub("status")
    assert "problem: KASSE-1: upload of " in english.stderr
