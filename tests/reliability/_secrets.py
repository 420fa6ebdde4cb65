"""Known secret values and a leak detector for the secrets suite (CO1, issue 8).

Every secret of the system gets a distinctive value here. :func:`leak_forms` lists the
shapes in which a value could slip out unnoticed by a plain substring test — URL-encoded,
``+``-quoted, base64 (as SMTP ``AUTH LOGIN`` sends it), inside an ``AUTH PLAIN`` blob,
``repr``/``ascii``/JSON escaped — and the value's distinctive core, so a truncated or
re-escaped copy is caught too. :class:`LeakScan` looks for all of them in texts, bytes,
files (PDF streams inflated and their text extracted), folders and e-mails.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import io
import json
import logging
import re
import secrets
import urllib.parse
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

RUN = secrets.token_hex(4)
"""Random part of this run's secrets: no other text of the run can hold it by chance."""

# Values with characters that quoting, URL-encoding, TOML, JSON and repr all treat
# differently: space, slash, plus, percent, ampersand, quotes, backslash, non-ASCII.
CARD_KEY = f"K4rtenKey-{RUN}-S3cr3t /+%&='\"\\ä"
UPLOAD_PASSWORD_WRONG = f"Upl0adPw-{RUN}-S3cr3t /+%&ö"
UPLOAD_PASSPHRASE = f"Upl0adPhrase-{RUN}-S3cr3t /+%ü"
UPLOAD_PASSPHRASE_WRONG = f"Upl0adPhraseWrong-{RUN}-S3cr3t ß"
SMTP_PASSWORD_WRONG = f"SmtpPw-{RUN}-S3cr3t /+%&é"
PARCEL_PASSWORD_WRONG = f"ParcelPw-{RUN}-S3cr3t /+%&è"
PARCEL_PASSPHRASE = f"ParcelPhrase-{RUN}-S3cr3t /+%à"
PG_PASSWORD = f"PgPw-{RUN}-S3cr3t/+%&@:?#ä"
PG_PASSWORD_WRONG = f"PgPwWrong-{RUN}-S3cr3t/+%&@:?#ö"
PG_USER = "amparex_secret_user"


@attrs.frozen
class Known:
    """One secret value and the login it belongs to (for SMTP ``AUTH PLAIN``)."""

    name: str
    value: str
    user: str | None = None


