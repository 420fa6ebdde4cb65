"""Abuse of card UIDs and card numbers, from reader bytes and typed text (CR2, CR3, CR5).

Proven here:

* :meth:`CardUid.parse` takes any text in any :class:`UidForm` (huge decimal numbers of
  thousands of digits, non-ASCII digits, separators only, control characters) and returns
  a UID or refuses with ``card.uid_invalid`` quoting the text — nothing else; a parsed UID
  renders back to an equal UID in every form (CR5);
* :class:`CardUid` from raw reader bytes and :class:`CardPresentation` with any reported
  text behave the same way;
* :meth:`CardNumberFormat.validate` accepts exactly the numbers of the chain's format
  (digits, length, prefix, Luhn check digit) and refuses the rest with
  ``card.number_invalid``; any single mistyped digit of a valid number is refused;
* through the ``amparex cards`` commands (register, identify, invalidate) any typed number
  and UID give exit 0 or one coded line (never ``[internal]``), and a refusal leaves the
  issued cards as they were.
"""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amparex_core.domain.cards import (
    CardNumberFormat,
    CardPresentation,
    CardTechnology,
    CardUid,
    UidForm,
    luhn_valid,
)
from amparex_core.domain.errors import AmparexError, CardNumberInvalid, CardUidInvalid
from tests import strategies as s
from tests.cli.chain import Chain, chain

from ._abuse import assert_refusal, outcome

__all__ = ["chain"]

typed = st.one_of(
    st.text(max_size=40),
    st.text(string.hexdigits + ":- .\t", max_size=40),
    st.text(string.digits, min_size=30, max_size=60),
    st.integers(0, 2**200).map(str),
    st.sampled_from(
        ["9" * 5000, "0" * 5000 + "1", "١٢٣", "０４Ａ２", "04:A2:2B:9C\x00", " : - . "]
    ),
)


@given(text=typed, form=s.uid_forms)
def test_CR5_any_text_is_a_uid_or_card_uid_invalid(text: str, form: UidForm) -> None:
    """A UID in canonical form that renders back to itself, or card.uid_invalid."""
    result = outcome(lambda: CardUid.parse(text, form), (text, form))
    if isinstance(result, AmparexError):
        assert isinstance(result, CardUidInvalid)
        assert_refusal(result, code="card.uid_invalid", names=text)
        return
    assert 1 <= len(result.value) <= 16
    for other in (UidForm.HEX, UidForm.HEX_REVERSED):
        assert CardUid.parse(result.render(other), other) == result
    # A number has no leading zero bytes: the decimal forms keep the UID lengths of
    # ISO 14443 (4, 7, 10 bytes) whose most significant byte is not zero.
    raw = result.value
    if len(raw) in (4, 7, 10):
        if raw[0]:
            assert CardUid.parse(result.render(UidForm.DECIMAL), UidForm.DECIMAL) == result
        if raw[-1]:
            reverse = UidForm.DECIMAL_REVERSED
            assert CardUid.parse(result.render(reverse), reverse) == result


@given(raw=st.binary(max_size=40), text=typed, form=s.uid_forms)
def test_CR1_CR5_reader_bytes_and_reported_text_never_escape(
    raw: bytes, text: str, form: UidForm
) -> None:
    """Bytes from a reader make a UID or card.uid_invalid; so does a presentation's text."""
    result = outcome(lambda: CardUid(raw), raw)
    if isinstance(result, AmparexError):
        assert_refusal(result, code="card.uid_invalid")
        assert not 1 <= len(raw) <= 16
    else:
        assert result.hex == raw.hex().upper()
    presentation = CardPresentation(CardTechnology.CONTACTLESS, raw_uid=text, uid_form=form)
    uid = outcome(lambda: presentation.uid, text)
    if isinstance(uid, AmparexError):
        assert_refusal(uid, code="card.uid_invalid")


@given(fmt=s.card_number_formats, text=typed | st.text(string.digits + " ", max_size=20))
def test_card_numbers_are_validated_or_refused(fmt: CardNumberFormat, text: str) -> None:
    """Accepted numbers have the format's length, prefix and a Luhn check digit."""
    result = outcome(lambda: fmt.validate(text), (fmt, text))
    if isinstance(result, AmparexError):
        assert isinstance(result, CardNumberInvalid)
        assert_refusal(result, code="card.number_invalid", names=text)
        return
    assert len(result) == fmt.length and result.startswith(fmt.prefix)
    assert result.isascii() and result.isdigit() and luhn_valid(result)


@given(fmt=s.card_number_formats, data=st.data())
def test_a_single_mistyped_digit_is_caught(fmt: CardNumberFormat, data: st.DataObject) -> None:
    """Luhn: changing any one digit of a valid number makes it invalid."""
    number = fmt.make(data.draw(st.integers(1, min(fmt.capacity, 10**6))))
    position = data.draw(st.integers(0, len(number) - 1))
    digit = data.draw(st.sampled_from([d for d in string.digits if d != number[position]]))
    typo = number[:position] + digit + number[position + 1 :]
    result = outcome(lambda: fmt.validate(typo), typo)
    assert isinstance(result, CardNumberInvalid), typo


@settings(
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(["register", "identify", "invalidate"]),
    number=typed,
    uid=typed,
    form=st.sampled_from(["hex", "hex-reversed", "decimal", "decimal-reversed"]),
)
def test_CR2_CR3_typed_numbers_and_uids_in_the_command(
    chain: Chain, command: str, number: str, uid: str, form: str
) -> None:
    """``amparex cards …``: exit 0 or one coded line; a refusal changes no issued card."""
    before = chain.ok("cards", "list", "--json").stdout
    args = {
        "register": ["register", "--uid-form", form, "--", number, uid],
        "identify": ["identify", "--uid-form", form, "--", uid],
        "invalidate": ["invalidate", "--", number],
    }[command]
    if "\x00" in "".join(args):
        return  # a NUL cannot be passed to a process as an argument
    result = chain.run("cards", *args)
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("amparex: error ["), result.stderr
        assert "[internal]" not in lines[0], lines[0]
        assert chain.ok("cards", "list", "--json").stdout == before
    json.loads(before)
