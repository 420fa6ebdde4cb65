"""LL8 under network faults: a proxy cuts the connection in the middle of a transfer.

The remote side never holds a partial file under the final name, and the next upload (or
the retry of the same upload) completes it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from amparex_adapters.delivery._common import Retry
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import OutgoingFile
from amparex_core.ports.delivery import FileDelivery
from tests.integration.delivery.proxy import CUT_AT, CuttingProxy, TriggerReader, cut_once
from tests.integration.delivery.targets import FAST_RETRY, Target, build_target, via_port

pytestmark = pytest.mark.integration

SIZE = 4 * 1024 * 1024


def _via(target: Target, proxy: CuttingProxy, retry: Retry) -> FileDelivery:
    """The target's delivery, connecting through *proxy*."""
    return via_port(target, proxy.port, retry=retry)


@pytest.fixture(
    params=["sftp-openssh", "sftp-asyncssh", "ftps-pyftpdlib", "ftps-vsftpd", "ftp-plain-pyftpdlib"]
)
def proxied(request: pytest.FixtureRequest) -> Iterator[tuple[Target, CuttingProxy]]:
    target = build_target(request, str(request.param))
    with CuttingProxy(target.server.port) as proxy:
        yield target, proxy


def test_LL8_cut_mid_transfer_never_leaves_a_partial_file_under_the_final_name(
    proxied: tuple[Target, CuttingProxy],
) -> None:
    target, proxy = proxied
    data = os.urandom(SIZE)
    delivery = _via(target, proxy, Retry(attempts=1))
    file = cut_once("kunden.csv", data, proxy)
    with delivery:  # type: ignore[attr-defined]
        with pytest.raises(DeliveryFailed) as info:
            delivery.upload(file)
        assert proxy.cuts == 1
        assert info.value.item == "kunden.csv"
        assert target.fetch("kunden.csv") is None
        for name in target.listing():  # only a temporary name may hold partial content
            assert name.startswith(".kunden.csv.")
            assert name.endswith(".part")
        # The next run completes.
        delivery.upload(file)
    assert target.fetch("kunden.csv") == data
    assert proxy.cuts == 1


def test_LL8_retry_after_a_cut_completes_the_same_upload(
    proxied: tuple[Target, CuttingProxy],
) -> None:
    target, proxy = proxied
    data = os.urandom(SIZE)
    delivery = _via(target, proxy, FAST_RETRY)
    with delivery:  # type: ignore[attr-defined]
        receipt = delivery.upload(cut_once("brillen.csv", data, proxy))
    assert receipt.size == SIZE
    assert proxy.cuts == 1
    assert proxy.connections >= 2  # reconnected after the cut
    assert target.fetch("brillen.csv") == data


def test_LL8_cut_replacing_an_old_file_keeps_the_old_file_intact(
    proxied: tuple[Target, CuttingProxy],
) -> None:
    target, proxy = proxied
    old = b"old complete content\n" * 100
    data = os.urandom(SIZE)
    delivery = _via(target, proxy, Retry(attempts=1))
    with delivery:  # type: ignore[attr-defined]
        delivery.upload(cut_once("hoergeraete.csv", old, proxy))  # smaller than CUT_AT: no cut
        with pytest.raises(DeliveryFailed):
            delivery.upload(cut_once("hoergeraete.csv", data, proxy))
        assert target.fetch("hoergeraete.csv") == old


def test_LL8_silently_dead_network_fails_after_the_io_timeout_instead_of_hanging(
    proxied: tuple[Target, CuttingProxy],
) -> None:
    target, proxy = proxied
    data = os.urandom(SIZE)
    if target.kind.startswith("sftp"):
        delivery = target.rebuild(
            port=proxy.port,
            retry=Retry(attempts=1),
            known_hosts=None,
            host_key_fingerprint=target.server.fingerprint,
            io_timeout=1.0,
        )
    else:
        delivery = target.rebuild(port=proxy.port, retry=Retry(attempts=1), timeout=2.0)
    file = OutgoingFile(
        name="stall.csv", size=SIZE, open=lambda: TriggerReader(data, CUT_AT, proxy.stall)
    )
    started = time.monotonic()
    with delivery, pytest.raises(DeliveryFailed):  # type: ignore[attr-defined]
        delivery.upload(file)
    assert time.monotonic() - started < 20
    assert target.fetch("stall.csv") is None