def _b64(data: bytes) -> set[str]:
    plain = base64.b64encode(data).decode("ascii")
    return {plain, plain.rstrip("="), base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")}


def leak_forms(known: Known) -> set[str]:
    """Every shape of *known*'s value a leak could take.

    Returns:
        The value itself, its URL-encoded forms (``quote`` with and without ``/`` safe,
        ``quote_plus``), ``repr``/``ascii``/JSON escapes, base64 (plain, unpadded,
        URL-safe), the ``AUTH PLAIN`` blob for its user, and its distinctive core (the
        longest run of letters, digits and dashes, when at least 12 long).
    """
    value = known.value
    forms = {
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote(value),
        urllib.parse.quote_plus(value),
        repr(value)[1:-1],
        ascii(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }
    forms |= _b64(value.encode("utf-8"))
    if known.user is not None:
        forms |= _b64(f"\0{known.user}\0{value}".encode())
    runs = sorted(re.findall(r"[A-Za-z0-9-]+", value), key=len)
    if runs and len(runs[-1]) >= 12:
        forms.add(runs[-1])
    return {f for f in forms if len(f) >= 6}


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def inflate_pdf_streams(data: bytes) -> list[bytes]:
    """The inflated content of every Flate-compressed stream of a PDF (others as they are)."""
    found: list[bytes] = []
    for match in _STREAM.finditer(data):
        raw = match.group(1)
        try:
            found.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            found.append(raw)
    return found


def pdf_text(data: bytes) -> str:
    """The text pypdf extracts from every page of a PDF ('' when pypdf cannot read it)."""
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is in the pdf extra
        return ""
    try:
        reader = PdfReader(io.BytesIO(data))
        parts = [page.extract_text() or "" for page in reader.pages]
        fields = reader.get_fields() or {}
        parts += [str(f.get("/V", "")) for f in fields.values()]
        return "\n".join(parts)
    except Exception:  # noqa: BLE001 - a damaged PDF still gets its raw bytes scanned
        return ""


@attrs.define
class Leak:
    """Where a secret was found."""

    secret: str
    form: str
    where: str


class LeakScan:
    """Looks for known secrets in everything a run produced.

    Args:
        known: The secrets.
    """

    def __init__(self, known: Iterable[Known]) -> None:
        self.known = list(known)
        self._forms = [(k.name, form) for k in self.known for form in sorted(leak_forms(k))]
        self._byte_forms: list[tuple[str, str, bytes]] = []
        for name, form in self._forms:
            encodings = {form.encode("utf-8"), form.encode("utf-16-le")}
            with contextlib.suppress(UnicodeEncodeError):
                encodings.add(form.encode("latin-1"))
            self._byte_forms += [(name, form, b) for b in encodings]
        self.leaks: list[Leak] = []
        self.scanned: list[str] = []

    def text(self, text: str, where: str) -> None:
        """Scan a text (output, a log record, a message)."""
        self.scanned.append(where)
        for name, form in self._forms:
            at = text.find(form)
            if at >= 0:
                context = text[max(0, at - 120) : at + len(form) + 40]
                self.leaks.append(Leak(name, form, f"{where}: …{context}…"))

    def data(self, data: bytes, where: str) -> None:
        """Scan bytes; a PDF also with its streams inflated and its text extracted."""
        self.scanned.append(where)
        pieces = [data]
        if data.startswith(b"%PDF"):
            pieces += inflate_pdf_streams(data)
            self.text(pdf_text(data), f"{where} (PDF text)")
        for piece in pieces:
            for name, form, encoded in self._byte_forms:
                if encoded in piece:
                    self.leaks.append(Leak(name, form, where))

    def tree(self, root: Path, *, exclude: Iterable[Path] = ()) -> list[Path]:
        """Scan every file under *root* except *exclude*; returns the files scanned."""
        skipped = {p.resolve() for p in exclude}
        files = [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()]
        done = []
        for path in files:
            if path.resolve() in skipped:
                continue
            self.data(path.read_bytes(), str(path))
            done.append(path)
        return done

    def mail(self, raw: bytes, where: str) -> None:
        """Scan an e-mail as sent, and every part decoded (attachments, PDFs)."""
        self.data(raw, where)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        for index, part in enumerate(message.walk()):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                self.data(payload, f"{where} part {index} ({part.get_filename() or '-'})")

    def assert_clean(self) -> None:
        """Fail, listing every leak, if any secret was found."""
        assert self.scanned, "nothing was scanned"
        shown = [f"{leak.secret} as {leak.form!r} in {leak.where}" for leak in self.leaks[:20]]
        assert not self.leaks, "secrets leaked:\n" + "\n".join(shown)


class LogCapture(logging.Handler):
    """Every log record of the process at DEBUG, formatted with its traceback."""

    LOGGERS = ("", "paramiko", "paramiko.transport", "psycopg", "psycopg.pool", "amparex_adapters")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []
        self._levels: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the formatted record."""
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is kept raw
            self.lines.append(f"{record.name}: {record.msg!r} {record.args!r}")

    @contextlib.contextmanager
    def attached(self) -> Iterator[LogCapture]:
        """Attach to the root logger and the peers' loggers at DEBUG, then detach."""
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
        root = logging.getLogger()
        root.addHandler(self)
        # A logger that does not propagate to the root gets the handler itself.
        private = [
            logger
            for logger in logging.root.manager.loggerDict.values()
            if isinstance(logger, logging.Logger) and not logger.propagate
        ]
        for logger in private:
            logger.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)
            for logger in private:
                logger.removeHandler(self)
            for name, level in self._levels.items():
                logging.getLogger(name).setLevel(level)
