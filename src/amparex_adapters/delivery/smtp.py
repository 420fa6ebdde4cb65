"""Parcels by e-mail: the card-ordering channel the AMPAREX manual requires (CO18).

Extra ``smtp`` (the standard library's :mod:`smtplib` and :mod:`email`; nothing else).

One parcel is one message: the parcel's subject and plain-text body, every attachment
(manifest, batch PDF) attached under its file name and content type. The ``Message-ID``
derives from the parcel ID — ``<{parcel id}@{message_id_domain}>`` — so a batch sent again
after a crash carries the same ``Message-ID`` and the card vendor (its mail system, or the
person reading the mailbox) recognises it as the same batch, not a second order (CO16). The
header ``X-Amparex-Parcel`` carries the parcel ID in the same quoted form (IDs made of
``A-Z a-z 0-9 _ -``, such as the library's own, appear unchanged).

Transport security is on unless explicitly switched off: ``security="starttls"`` (the
default, port 587) requires the server to offer STARTTLS and never falls back to plain
text; ``security="tls"`` (port 465) speaks TLS from the first byte. The server certificate
is verified against the system's trust store or *ca_file*, host name included.
``security="plain"`` (port 25) is refused unless ``allow_plain=True`` is passed as well.

The password is a :class:`~amparex_core.domain.secret.Secret`: it is revealed only to
``SMTP.login`` and appears in no ``repr``, receipt or error. Transient failures (the
connection broke, a 4xx reply) are retried with exponential backoff; permanent ones (a 5xx
reply, a refused certificate, a failed login) fail at once. Either way the caller gets a
:class:`~amparex_core.domain.errors.DeliveryFailed` naming the server. When the server
accepts the message for some recipients and refuses others, that is a failure too: the
batch stays open, and the next dispatch sends it again under the same ``Message-ID``. Each
retry is logged at info level, with the reason scrubbed of the password.
"""

from __future__ import annotations

import email.policy
import email.utils
import logging
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Final, Literal

from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, Parcel
from amparex_core.domain.secret import Secret, redact

__all__ = ["DEFAULT_PORTS", "Security", "SmtpParcelDelivery", "message_id_for"]

logger = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "plain"]
"""How the connection is protected."""

DEFAULT_PORTS: Final[dict[str, int]] = {"starttls": 587, "tls": 465, "plain": 25}
"""The port used when none is given, by :data:`Security`."""

_POLICY: Final = email.policy.SMTP.clone(max_line_length=998)
"""CRLF line ends; headers folded only past RFC 5322's hard limit, so a long Message-ID
stays on one line and reads back unchanged."""

_ID_SAFE = re.compile(r"[^A-Za-z0-9_-]")
_DOMAIN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)


def message_id_for(parcel_id: str, domain: str = "amparex-core") -> str:
    """The ``Message-ID`` of the parcel *parcel_id*: the same ID always gives the same value.

    Characters outside ``A-Z a-z 0-9 _ -`` are written as ``=XX`` (their UTF-8 bytes), so
    distinct IDs never share a ``Message-ID``.

    >>> message_id_for("batch-2026-11-00042")
    '<batch-2026-11-00042@amparex-core>'
    >>> message_id_for("B 42/ü", "cards.example.com")
    '<B=2042=2F=C3=BC@cards.example.com>'
    """
    return f"<{_quoted(parcel_id)}@{domain}>"


def _quoted(parcel_id: str) -> str:
    return _ID_SAFE.sub(
        lambda m: "".join(f"={byte:02X}" for byte in m.group().encode("utf-8", "surrogatepass")),
        parcel_id,
    )


class _PermanentError(Exception):
    """A failure that trying again cannot cure."""


