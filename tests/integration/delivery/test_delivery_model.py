"""LL8 as a state machine: any sequence of uploads (good, short, long) against a real peer
behaves like a dictionary of final names → contents, and no partial file is ever visible
under a final name."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from amparex_core.domain.errors import DeliveryFailed
from tests.integration.delivery.targets import Target, build_target, outgoing

pytestmark = pytest.mark.integration

NAMES = st.sampled_from(["kunden.csv", "brillen.csv", "Kontaktlinsen äöü.csv", "hg-1.csv"])
CONTENT = st.binary(max_size=70_000)


def _machine(target: Target) -> type[RuleBasedStateMachine]:
    class Uploads(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            for name in target.listing():
                (target.folder / name).unlink()
            self.model: dict[str, bytes] = {}

        @rule(name=NAMES, data=CONTENT)
        def upload(self, name: str, data: bytes) -> None:
            receipt = target.delivery.upload(outgoing(name, data))
            assert receipt.size == len(data)
            self.model[name] = data

        @rule(name=NAMES, data=CONTENT, delta=st.integers(1, 5000), longer=st.booleans())
        def upload_with_wrong_size(self, name: str, data: bytes, delta: int, longer: bool) -> None:
            size = len(data) + delta if not longer else max(0, len(data) - delta)
            if size == len(data):
                return
            with pytest.raises(DeliveryFailed):
                target.delivery.upload(outgoing(name, data, size=size))

        @invariant()
        def remote_equals_model(self) -> None:
            finals = [n for n in target.listing() if not n.startswith(".")]
            assert sorted(finals) == sorted(self.model)
            for name, data in self.model.items():
                assert target.fetch(name) == data

    return Uploads


@pytest.mark.parametrize("kind", ["folder", "sftp-openssh", "sftp-asyncssh", "ftps-vsftpd"])
def test_LL8_any_upload_sequence_behaves_like_a_dict(
    request: pytest.FixtureRequest, kind: str
) -> None:
    target = build_target(request, kind)
    run_state_machine_as_test(
        _machine(target),
        settings=settings(
            max_examples=10,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
