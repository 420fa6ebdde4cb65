"""A state machine drives each real reader adapter and a one-field model side by side (CR4).

Rules write a card number, erase it, and take the card away and back; after every step
the card read through the adapter must carry exactly the number of the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from amparex_core.domain.cards import CardNumberFormat, CardUid
from amparex_core.ports.readers import CardWriter

pytestmark = pytest.mark.integration

UID = bytes.fromhex("04A22B9C3F5E80")
FORMAT = CardNumberFormat(prefix="9276", length=12)
card_numbers = st.integers(min_value=1, max_value=FORMAT.capacity).map(FORMAT.make)


class Desk:
    """The adapter under test and the hands that move the card."""

    def __init__(
        self,
        writer: CardWriter,
        take_away: Callable[[], None],
        put_back: Callable[[], None],
        *,
        moves_are_cheap: bool,
    ) -> None:
        self.writer = writer
        self.take_away = take_away
        self.put_back = put_back
        self.moves_are_cheap = moves_are_cheap


@pytest.fixture(params=["pcsc", "nfc"])
def desk(request: pytest.FixtureRequest) -> Iterator[Desk]:
    if request.param == "pcsc":
        from amparex_adapters.readers.pcsc import CARD_NUMBER_FILE_ID, PcscReader
        from tests.plugins._vpcd import VirtualCard
        from tests.plugins.pcsc import reader_is_empty

        daemon = request.getfixturevalue("pcscd")
        card = VirtualCard(UID, files={CARD_NUMBER_FILE_ID: bytearray(32)}, port=daemon.port)

        def take_away() -> None:
            card.remove()
            assert reader_is_empty(daemon.reader)

        card.insert()
        with PcscReader(daemon.reader) as reader:
            try:
                # pcscd polls the slot every 400 ms: card movements are left to test_pcsc
                yield Desk(reader, take_away, card.insert, moves_are_cheap=False)
            finally:
                take_away()
    else:
        from amparex_adapters.readers.nfc import NfcReader

        tag = request.getfixturevalue("udp_tag")
        tag.reset(UID)
        tag.enter()
        with NfcReader(tag.path) as nfc_reader:
            yield Desk(nfc_reader, tag.leave, tag.enter, moves_are_cheap=True)


def test_CR4_reader_adapter_behaves_like_a_one_field_model(desk: Desk) -> None:
    class ReaderMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.model: str | None = None
            # every run starts from a blank card
            if desk.writer.wait_for_card(5) is None:
                desk.put_back()
            desk.writer.erase_card_number(5)

        @rule(number=card_numbers)
        def write(self, number: str) -> None:
            written = desk.writer.write_card_number(number, 5)
            assert written.card_number == number
            assert written.uid == CardUid(UID)
            self.model = number

        @rule()
        def erase(self) -> None:
            assert desk.writer.erase_card_number(5).card_number is None
            self.model = None

        @precondition(lambda self: desk.moves_are_cheap)
        @rule()
        def take_away_and_back(self) -> None:
            desk.take_away()
            desk.put_back()

        @invariant()
        def card_carries_the_models_number(self) -> None:
            seen: Any = desk.writer.wait_for_card(5)
            assert seen is not None
            assert seen.uid == CardUid(UID)
            assert seen.card_number == self.model

    run_state_machine_as_test(
        ReaderMachine,
        settings=settings(max_examples=10, stateful_step_count=8, deadline=None),
    )
