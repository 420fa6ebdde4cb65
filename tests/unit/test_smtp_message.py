"""The e-mail a parcel becomes, without a server: Message-ID, headers, attachments (CO16, CO18)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.delivery.smtp import SmtpParcelDelivery, message_id_for
from amparex_core.domain.parcels import Attachment, Parcel
from amparex_core.domain.secret import Secret

parcel_ids = st.text(min_size=1, max_size=40)


@given(parcel_ids, parcel_ids)
def test_CO16_message_ids_are_a_function_of_the_parcel_id_and_never_shared(a: str, b: str) -> None:
    """CO16: the same parcel ID always gives the same Message-ID, different IDs different."""
    assert message_id_for(a) == message_id_for(a)
    assert (message_id_for(a) == message_id_for(b)) == (a == b)


@given(parcel_ids)
def test_CO16_every_message_id_is_a_valid_header(parcel_id: str) -> None:
    """CO16: whatever the ID, the Message-ID survives a round trip through a real message."""
    delivery = SmtpParcelDelivery(
        "mail.example", sender="a@example.org", recipients="b@example.org"
    )
    parcel = Parcel(id=parcel_id, subject="s", body="b", attachments=[])
    raw = delivery.message_bytes(parcel)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Message-ID"] == message_id_for(parcel_id)
    assert f"<{parsed['X-Amparex-Parcel']}@amparex-core>" == message_id_for(parcel_id)
    assert parsed["Message-ID"].startswith("<") and parsed["Message-ID"].endswith("@amparex-core>")


def test_CO18_the_message_carries_subject_body_and_typed_attachments() -> None:
    delivery = SmtpParcelDelivery(
        "mail.example",
        sender="bestellung@optik.example",
        recipients=["karten@vendor.example", "kopie@optik.example"],
        username="cards",
        password=Secret("hunter2-secret"),
        message_id_domain="optik.example",
    )
    parcel = Parcel(
        id="b-1",
        subject="Kartenbestellung AX-100 B000001 – Müller",
        body="Zeile 1\nZeile 2 – ü\n",
        attachments=[
            Attachment("m.csv", "text/csv; charset=utf-8", "a;b\r\nü;2\r\n".encode()),
            Attachment("x.bin", "weird", b"\x00\x01"),
        ],
    )
    message = delivery.build_message(parcel)
    raw = delivery.message_bytes(parcel)
    assert message["To"] == "karten@vendor.example, kopie@optik.example"
    assert message["Message-ID"] == "<b-1@optik.example>"
    assert message["Subject"] == "Kartenbestellung AX-100 B000001 – Müller"
    assert b"hunter2-secret" not in raw
    assert "hunter2" not in repr(delivery)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == "Zeile 1\nZeile 2 – ü\n"
    parts = [
        (p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
        for p in parsed.iter_attachments()
    ]
    assert parts == [
        ("m.csv", "text/csv", "a;b\r\nü;2\r\n".encode()),
        ("x.bin", "application/octet-stream", b"\x00\x01"),
    ]
