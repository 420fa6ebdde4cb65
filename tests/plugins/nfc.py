"""Fixtures for NFC tests: a Type 2 tag played over nfcpy's UDP driver on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.peers import peer_missing
from tests.plugins._udptag import UdpType2Tag

__all__ = ["nfc_reader_for_contract", "udp_tag"]


def _require_nfcpy() -> None:
    try:
        import ndef  # noqa: F401
        import nfc  # noqa: F401
    except ImportError:
        peer_missing("nfcpy is not installed: pip install -e '.[nfc]'")


@pytest.fixture
def udp_tag() -> Iterator[UdpType2Tag]:
    """An NTAG213 emulated on a free UDP port, outside the field until ``enter()``."""
    _require_nfcpy()
    tag = UdpType2Tag()
    try:
        yield tag
    finally:
        tag.close()


def nfc_reader_for_contract(
    request: pytest.FixtureRequest,
) -> tuple[Any, Callable[[bytes], None], Callable[[], None]]:
    """``(reader, present, remove)`` for the reader contract suite (tests/contract).

    ``present(uid)`` brings a blank NTAG213 with that UID into the field of an NfcReader
    on nfcpy's UDP driver. NFC-A UIDs have 4, 7 or 10 bytes: another length is cut or
    zero-padded to 7 bytes (the contract checks UIDs only with 4-byte ones).
    """
    _require_nfcpy()
    from amparex_adapters.readers.nfc import NfcReader

    tag = UdpType2Tag()
    reader = NfcReader(tag.path)

    def present(uid: bytes) -> None:
        tag.reset(uid if len(uid) in (4, 7) else uid[:7].ljust(7, b"\x00"))
        tag.enter()

    def remove() -> None:
        tag.leave()

    def finish() -> None:
        reader.close()
        tag.close()

    request.addfinalizer(finish)
    return reader, present, remove
