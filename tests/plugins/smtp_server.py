"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, a free port, TLS from a test CA.

Fixtures:

- ``test_pki`` (session, from ``tests/plugins/ftp_servers.py``): a test CA, a server
  certificate for ``127.0.0.1`` signed by it, and another CA that did not sign it.
- ``smtp_server``: STARTTLS required, login required (``cards`` / the password in
  :data:`SMTP_PASSWORD`), trusted certificate. Every accepted message lands in
  ``server.messages``.
- ``smtp_server_factory``: start variants — ``security="starttls" | "tls"``,
  ``certificate="trusted" | "unknown-ca"`` (the client then trusts only the other CA),
  ``auth=True | False`` (login only with STARTTLS:
  aiosmtpd offers AUTH only after it), ``offer_starttls``.

aiosmtpd and cryptography are in the ``test`` dependency group; without them the tests
that use these fixtures fail under ``CI=true`` and are skipped elsewhere (tests/peers.py).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.peers import free_port, peer_missing
from tests.plugins._certs import TestPki

SMTP_USER = "cards"
SMTP_PASSWORD = "s3cr3t-Pw!smtp"
"""Login of the test server; tests check that it never appears in output."""


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
    data_delay: float = 0.0
    """Seconds the server holds its answer to the end of DATA, after it has taken the
    message (it is in :attr:`messages`): a slow server, or one a client dies waiting on."""
    arrived: threading.Event = field(default_factory=threading.Event)
    """Set whenever a message arrives (before the answer); clear it to wait for the next."""

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
        port = kwargs.pop("port", self.port)  # a proxy's port may stand in for the server's
        return SmtpParcelDelivery(self.host, port, **kwargs)


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        peer_missing(f"{module} is not installed: it is in the 'test' dependency group")


SmtpServerFactory = Callable[..., SmtpServer]


@pytest.fixture
def smtp_server_factory(test_pki: TestPki) -> Iterator[SmtpServerFactory]:
    """Start SMTP servers; every one is stopped after the test."""
    _require("aiosmtpd")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    controllers: list[Any] = []

    def start(
        *,
        security: Literal["starttls", "tls"] = "starttls",
        certificate: Literal["trusted", "unknown-ca"] = "trusted",
        auth: bool = True,
        offer_starttls: bool = True,
    ) -> SmtpServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(test_pki.cert_file, test_pki.key_file)
        server = SmtpServer(
            host="127.0.0.1",
            port=free_port(),
            security=security,
            # "unknown-ca": the client trusts only a CA that did not sign the certificate.
            ca_file=test_pki.ca_file if certificate == "trusted" else test_pki.other_ca_file,
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
                server.arrived.set()
                if server.data_delay:
                    await asyncio.sleep(server.data_delay)
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