class SmtpParcelDelivery:
    """A :class:`~amparex_core.ports.delivery.ParcelDelivery` that sends e-mail over SMTP.

    Args:
        host: The SMTP server (a name or an address).
        port: Its port; by default 587 (STARTTLS), 465 (TLS) or 25 (plain).
        sender: The ``From`` address (and envelope sender).
        recipients: The card vendor's address(es) (``To``).
        security: ``"starttls"`` (default), ``"tls"`` or ``"plain"``.
        allow_plain: Must be ``True`` for ``security="plain"``: an unencrypted connection
            is never chosen by accident.
        username: Login name; no login when ``None``.
        password: The password, as a :class:`~amparex_core.domain.secret.Secret`.
        ca_file: A PEM file of CA certificates to trust instead of the system's.
        ssl_context: A ready client context (overrides *ca_file*); it should verify.
        message_id_domain: The right-hand side of every ``Message-ID``.
        timeout: Socket timeout in seconds.
        attempts: How many times a transient failure is tried in all.
        backoff: Seconds before the second attempt; doubled for each further one.
        sleep: What waits between attempts (tests pass a no-op).
        local_hostname: The name sent with ``EHLO``; by default the machine's FQDN.

    Raises:
        ValueError: A plain connection without *allow_plain*, no recipient, a password
            without a user name, or a bad *message_id_domain*.
    """

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        sender: str,
        recipients: str | Sequence[str],
        security: Security = "starttls",
        allow_plain: bool = False,
        username: str | None = None,
        password: Secret | None = None,
        ca_file: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        message_id_domain: str = "amparex-core",
        timeout: float = 30.0,
        attempts: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        local_hostname: str | None = None,
    ) -> None:
        if security not in DEFAULT_PORTS:
            raise ValueError(f"security must be one of {sorted(DEFAULT_PORTS)}, not {security!r}")
        if security == "plain" and not allow_plain:
            raise ValueError(
                "SMTP without TLS sends the password and the card holders' data in clear "
                "text: pass allow_plain=True to do it anyway"
            )
        rcpts = (recipients,) if isinstance(recipients, str) else tuple(recipients)
        if not rcpts or not all(r.strip() for r in rcpts):
            raise ValueError("at least one recipient address is required")
        if password is not None and not isinstance(password, Secret):
            raise TypeError("the password is a Secret")
        if password is not None and username is None:
            raise ValueError("a password needs a user name")
        if not _DOMAIN.match(message_id_domain):
            raise ValueError(f"{message_id_domain!r} is not a domain for a Message-ID")
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.host = host
        self.port = DEFAULT_PORTS[security] if port is None else port
        self.sender = sender
        self.recipients = rcpts
        self.security: Security = security
        self.username = username
        self._password = password
        self._context = ssl_context
        self._ca_file = None if ca_file is None else os.fspath(ca_file)
        self.message_id_domain = message_id_domain
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self._sleep = sleep
        self.local_hostname = local_hostname
        scheme = "smtps" if security == "tls" else "smtp"
        self.destination = f"{scheme}://{host}:{self.port}"
        """Where parcels go: ``smtp://host:587`` or ``smtps://host:465``; never a password."""

    def __repr__(self) -> str:
        return (
            f"SmtpParcelDelivery({self.destination!r}, security={self.security!r}, "
            f"recipients={list(self.recipients)!r})"
        )

    def message_id(self, parcel: Parcel) -> str:
        """The ``Message-ID`` of *parcel*; see :func:`message_id_for`."""
        return message_id_for(parcel.id, self.message_id_domain)

    def build_message(self, parcel: Parcel) -> EmailMessage:
        """The e-mail for *parcel*: subject, body, attachments, deterministic ``Message-ID``."""
        message = EmailMessage(policy=_POLICY)
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = parcel.subject
        message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = self.message_id(parcel)
        message["X-Amparex-Parcel"] = _quoted(parcel.id)
        message.set_content(parcel.body, subtype="plain", charset="utf-8")
        for attachment in parcel.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            subtype = subtype.split(";")[0].strip()
            if not maintype or not subtype:
                maintype, subtype = "application", "octet-stream"
            message.add_attachment(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                filename=attachment.filename,
            )
        return message

    def message_bytes(self, parcel: Parcel) -> bytes:
        """The e-mail for *parcel* as sent: CRLF line ends, headers on one line each."""
        return self.build_message(parcel).as_bytes(policy=_POLICY)

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        """Send *parcel* as one e-mail (CO16, CO18).

        Returns:
            A receipt whose ``reference`` is the ``Message-ID``, ``size`` the message size
            and ``documents`` the attachments' file names.

        Raises:
            DeliveryFailed: After retries, the server refused or the connection broke; or
                its certificate or the login was refused, or the parcel cannot be an e-mail
                (a line break in the subject) (not retried).
        """
        try:
            raw = self.message_bytes(parcel)
        except (ValueError, TypeError) as exc:
            raise self._failed(parcel, f"the message cannot be built: {exc}") from None
        reason = "no attempt was made"
        for attempt in range(self.attempts):
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1)
                logger.info(
                    "sending parcel %r to %s failed (%s); attempt %d of %d in %.1f s",
                    parcel.id,
                    self.destination,
                    self._scrub(reason),
                    attempt + 1,
                    self.attempts,
                    delay,
                )
                self._sleep(delay)
            try:
                self._deliver(raw)
            except _PermanentError as exc:
                raise self._failed(parcel, str(exc)) from None
            except (smtplib.SMTPException, OSError) as exc:
                reason = self._describe(exc)
                if _permanent(exc):
                    raise self._failed(parcel, reason) from None
                continue
            return DeliveryReceipt(
                destination=self.destination,
                reference=self.message_id(parcel),
                size=len(raw),
                documents=[a.filename for a in parcel.attachments],
            )
        raise self._failed(parcel, f"{reason} (after {self.attempts} attempts)")

    def _failed(self, parcel: Parcel, reason: str) -> DeliveryFailed:
        return DeliveryFailed(
            destination=self.destination, item=parcel.id, reason=self._scrub(reason)
        )

    def _scrub(self, text: str) -> str:
        """*text* without the password, whatever a peer echoed back."""
        return redact(text, [self._password.reveal()] if self._password else [])

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is not None:
            return self._context
        return ssl.create_default_context(cafile=self._ca_file)

    def _deliver(self, raw: bytes) -> None:
        client: smtplib.SMTP
        if self.security == "tls":
            client = smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self._ssl_context(),
            )
        else:
            client = smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
            )
        with client:
            client.ehlo()
            if self.security == "starttls":
                if not client.has_extn("starttls"):
                    raise _PermanentError("the server does not offer STARTTLS")
                client.starttls(context=self._ssl_context())
                client.ehlo()
            if self.username is not None:
                password = "" if self._password is None else self._password.reveal()
                try:
                    client.login(self.username, password)
                except UnicodeEncodeError:
                    # smtplib sends AUTH in ASCII only; its error would quote a character
                    # and the position of the password.
                    raise _PermanentError(
                        "the user name or password has non-ASCII characters, which the "
                        "SMTP login (smtplib) cannot send"
                    ) from None
            refused = client.sendmail(self.sender, list(self.recipients), raw)
            if refused:
                listed = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items())
                raise _PermanentError(f"recipients refused: {listed}")

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"the server certificate was not accepted: {exc.verify_message or exc}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return f"login as {self.username!r} refused ({exc.smtp_code})"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            listed = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in exc.recipients.items())
            return f"recipients refused: {listed}"
        if isinstance(exc, smtplib.SMTPResponseException):
            error = exc.smtp_error
            text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
            return f"{exc.smtp_code} {text}".strip()
        return f"{type(exc).__name__}: {exc}"


def _permanent(exc: BaseException) -> bool:
    """Whether trying again cannot help: a 5xx reply, a refused certificate or login."""
    if isinstance(exc, ssl.SSLCertVerificationError | smtplib.SMTPNotSupportedError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False
