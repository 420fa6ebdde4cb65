"""Unit tests of what the file deliveries share: names, retries with backoff (LL8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.delivery._common import Retry, check_name, describe, retrying, temp_name
from amparex_core.domain.errors import DeliveryFailed, HostKeyRejected


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


def _run(retry: Retry, outcomes: list[BaseException | str]) -> tuple[object, list[float], int]:
    slept: list[float] = []
    failures = [0]
    todo = list(outcomes)

    def action() -> str:
        item = todo.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def on_failure() -> None:
        failures[0] += 1

    result: object
    try:
        result = retrying(
            action,
            retry=retry,
            destination="d",
            item="f.csv",
            is_transient=lambda e: isinstance(e, Transient),
            on_failure=on_failure,
            sleep=slept.append,
        )
    except DeliveryFailed as exc:
        result = exc
    return result, slept, failures[0]


def test_LL8_transient_errors_are_retried_with_doubling_backoff() -> None:
    result, slept, failures = _run(Retry(attempts=4, backoff=0.5), [Transient(), Transient(), "ok"])
    assert result == "ok"
    assert slept == [0.5, 1.0]
    assert failures == 2


def test_LL8_after_the_last_attempt_the_error_names_destination_item_and_attempts() -> None:
    result, slept, _ = _run(
        Retry(attempts=3, backoff=1, max_backoff=1.5),
        [Transient("boom"), Transient(), Transient("last")],
    )
    assert isinstance(result, DeliveryFailed)
    assert result.reason == "Transient: last (after 3 attempts)"
    assert (result.destination, result.item) == ("d", "f.csv")
    assert slept == [1, 1.5]
    assert isinstance(result.__cause__, Transient)


def test_LL8_permanent_errors_are_not_retried() -> None:
    result, slept, failures = _run(Retry(attempts=5), [Permanent("no"), "never"])
    assert isinstance(result, DeliveryFailed)
    assert result.reason == "Permanent: no"
    assert slept == []
    assert failures == 1


def test_LL8_domain_errors_pass_through_unretried() -> None:
    rejected = HostKeyRejected(host="h", fingerprint="SHA256:x", reason="changed")
    with pytest.raises(HostKeyRejected):
        retrying(
            lambda: (_ for _ in ()).throw(rejected),
            retry=Retry(attempts=3),
            destination="d",
            item="f",
            is_transient=lambda e: True,
            sleep=lambda s: None,
        )


@given(st.integers(1, 10), st.floats(0, 5), st.floats(0, 20))
def test_LL8_backoff_is_bounded_and_non_decreasing(attempts: int, base: float, cap: float) -> None:
    delays = Retry(attempts=attempts, backoff=base, max_backoff=cap).delays()
    assert len(delays) == attempts - 1
    assert all(0 <= d <= cap for d in delays)
    assert delays == sorted(delays)


def test_LL8_retry_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="attempts"):
        Retry(attempts=0)


@given(st.text(min_size=1).filter(lambda s: "/" not in s and "\\" not in s))
def test_LL8_temp_names_are_hidden_distinct_and_recognisable(name: str) -> None:
    a, b = temp_name(name), temp_name(name)
    assert a != b
    assert a.startswith("." + name + ".")
    assert a.endswith(".part")
    assert "/" not in a


@given(st.text())
def test_LL8_check_name_accepts_only_plain_names(name: str) -> None:
    plain = (
        bool(name)
        and name not in {".", ".."}
        and not name.startswith(".")
        and not any(c in name for c in "/\\\x00\r\n")
    )
    if plain:
        assert check_name(name, destination="d") == name
    else:
        with pytest.raises(DeliveryFailed):
            check_name(name, destination="d")


def test_describe_gives_one_line() -> None:
    assert describe(OSError("a\nb")) == "OSError: a"
    assert describe(EOFError()) == "EOFError"


@pytest.mark.parametrize(
    "message",
    ["530 Login incorrect for hunter22", "login failed\nsent PASS hunter22", "ok\n\nhunter22"],
)
def test_CO1_an_error_quoting_a_secret_on_any_line_is_not_chained(message: str) -> None:
    """CO1: the refusal names no secret and does not keep the error that quotes it (a
    traceback or an ``exc_info`` log would show it), whichever line holds it."""

    def fail() -> None:
        raise OSError(message)

    with pytest.raises(DeliveryFailed) as caught:
        retrying(
            fail,
            retry=Retry(attempts=1),
            destination="ftp://shop@h:21/in",
            item="a.csv",
            is_transient=lambda exc: False,
            secrets=["hunter22"],
        )
    assert "hunter22" not in caught.value.message("en")
    assert caught.value.__cause__ is None


def test_CO1_an_error_without_a_secret_keeps_its_cause() -> None:
    def fail() -> None:
        raise OSError("connection refused")

    with pytest.raises(DeliveryFailed) as caught:
        retrying(
            fail,
            retry=Retry(attempts=1),
            destination="ftp://shop@h:21/in",
            item="a.csv",
            is_transient=lambda exc: False,
            secrets=["hunter22"],
        )
    assert isinstance(caught.value.__cause__, OSError)
