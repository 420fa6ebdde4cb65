"""SmtpParcelDelivery against a real SMTP server (aiosmtpd, TLS from a test CA) (CO16, CO18)."""

from __future__ import annotations

import pytest

from amparex_adapters.delivery.smtp import SmtpParcelDelivery, message_id_for
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import Attachment, Parcel
from amparex_core.domain.secret import Secret
from amparex_core.ports.delivery import ParcelDelivery
from tests.peers import free_port
from tests.plugins.smtp_server import SMTP_PASSWORD, SmtpServer, SmtpServerFactory

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.7\n% not really a PDF, but bytes that must arrive unchanged \x00\xff\n%%EOF\n"
CSV = "\ufefforder_id;card_number\r\nO-1;9276000000018\r\n".encode()


def parcel(parcel_id: str = "batch-0001") -> Parcel:
    return Parcel(
        id=parcel_id,
        subject="Kartenbestellung AX-100 B000001",
        body="Kartenbestellung / card order B000001\nKarten / cards: 1\nSumme: 2,50 €\n",
        attachments=[
            Attachment("B000001-manifest.csv", "text/csv", CSV),
            Attachment("B000001-manifest.json", "application/json", b'{"orders": []}'),
            Attachment("B000001-cards.pdf", "application/pdf", PDF),
        ],
    )


