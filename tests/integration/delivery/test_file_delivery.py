"""LL8 / CO16 for every file delivery against its real peer (sshd, asyncssh, pyftpdlib, vsftpd).

Each test runs once per target kind (see ``targets.KINDS``).
"""

from __future__ import annotations

import hashlib
import os

import pytest

from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt
from amparex_core.ports.delivery import FileDelivery
from tests.integration.delivery.targets import Target, outgoing

pytestmark = pytest.mark.integration


def test_LL8_adapter_implements_the_port(target: Target) -> None:
    assert isinstance(target.delivery, FileDelivery)
    assert "@" not in target.delivery.destination or "Secret" not in target.delivery.destination


def test_LL8_upload_lands_under_final_name_and_leaves_no_temp_file(target: Target) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # several write requests, not a multiple
    receipt = target.delivery.upload(outgoing("statistik_kunden.csv", data))
    assert isinstance(receipt, DeliveryReceipt)
    assert receipt.size == len(data)
    assert receipt.reference.endswith("statistik_kunden.csv")
    assert receipt.destination == target.delivery.destination
    assert target.listing() == ["statistik_kunden.csv"]
    assert hashlib.sha256(target.fetch("statistik_kunden.csv") or b"").digest() == (
        hashlib.sha256(data).digest()
    )


def test_LL8_empty_file_is_delivered(target: Target) -> None:
    target.delivery.upload(outgoing("empty.csv", b""))
    assert target.fetch("empty.csv") == b""
    assert target.listing() == ["empty.csv"]


def test_LL8_CO16_upload_again_replaces_and_never_makes_a_second_file(target: Target) -> None:
    target.delivery.upload(outgoing("batch-42-manifest.csv", b"first version, longer"))
    target.delivery.upload(outgoing("batch-42-manifest.csv", b"second"))
    assert target.listing() == ["batch-42-manifest.csv"]
    assert target.fetch("batch-42-manifest.csv") == b"second"


def test_LL8_many_files_in_a_row(target: Target) -> None:
    contents = {f"file-{i:03d}.csv": os.urandom(1000 + i * 37) for i in range(25)}
    for name, data in contents.items():
        target.delivery.upload(outgoing(name, data))
    assert target.listing() == sorted(contents)
    for name, data in contents.items():
        assert target.fetch(name) == data


def test_LL8_content_shorter_than_announced_is_refused_and_nothing_appears(target: Target) -> None:
    with pytest.raises(DeliveryFailed) as info:
        target.delivery.upload(outgoing("short.csv", b"only this", size=1000))
    assert info.value.code == "delivery.failed"
    assert info.value.item == "short.csv"
    assert target.fetch("short.csv") is None
    assert [n for n in target.listing() if not n.startswith(".")] == []


def test_LL8_content_longer_than_announced_is_refused_and_nothing_appears(target: Target) -> None:
    with pytest.raises(DeliveryFailed):
        target.delivery.upload(outgoing("long.csv", b"x" * 5000, size=10))
    assert target.fetch("long.csv") is None


def test_LL8_refused_upload_keeps_the_previous_final_file(target: Target) -> None:
    target.delivery.upload(outgoing("keep.csv", b"good"))
    with pytest.raises(DeliveryFailed):
        target.delivery.upload(outgoing("keep.csv", b"bad content", size=99))
    assert target.fetch("keep.csv") == b"good"


@pytest.mark.parametrize("name", ["", ".", "..", ".hidden", "a/b.csv", "..\\x.csv", "a\nb"])
def test_LL8_names_that_could_escape_the_folder_are_refused(target: Target, name: str) -> None:
    with pytest.raises(DeliveryFailed) as info:
        target.delivery.upload(outgoing(name, b"x"))
    assert "plain file name" in info.value.reason
    assert target.listing() == []


def test_LL8_unicode_names_arrive_unchanged(target: Target) -> None:
    target.delivery.upload(outgoing("Hörgerätestatistik_Köln.csv", "ä;ö;ü\n".encode()))
    assert target.fetch("Hörgerätestatistik_Köln.csv") == "ä;ö;ü\n".encode()


def test_LL8_one_delivery_shared_by_threads_delivers_every_file(target: Target) -> None:
    from concurrent.futures import ThreadPoolExecutor

    contents = {f"t{i:02d}.csv": os.urandom(20_000 + i) for i in range(24)}
    with ThreadPoolExecutor(4) as pool:
        receipts = list(
            pool.map(lambda item: target.delivery.upload(outgoing(*item)), contents.items())
        )
    assert [r.size for r in receipts] == [len(d) for d in contents.values()]
    assert target.listing() == sorted(contents)
    for name, data in contents.items():
        assert target.fetch(name) == data
