"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, a free port, TLS from a test CA.

Fixtures:

- ``smtp_pki`` (session): a test CA and a server certificate for ``localhost`` and
  ``127.0.0.1`` signed by it, plus a *rogue* CA and a server certificate signed by that one
  (for "an unknown CA is refused"). Made with ``cryptography``; PEM files in a temp dir.
- ``smtp_server``: STARTTLS required, login required (``cards`` / the password in
  :data:`SMTP_PASSWORD`), trusted certificate. Every accepted message lands in
  ``server.messages``.
- ``smtp_server_factory``: start variants — ``security="starttls" | "tls"``,
  ``certificate="trusted" | "rogue"``, ``auth=True | False`` (login only with STARTTLS:
  aiosmtpd offers AUTH only after it), ``offer_starttls``.

aiosmtpd and cryptography are in the ``test`` dependency group; without them the tests
that use these fixtures fail under ``CI=true`` and are skipped elsewhere (tests/peers.py).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.peers import free_port, peer_missing

SMTP_USER = "cards"
SMTP_PASSWORD = "s3cr3t-Pw!smtp"
"""Login of the test server; tests check that it never appears in output."""


@dataclass(frozen=True)
class Pki:
    """PEM files of the test CAs and server certificates."""

    ca_file: Path
    server_cert: Path
    server_key: Path
    rogue_ca_file: Path
    rogue_server_cert: Path
    rogue_server_key: Path


@dataclass(frozen=True)
class ReceivedMail:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes

    def message(self) -> EmailMessage:
        """The parsed message."""
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    """A running test SMTP server."""

    host: str
    port: int
    security: str
    ca_file: Path
    auth: bool
    messages: list[ReceivedMail] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivery(self, **overrides: Any) -> Any:
        """An :class:`SmtpParcelDelivery` set up for this server (no waits between retries)."""
        from amparex_adapters.delivery.smtp import SmtpParcelDelivery
        from amparex_core.domain.secret import Secret

        kwargs: dict[str, Any] = {
            "sender": "bestellung@optik-muster.example",
            "recipients": ["karten@vendor.example"],
            "security": self.security,
            "ca_file": self.ca_file,
            "timeout": 10.0,
            "sleep": lambda _seconds: None,
        }
        if self.auth:
            kwargs.update(username=SMTP_USER, password=Secret(SMTP_PASSWORD))
        kwargs.update(overrides)
        return SmtpParcelDelivery(self.host, self.port, **kwargs)


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        peer_missing(f"{module} is not installed: it is in the 'test' dependency group")


def _make_pki(folder: Path) -> Pki:
    _require("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "amparex-core tests"),
                x509.NameAttribute(NameOID.COMMON_NAME, common),
            ]
        )

    def write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    def authority(common: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(name(common))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return key, cert

    def server(
        ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate
    ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name("localhost"))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    ]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        return key, cert

    files: dict[str, Path] = {}
    for prefix in ("", "rogue_"):
        ca_key, ca_cert = authority(f"amparex-core {prefix or 'test '}CA")
        key, cert = server(ca_key, ca_cert)
        files[f"{prefix}ca_file"] = folder / f"{prefix}ca.pem"
        files[f"{prefix}ca_file"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        files[f"{prefix}server_cert"] = folder / f"{prefix}server.pem"
        files[f"{prefix}server_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files[f"{prefix}server_key"] = folder / f"{prefix}server.key"
        write_key(key, files[f"{prefix}server_key"])
    return Pki(**files)


@pytest.fixture(scope="session")
def smtp_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A test CA with a server certificate for localhost/127.0.0.1, and a rogue one."""
    return _make_pki(tmp_path_factory.mktemp("pki"))


SmtpServerFactory = Callable[..., SmtpServer]


@pytest.fixture
def smtp_server_factory(smtp_pki: Pki) -> Iterator[SmtpServerFactory]:
    """Start SMTP servers; every one is stopped after the test."""
    _require("aiosmtpd")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    controllers: list[Any] = []

    def start(
        *,
        security: Literal["starttls", "tls"] = "starttls",
        certificate: Literal["trusted", "rogue"] = "trusted",
        auth: bool = True,
        offer_starttls: bool = True,
    ) -> SmtpServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if certificate == "trusted":
            context.load_cert_chain(smtp_pki.server_cert, smtp_pki.server_key)
        else:
            context.load_cert_chain(smtp_pki.rogue_server_cert, smtp_pki.rogue_server_key)
        server = SmtpServer(
            host="127.0.0.1",
            port=free_port(),
            security=security,
            ca_file=smtp_pki.ca_file,
            auth=auth,
        )

        class Handler:
            async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
                with server.lock:
                    server.messages.append(
                        ReceivedMail(
                            envelope.mail_from,
                            tuple(envelope.rcpt_tos),
                            bytes(envelope.original_content or envelope.content),
                        )
                    )
                return "250 Message accepted for delivery"

        def authenticator(
            _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
        ) -> Any:
            ok = (
                isinstance(data, LoginPassword)
                and data.login == SMTP_USER.encode()
                and data.password == SMTP_PASSWORD.encode()
            )
            if ok:
                server.logins.append(SMTP_USER)
            return AuthResult(success=ok, handled=False)

        kwargs: dict[str, Any] = {
            "hostname": server.host,
            "port": server.port,
            "data_size_limit": 64 * 1024 * 1024,
        }
        # aiosmtpd allows AUTH only after STARTTLS (it does not count implicit TLS).
        if auth and (security != "starttls" or not offer_starttls):
            raise ValueError("the test server offers login only with STARTTLS")
        if auth:
            kwargs.update(authenticator=authenticator, auth_required=True)
        if security == "tls":
            kwargs["ssl_context"] = context
        elif offer_starttls:
            kwargs.update(tls_context=context, require_starttls=True)
        controller = Controller(Handler(), **kwargs)
        controller.start()
        controllers.append(controller)
        return server

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: SmtpServerFactory) -> SmtpServer:
    """An SMTP server with STARTTLS (required), login and a trusted certificate."""
    return smtp_server_factory()
