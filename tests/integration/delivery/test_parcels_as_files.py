"""CO16 / CO18: parcels delivered as files through any file delivery (FilesParcelDelivery)."""

from __future__ import annotations

import pytest

from amparex_adapters.delivery._common import Retry
from amparex_adapters.delivery.files import README_NAME, FilesParcelDelivery, remote_names
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import Attachment, DeliveryReceipt, OutgoingFile, Parcel
from amparex_core.ports.delivery import ParcelDelivery
from tests.integration.delivery.proxy import CuttingProxy, cut_once
from tests.integration.delivery.targets import Target, build_target

pytestmark = pytest.mark.integration


def _parcel(pid: str = "B-2026-11-0042", pdf: bytes = b"%PDF-1.7 cards") -> Parcel:
    return Parcel(
        id=pid,
        subject="Kartenbestellung 4711 / Auftrag 0042",
        body="2 Karten, Versand an Kunden.",
        attachments=(
            Attachment("manifest.csv", "text/csv", b"order;card\n1;GOLD\n2;BASIS\n"),
            Attachment("cards.pdf", "application/pdf", pdf),
        ),
    )


@pytest.fixture(params=["folder", "sftp-openssh", "ftps-vsftpd"])
def parcel_target(request: pytest.FixtureRequest) -> Target:
    return build_target(request, str(request.param))


def test_CO16_parcel_arrives_as_files_named_by_its_id(parcel_target: Target) -> None:
    delivery = FilesParcelDelivery(parcel_target.delivery)
    assert isinstance(delivery, ParcelDelivery)
    assert delivery.destination == parcel_target.delivery.destination
    parcel = _parcel()
    receipt = delivery.send(parcel)
    assert parcel_target.listing() == sorted(
        ["B-2026-11-0042-manifest.csv", "B-2026-11-0042-cards.pdf", "B-2026-11-0042-README.txt"]
    )
    assert parcel_target.fetch("B-2026-11-0042-cards.pdf") == b"%PDF-1.7 cards"
    readme = parcel_target.fetch("B-2026-11-0042-README.txt") or b""
    assert readme.decode().startswith("Kartenbestellung 4711 / Auftrag 0042\n\n2 Karten")
    assert receipt.reference.endswith("B-2026-11-0042-README.txt")
    assert receipt.size == sum(len(a.data) for a in parcel.attachments) + len(readme)


def test_CO16_sending_the_same_parcel_again_never_makes_a_second_one(
    parcel_target: Target,
) -> None:
    delivery = FilesParcelDelivery(parcel_target.delivery)
    delivery.send(_parcel(pdf=b"first"))
    first = parcel_target.listing()
    delivery.send(_parcel(pdf=b"second"))
    assert parcel_target.listing() == first
    assert parcel_target.fetch("B-2026-11-0042-cards.pdf") == b"second"


def test_CO16_another_parcel_gets_other_names(parcel_target: Target) -> None:
    delivery = FilesParcelDelivery(parcel_target.delivery)
    delivery.send(_parcel("B-1"))
    delivery.send(_parcel("B-2"))
    assert len(parcel_target.listing()) == 6


def test_CO16_readme_is_written_last_as_completion_mark() -> None:
    assert remote_names(_parcel("X")) == ["X-manifest.csv", "X-cards.pdf", f"X-{README_NAME}"]


def test_CO16_attachment_names_must_be_distinct(parcel_target: Target) -> None:
    parcel = Parcel(
        id="P",
        subject="s",
        body="b",
        attachments=(Attachment("a.csv", "text/csv", b"1"), Attachment("a.csv", "text/csv", b"2")),
    )
    with pytest.raises(DeliveryFailed):
        FilesParcelDelivery(parcel_target.delivery).send(parcel)
    parcel = Parcel(
        id="P", subject="s", body="b", attachments=(Attachment(README_NAME, "text/plain", b"1"),)
    )
    with pytest.raises(DeliveryFailed):
        FilesParcelDelivery(parcel_target.delivery).send(parcel)
    assert parcel_target.listing() == []


def test_CO16_unsafe_attachment_name_refuses_the_whole_parcel_before_writing(
    request: pytest.FixtureRequest,
) -> None:
    target: Target = build_target(request, "folder")
    delivery = FilesParcelDelivery(target.delivery)
    bad = Parcel(
        id="B-9",
        subject="s",
        body="b",
        attachments=(
            Attachment("ok.csv", "text/csv", b"1"),
            Attachment("a/b.pdf", "application/pdf", b"2"),
        ),
    )
    with pytest.raises(DeliveryFailed):
        delivery.send(bad)
    assert target.listing() == []


def test_CO16_parcel_cut_half_way_has_no_completion_mark_and_completes_on_resend(
    request: pytest.FixtureRequest,
) -> None:
    target: Target = build_target(request, "sftp-openssh")
    big = bytes(range(256)) * 16384  # 4 MiB
    parcel = _parcel("B-7", pdf=big)
    with CuttingProxy(target.server.port) as proxy:
        files = target.rebuild(
            port=proxy.port,
            known_hosts=None,
            retry=Retry(attempts=1),
            host_key_fingerprint=target.server.fingerprint,
        )
        upload = files.upload

        def upload_cutting_the_pdf(file: OutgoingFile) -> DeliveryReceipt:
            if file.name.endswith("cards.pdf") and proxy.cuts == 0:
                file = cut_once(file.name, big, proxy)
            return upload(file)

        files.upload = upload_cutting_the_pdf  # type: ignore[method-assign]
        delivery = FilesParcelDelivery(files)
        with pytest.raises(DeliveryFailed):
            delivery.send(parcel)
        assert proxy.cuts == 1
        assert "B-7-README.txt" not in target.listing()
        assert "B-7-cards.pdf" not in target.listing()
        delivery.send(parcel)
        files.close()  # type: ignore[attr-defined]
    assert [n for n in target.listing() if not n.startswith(".")] == [
        "B-7-README.txt",
        "B-7-cards.pdf",
        "B-7-manifest.csv",
    ]
    assert target.fetch("B-7-cards.pdf") == big