def test_CO18_a_parcel_arrives_as_one_mail_over_starttls(smtp_server: SmtpServer) -> None:
    """CO18: subject, body, every attachment with its type, Message-ID from the parcel ID."""
    delivery = smtp_server.delivery()
    assert isinstance(delivery, ParcelDelivery)
    receipt = delivery.send(parcel())
    (mail,) = smtp_server.messages
    assert smtp_server.logins == ["cards"]
    assert mail.mail_from == "bestellung@optik-muster.example"
    assert mail.rcpt_tos == ("karten@vendor.example",)
    message = mail.message()
    assert message["Subject"] == "Kartenbestellung AX-100 B000001"
    assert message["Message-ID"] == "<batch-0001@amparex-core>" == receipt.reference
    assert message["X-Amparex-Parcel"] == "batch-0001"
    assert receipt.destination == f"smtp://127.0.0.1:{smtp_server.port}"
    body = message.get_body(("plain",))
    assert body is not None
    assert "Summe: 2,50 €" in body.get_content()
    parts = [
        (p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
        for p in message.iter_attachments()
    ]
    assert parts == [
        ("B000001-manifest.csv", "text/csv", CSV),
        ("B000001-manifest.json", "application/json", b'{"orders": []}'),
        ("B000001-cards.pdf", "application/pdf", PDF),
    ]


def test_CO16_sending_the_same_parcel_again_keeps_its_message_id(smtp_server: SmtpServer) -> None:
    """CO16: a resend is recognisable as the same batch — same Message-ID, same attachments."""
    delivery = smtp_server.delivery(message_id_domain="cards.optik-muster.example")
    first = delivery.send(parcel("0f9c2d7e-batch"))
    second = delivery.send(parcel("0f9c2d7e-batch"))
    other = delivery.send(parcel("another-batch"))
    ids = [m.message()["Message-ID"] for m in smtp_server.messages]
    assert ids == [
        "<0f9c2d7e-batch@cards.optik-muster.example>",
        "<0f9c2d7e-batch@cards.optik-muster.example>",
        "<another-batch@cards.optik-muster.example>",
    ]
    assert first.reference == second.reference != other.reference
    payloads = [
        [p.get_payload(decode=True) for p in m.message().iter_attachments()]
        for m in smtp_server.messages[:2]
    ]
    assert payloads[0] == payloads[1]


def test_CO16_message_ids_of_distinct_parcel_ids_are_distinct() -> None:
    """CO16: the Message-ID is a function of the parcel ID, injective on odd characters."""
    ids = ["a b", "a_b", "a-b", "a=20b", "a/b", "ä", "a.b", "a..b"]
    assert len({message_id_for(i) for i in ids}) == len(ids)
    assert all(message_id_for(i) == message_id_for(i) for i in ids)


def test_CO18_implicit_tls_is_supported(smtp_server_factory: SmtpServerFactory) -> None:
    """CO18: TLS from the first byte (port 465 style), certificate verified."""
    server = smtp_server_factory(security="tls", auth=False)
    receipt = server.delivery().send(parcel())
    assert receipt.destination == f"smtps://127.0.0.1:{server.port}"
    assert len(server.messages) == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_CO18_a_certificate_from_an_unknown_ca_is_refused(
    smtp_server_factory: SmtpServerFactory, security: str
) -> None:
    """CO18: the server certificate is verified; an unknown CA means nothing is sent."""
    server = smtp_server_factory(
        security=security, certificate="unknown-ca", auth=security == "starttls"
    )
    waits: list[float] = []
    with pytest.raises(DeliveryFailed) as caught:
        server.delivery(sleep=waits.append).send(parcel())
    assert "certificate" in caught.value.reason
    assert f"127.0.0.1:{server.port}" in str(caught.value)
    assert waits == []  # not retried: trying again cannot help
    assert server.messages == []
    assert server.logins == []


def test_CO18_no_fallback_to_plain_text_when_starttls_is_missing(
    smtp_server_factory: SmtpServerFactory,
) -> None:
    """CO18: a server that offers no STARTTLS gets nothing, not even the login."""
    server = smtp_server_factory(offer_starttls=False, auth=False)
    with pytest.raises(DeliveryFailed, match="STARTTLS"):
        server.delivery(username="cards", password=Secret(SMTP_PASSWORD)).send(parcel())
    assert server.messages == []


def test_CO18_plain_text_only_when_explicitly_allowed(
    smtp_server_factory: SmtpServerFactory,
) -> None:
    """CO18: security="plain" is refused unless allow_plain=True is given too."""
    server = smtp_server_factory(offer_starttls=False, auth=False)
    with pytest.raises(ValueError, match="allow_plain"):
        server.delivery(security="plain")
    server.delivery(security="plain", allow_plain=True).send(parcel())
    assert len(server.messages) == 1


def test_CO1_a_refused_password_never_appears_in_the_error(smtp_server: SmtpServer) -> None:
    """CO1: the SMTP password (a Secret) is in no error, message, fact or repr."""
    wrong = "wr0ng-Pa55word-9f1e"
    delivery = smtp_server.delivery(password=Secret(wrong))
    with pytest.raises(DeliveryFailed) as caught:
        delivery.send(parcel())
    error = caught.value
    assert error.code == "delivery.failed"
    assert "login" in error.reason
    for text in (str(error), error.message("de"), repr(error), repr(error.facts), repr(delivery)):
        assert wrong not in text
        assert SMTP_PASSWORD not in text
    assert smtp_server.messages == []


def test_CO16_transient_failures_are_retried_with_backoff_then_reported() -> None:
    """CO16: a broken connection is retried with growing waits, then DeliveryFailed."""
    port = free_port()  # nothing listens there
    waits: list[float] = []
    delivery = SmtpParcelDelivery(
        "127.0.0.1",
        port,
        sender="a@example.org",
        recipients="b@example.org",
        attempts=3,
        backoff=0.5,
        sleep=waits.append,
        timeout=2.0,
    )
    with pytest.raises(DeliveryFailed) as caught:
        delivery.send(parcel())
    assert waits == [0.5, 1.0]
    assert caught.value.destination == f"smtp://127.0.0.1:{port}"
    assert "after 3 attempts" in caught.value.reason


def test_CO18_constructor_refuses_unsafe_or_incomplete_settings() -> None:
    """CO18: no recipient, a bare-string password or a password without user are refused."""
    with pytest.raises(ValueError, match="recipient"):
        SmtpParcelDelivery("mail.example", sender="a@example.org", recipients=[])
    with pytest.raises(TypeError):
        SmtpParcelDelivery(
            "mail.example",
            sender="a@example.org",
            recipients="b@example.org",
            username="u",
            password="clear",  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="user name"):
        SmtpParcelDelivery(
            "mail.example", sender="a@example.org", recipients="b@example.org", password=Secret("x")
        )
    with pytest.raises(ValueError, match="domain"):
        SmtpParcelDelivery(
            "mail.example", sender="a@example.org", recipients="b", message_id_domain="a b"
        )


def test_CO18_a_parcel_that_cannot_be_a_mail_is_refused_before_connecting(
    smtp_server: SmtpServer,
) -> None:
    """CO18: a line break in the subject would inject headers; nothing is sent."""
    bad = Parcel(
        id="batch-x", subject="Bestellung\r\nBcc: spy@example.org", body="", attachments=[]
    )
    with pytest.raises(DeliveryFailed, match="cannot be built"):
        smtp_server.delivery().send(bad)
    assert smtp_server.messages == []
