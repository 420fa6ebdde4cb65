"""Said texts (issue 15 item 9): reasons built in the core, English in value, German on demand.

:func:`amparex_core.domain.text.said` keeps the message id and parameters of an English
text; :meth:`AmparexError.message` gives a said fact in the language when a translator is
set (the command sets one: :func:`amparex_adapters.i18n.set_language`), else in English.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Iterator

import pytest

from amparex_adapters import i18n
from amparex_adapters._catalogue import extract_source
from amparex_adapters.readers.scripted import ScriptedReader
from amparex_core.domain.cards import CardNumberFormat, CardUid
from amparex_core.domain.claims import Holder, describe_holder
from amparex_core.domain.errors import CardNumberInvalid, CardUidInvalid, ReaderUnavailable
from amparex_core.domain.operations import Problem, ProblemKind
from amparex_core.domain.text import Said, said, set_translator, translated

GERMAN = {
    "{length} digits expected": "{length} Ziffern erwartet",
    "{name} on {host}": "{name} auf {host}",
    "wrong {thing}": "falsches {thing}",
    "fields differ {x}": "andere Felder {y}",
}


def fake(lang: str, msgid: str) -> str:
    return GERMAN.get(msgid, msgid) if lang == "de" else msgid


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    """Each test starts without a translator and in English, and leaves it so."""
    previous = set_translator(None)
    language = i18n.set_language("en")
    yield
    set_translator(previous)
    i18n.set_language(language)


def test_a_said_text_is_its_english_text() -> None:
    reason = said("{length} digits expected", length=10)
    assert isinstance(reason, str)
    assert isinstance(reason, Said)
    assert reason == "10 digits expected"
    assert hash(reason) == hash("10 digits expected")
    assert str(reason) == "10 digits expected"
    assert type(str(reason)) is str
    assert f"{reason}" == "10 digits expected"
    assert json.dumps({"reason": reason}) == '{"reason": "10 digits expected"}'
    assert (reason.msgid, reason.params) == ("{length} digits expected", {"length": 10})


def test_a_said_text_and_an_error_holding_one_pickle() -> None:
    reason = said("{length} digits expected", length=10)
    again = pickle.loads(pickle.dumps(reason))
    assert isinstance(again, Said)
    assert again == reason
    assert (again.msgid, again.params) == (reason.msgid, reason.params)
    error = pickle.loads(pickle.dumps(CardNumberInvalid(number="1", reason=reason)))
    assert isinstance(error.reason, Said)
    set_translator(fake)
    assert error.message("de") == "'1' ist keine gültige Kartennummer: 10 Ziffern erwartet."


def test_message_translates_a_said_fact_with_a_translator_and_falls_back_without() -> None:
    error = CardNumberInvalid(number="1", reason=said("{length} digits expected", length=10))
    english = "'1' is not a valid card number: 10 digits expected."
    assert error.message("de") == "'1' ist keine gültige Kartennummer: 10 digits expected."
    set_translator(fake)
    assert error.message("de") == "'1' ist keine gültige Kartennummer: 10 Ziffern erwartet."
    assert error.message("en") == english
    assert str(error) == english
    assert error.facts["reason"] == "10 digits expected"  # facts and --json stay English


def test_translated_says_parameters_too_and_keeps_english_when_a_translation_does_not_fit() -> None:
    set_translator(fake)
    nested = said("wrong {thing}", thing=said("{name} on {host}", name="KASSE-1", host="srv"))
    assert translated(nested, "de") == "falsches KASSE-1 auf srv"
    assert translated(nested, "en") == "wrong KASSE-1 on srv"
    assert translated(said("fields differ {x}", x=1), "de") == "fields differ 1"
    assert translated("plain", "de") == "plain"


def test_the_extraction_finds_said() -> None:
    found = list(extract_source('raise E(reason=said("{n} digits expected", n=10))\n'))
    assert found == [(1, "", "{n} digits expected")]


def test_core_reasons_are_german_through_the_command_catalogue() -> None:
    i18n.set_language("de")
    with pytest.raises(CardUidInvalid) as info:
        CardUid.parse("04A22B9")
    assert info.value.message("de") == (
        "'04A22B9' ist keine Karten-UID (hex): keine gerade Anzahl Hex-Ziffern."
    )
    assert info.value.message("en") == (
        "'04A22B9' is not a card UID (hex): not an even number of hex digits."
    )
    with pytest.raises(CardNumberInvalid) as number:
        CardNumberFormat(prefix="99", length=10).validate("1234567890")
    assert number.value.message("de").endswith(": Präfix 99 erwartet.")


def test_holders_and_status_problems_are_german_by_gettext() -> None:
    holder = Holder(id="x", name="Zentrale", host="srv-2", pid=7)
    problem = Problem(
        kind=ProblemKind.WORKSTATION_SILENT,
        place="KASSE-1",
        subject="",
        since=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
    )
    english = (holder.describe(), describe_holder(None), problem.text())
    assert english == (
        "Zentrale on srv-2, pid 7",
        "an unnamed holder",
        "KASSE-1: no program start since 2026-12-01T08:00+00:00",
    )
    i18n.set_language("de")
    assert [i18n.gettext(text) for text in english] == [
        "Zentrale auf srv-2, PID 7",
        "ein unbenannter Halter",
        "KASSE-1: kein Programmstart seit 2026-12-01T08:00+00:00",
    ]


def test_a_reader_reason_is_german() -> None:
    reader = ScriptedReader()
    reader.connected = False
    i18n.set_language("de")
    with pytest.raises(ReaderUnavailable) as info:
        reader.wait_for_card(0)
    assert "das Lesegerät ist getrennt" in info.value.message("de")
    i18n.set_language("en")
    with pytest.raises(ReaderUnavailable) as english:
        reader.wait_for_card(0)
    assert "the reader is disconnected" in english.value.message("en")
