"""CO1: :func:`redact`, the one scrubber of messages and output, finds a secret in every
form a message may quote it in."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain.secret import REDACTED, redact


@given(secret=st.text(min_size=3, max_size=30).filter(lambda v: v.strip("*") == v and v != ""))
def test_CO1_a_secret_is_masked_raw_and_as_repr_ascii_and_json_quote_it(secret: str) -> None:
    for quoted in (secret, repr(secret), ascii(secret), json.dumps(secret)):
        text = f"refused: {quoted} (end)"
        masked = redact(text, [secret])
        assert secret not in masked or secret in REDACTED
        assert quoted[1:-1] not in masked or len(quoted[1:-1]) < 3


def test_CO1_the_longest_value_goes_first_and_short_ones_are_left_alone() -> None:
    assert redact("key abc-def and abc", ["abc", "abc-def"]) == f"key {REDACTED} and {REDACTED}"
    assert redact("a b ab", ["ab"]) == "a b ab"
