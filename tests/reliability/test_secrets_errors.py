"""CO1 and issue 8 (secrets), at the library level: errors built from secret-bearing input
render without the secret, and the leak scanner of the suite can find what it looks for.

* The scanner (tests/reliability/_secrets.py) finds a planted key in every form it
  claims to cover: raw, URL-encoded, base64 in an e-mail, ``repr``, UTF-16, inside a
  compressed PDF stream and in a PDF's text — so a clean scan means something.
* ``open_storage`` on malformed or unsupported URLs that carry a password (in the login
  part or as ``?password=``, hypothesis-generated) raises ``StorageUnavailable`` whose
  English and German message, ``str``, ``repr``, facts, pickle and formatted traceback
  hold no form of the password; so does ``PostgresStorage`` on a dead server, and its
  log records.
* ``describe_conninfo`` drops the password of libpq key/value strings, quoted or spaced.
* ``DeliveryFailed`` from real SFTP, FTPS and SMTP servers refusing a wrong password, and
  ``ConfigInvalid`` from bad secrets files, render the same way without the secret.
* An FTP server that quotes the password back in its refusal (for good: 530, or for now:
  421, retried with a warning logged) puts it neither into ``DeliveryFailed`` (nor its
  chained cause) nor into a log record.
* No error class has a fact typed as a secret, and a ``Secret`` put into any fact of any
  error renders as ``********`` in both languages.
"""

from __future__ import annotations

import base64
import email.message
import pickle
import socketserver
import string
import threading
import traceback
import urllib.parse
import zlib
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_adapters.cli.config import Config, Secrets
from amparex_adapters.cli.errors import ConfigInvalid, SecretsFileInsecure
from amparex_adapters.delivery._common import Retry
from amparex_adapters.storage import open_storage, redact_url
from amparex_core.domain.errors import (
    AmparexError,
    DeliveryFailed,
    StorageUnavailable,
    all_error_classes,
)
from amparex_core.domain.secret import REDACTED, Secret
from tests.integration.delivery.targets import outgoing
from tests.peers import free_port

from ._secrets import CARD_KEY, Known, LeakScan, LogCapture, leak_forms
from ._secrets_chain import write_secrets

pytestmark = pytest.mark.integration


def renderings(error: AmparexError) -> tuple[str, bytes]:
    """Everything a caller may print or store of *error*: text, and pickled bytes."""
    clone = pickle.loads(pickle.dumps(error))
    text = "\n".join(
        [
            error.message("en"),
            error.message("de"),
            str(error),
            repr(error),
            repr(error.facts),
            clone.message("de"),
            repr(clone),
            "".join(traceback.format_exception(error)),
        ]
    )
    return text, pickle.dumps(error)


def assert_clean(error: AmparexError, *known: Known) -> None:
    """No form of any *known* secret in any rendering of *error*."""
    scan = LeakScan(known)
    text, data = renderings(error)
    scan.text(text, f"{type(error).__name__} rendered")
    scan.data(data, f"{type(error).__name__} pickled")
    scan.assert_clean()


# ------------------------------------------------------------------ the scanner itself


def test_the_scanner_finds_a_planted_key_in_every_form_it_covers(tmp_path: Path) -> None:
    """A scan that cannot fail proves nothing: each planted form is found."""
    from amparex_adapters.documents.text import TextPdfRenderer
    from amparex_core.domain.masterdata import DocumentKind, DocumentTemplate
    from amparex_core.ports.documents import DocumentPart

    known = Known("card_key", CARD_KEY, user="cards")
    template = DocumentTemplate(
        id="D", name="D", kind=DocumentKind.CARD, media_type="text/plain", content=b"{x}"
    )
    pdf = TextPdfRenderer().render([DocumentPart(template, {"x": CARD_KEY})])
    stream = b"BT (" + CARD_KEY.encode("utf-8") + b") Tj ET"
    squeezed = zlib.compress(stream)
    flate_pdf = (
        b"%%PDF-1.4\n1 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(squeezed)
        + squeezed
        + b"\nendstream\nendobj\n%%EOF\n"
    )
    mail = email.message.EmailMessage()
    mail["Subject"] = "x"
    mail.set_content("nothing here")
    mail.add_attachment(CARD_KEY.encode(), maintype="application", subtype="octet-stream")
    planted = {
        "raw.txt": CARD_KEY.encode("utf-8"),
        "quoted.txt": urllib.parse.quote(CARD_KEY, safe="").encode(),
        "plus.txt": urllib.parse.quote_plus(CARD_KEY).encode(),
        "b64.txt": base64.b64encode(CARD_KEY.encode()),
        "repr.txt": repr(CARD_KEY).encode(),
        "json.txt": ascii(CARD_KEY).encode(),
        "utf16.txt": CARD_KEY.encode("utf-16-le"),
        "text.pdf": pdf,
        "flate.pdf": flate_pdf,
        "auth.txt": base64.b64encode(f"\0cards\0{CARD_KEY}".encode()),
    }
    for name, data in planted.items():
        (tmp_path / name).write_bytes(data)
    scan = LeakScan([known])
    scan.tree(tmp_path)
    found = {leak.where.split(" (")[0] for leak in scan.leaks}
    assert found == {str(tmp_path / name) for name in planted}
    (tmp_path / "clean.txt").write_bytes(b"nothing")
    assert len(leak_forms(known)) >= 10
    mail_scan = LeakScan([known])
    mail_scan.mail(mail.as_bytes(), "mail")
    assert mail_scan.leaks
    with pytest.raises(AssertionError):
        mail_scan.assert_clean()
    clean = LeakScan([known])
    clean.tree(tmp_path, exclude=[tmp_path / name for name in planted])
    clean.assert_clean()


# ------------------------------------------------------------------ storage URLs

_PASSWORD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=2, max_size=20
).map(lambda tail: "Pw-Secret-" + tail)
_SHAPES = st.sampled_from(
    [
        "postgresql:/{login}@127.0.0.1:1/amparex",  # one slash: a typo
        "postgresql:{login}@127.0.0.1:1/amparex",
        "postgres//{login}@127.0.0.1/amparex",
        "postgresq://{login}@127.0.0.1/amparex",  # unknown scheme
        "mysql://{login}@db/amparex?password={query}",
        "sqlite://{login}@relative/path.sqlite",  # a relative SQLite path
        "{login}@127.0.0.1/amparex?password={query}",  # no scheme at all
        "postgresql:/127.0.0.1/amparex?sslmode=require&password={query}",
    ]
)


@given(password=_PASSWORD, shape=_SHAPES, user=st.sampled_from(["shop", "", "x.y"]))
def test_CO1_a_storage_url_that_is_refused_never_carries_its_password(
    password: str, shape: str, user: str
) -> None:
    """CO1: StorageUnavailable from a refused URL renders without the URL's password."""
    encoded = urllib.parse.quote(password, safe="")
    url = shape.format(login=f"{user}:{encoded}", query=encoded)
    with pytest.raises(StorageUnavailable) as caught:
        open_storage(url)
    assert_clean(caught.value, Known("pg_password", password))
    assert "Pw-Secret-" not in redact_url(url)


def test_CO1_postgres_on_a_dead_server_names_it_without_the_password() -> None:
    """CO1: the password in the login part or the query is in no error and no log record."""
    password = "Pw-Secret-dead/+%&ä"
    encoded = urllib.parse.quote(password, safe="")
    url = (
        f"postgresql://shop:{encoded}@127.0.0.1:{free_port()}/amparex"
        f"?connect_timeout=1&password={encoded}"
    )
    from amparex_adapters.storage.postgres import PostgresStorage

    capture = LogCapture()
    with capture.attached(), pytest.raises(StorageUnavailable) as caught:
        PostgresStorage(url, timeout=1.0)
    known = Known("pg_password", password)
    assert_clean(caught.value, known)
    assert "shop@127.0.0.1" in str(caught.value)
    scan = LeakScan([known])
    scan.text("\n".join(capture.lines), "log records")
    scan.assert_clean()


@pytest.mark.parametrize(
    ("conninfo", "kept"),
    [
        ("host=db user=shop password=Pw-Secret-plain dbname=a", "host=db user=shop dbname=a"),
        ("host=db password='Pw-Secret quoted with spaces' dbname=a", "host=db dbname=a"),
        ("host=db password = Pw-Secret-spaced dbname=amparex", "host=db dbname=amparex"),
        ("host=db PASSWORD='Pw-Secret \\'escaped\\' x' dbname=amparex", "host=db dbname=amparex"),
        ("password=Pw-Secret-first port = 5432", "port=5432"),
        ("host=db password='Pw-Secret unterminated", "host=db"),
        ("host=db sslpassword=Pw-Secret-ssl-key user=shop", "host=db user=shop"),
    ],
)  # fmt: skip
def test_CO1_describe_conninfo_drops_every_spelling_of_a_password(conninfo: str, kept: str) -> None:
    """CO1: a libpq key/value string shown in messages keeps every pair but the password."""
    from amparex_adapters.storage.postgres import describe_conninfo

    shown = describe_conninfo(conninfo)
    assert shown == kept
    for word in ("Pw-Secret", "quoted", "spaces", "escaped", "unterminated", "spaced"):
        assert word not in shown


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://shop:Pw-Secret?unencoded@db.example/amparex",
        "postgresql://shop:Pw-Secret?x@db.example/amparex?application_name=a@b",
        "postgresql://shop@db.example/amparex?sslpassword=Pw-Secret-ssl&sslmode=require",
        "postgresql://shop@db.example/amparex?PASSWORD=Pw-Secret-upper",
    ],
)
def test_CO1_a_url_password_with_a_question_mark_or_for_ssl_is_masked(url: str) -> None:
    """CO1: ``config show`` (``_redact_url``), the messages' scrubber (``_url_passwords``)
    and the storage errors (``redact_url``) all lose the password — also one holding an
    unencoded ``?`` and an ``sslpassword`` (the key's passphrase)."""
    from amparex_adapters.cli.app import _redact_url, _url_passwords

    for shown in (_redact_url(url), redact_url(url)):
        assert "Pw-Secret" not in shown, shown
    assert any(value.startswith("Pw-Secret") for value in _url_passwords(url))


# ------------------------------------------------------------------ deliveries


def test_CO1_LL8_CO18_refused_logins_of_real_peers_render_without_the_password(
    asyncssh_server: Any, pyftpd_ftps: Any, smtp_server: Any
) -> None:
    """CO1: DeliveryFailed of SFTP, FTPS and SMTP logins refused: no password anywhere."""
    from amparex_adapters.delivery.ftp import FtpDelivery
    from amparex_adapters.delivery.sftp import SftpDelivery
    from tests.integration.ordering.test_smtp_delivery import parcel

    wrong = "Pw-Secret-wrong /+%&é"
    known = Known("password", wrong, user="amparex")
    errors: list[DeliveryFailed] = []
    capture = LogCapture()
    with capture.attached():
        sftp = SftpDelivery(
            asyncssh_server.host,
            port=asyncssh_server.port,
            username=asyncssh_server.username,
            password=Secret(wrong),
            known_hosts=asyncssh_server.known_hosts,
            remote_dir="/",
            retry=Retry(attempts=1),
        )
        ftps = FtpDelivery(
            pyftpd_ftps.host,
            port=pyftpd_ftps.port,
            username=pyftpd_ftps.username,
            password=Secret(wrong),
            ca_file=pyftpd_ftps.pki.ca_file,
            retry=Retry(attempts=1),
        )
        for delivery in (sftp, ftps):
            with delivery, pytest.raises(DeliveryFailed) as caught:
                delivery.upload(outgoing("a.csv", b"x\r\n"))
            errors.append(caught.value)
            assert wrong not in repr(delivery)
        smtp = smtp_server.delivery(password=Secret(wrong), attempts=1)
        with pytest.raises(DeliveryFailed) as mailed:
            smtp.send(parcel())
        errors.append(mailed.value)
    for error in errors:
        assert_clean(error, known, Known("smtp", wrong, user="cards"))
    scan = LeakScan([known])
    scan.text("\n".join(capture.lines), "log records")
    scan.assert_clean()


# ------------------------------------------------------------------ secrets files


def test_CO1_a_refused_secrets_file_never_quotes_its_content(tmp_path: Path) -> None:
    """CO1: every ConfigInvalid / SecretsFileInsecure about a secrets file is clean."""
    known = Known("card_key", CARD_KEY)
    broken = tmp_path / "broken.toml"
    broken.write_text(f"card_key = {CARD_KEY}\n", encoding="utf-8")
    broken.chmod(0o600)
    listed = tmp_path / "listed.toml"
    listed.write_text(f'card_key = ["{CARD_KEY[:12]}"]\n', encoding="utf-8")
    listed.chmod(0o600)
    files = [
        broken,
        listed,
        write_secrets(tmp_path / "readable.toml", {"card_key": CARD_KEY}, mode=0o644),
        write_secrets(tmp_path / "unknown.toml", {"cardkey": CARD_KEY}),
        tmp_path / "missing.toml",
    ]
    for path in files:
        with pytest.raises((ConfigInvalid, SecretsFileInsecure)) as caught:
            Secrets(Config(), environ={"AMPAREX_SECRETS_FILE": str(path)})
        assert_clean(caught.value, known)


# ------------------------------------------------------------------ every error class


def test_CO1_no_error_class_has_a_secret_fact_and_a_secret_fact_renders_redacted() -> None:
    """CO1: facts are never typed as Secret; a Secret slipped into one shows ********."""
    value = "Pw-Secret-in-a-fact"
    for cls in all_error_classes():
        hints = get_type_hints(cls)
        fields = cls.fact_names
        assert all("Secret" not in str(hints.get(name, "")) for name in fields), cls
        facts: dict[str, Any] = {}
        for name in fields:
            facts[name] = ("-",) if name == "problems" else Secret(value)
        error = cls(**facts)
        text = f"{error.message('en')} {error.message('de')} {error} {error!r}"
        assert value not in text, cls
        if any("{" + name in cls.en for name in fields):
            assert REDACTED in text, cls


@given(st.text(alphabet=string.printable, max_size=30))
def test_CO1_a_secret_never_shows_in_repr_str_or_format(tail: str) -> None:
    """CO1: repr, str, format and f-strings of a Secret and of card-order settings."""
    from amparex_core.domain.interfaces import CardOrderSettings

    value = "Sx9-" + tail
    secret = Secret(value)
    settings = CardOrderSettings(contract="KV-1", key=secret)
    shown = f"{secret} {secret!r} {secret:>40} {settings!r} {settings}"
    assert REDACTED in shown
    assert "Sx9-" not in shown


# ------------------------------------------------------------------ a peer that echoes


class _EchoingFtp(socketserver.StreamRequestHandler):
    """An FTP server that quotes the password back in its refusal (as a careless one may)."""

    def handle(self) -> None:
        self.wfile.write(b"220 echoing ftpd\r\n")
        for raw in self.rfile:
            command, _, argument = raw.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = command.upper()
            if verb == "USER":
                reply = "331 password please"
            elif verb == "PASS":
                code = getattr(self.server, "code", "530")
                reply = f"{code} login failed with password {argument}"
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                reply = "502 not here"
            self.wfile.write(reply.encode("utf-8") + b"\r\n")


@pytest.mark.parametrize("code", ["530", "421"])  # refused for good / for now (retried)
def test_CO1_LL8_a_password_the_server_echoes_is_in_no_error_and_no_log(code: str) -> None:
    """CO1: an FTP server that quotes the password back: not in DeliveryFailed, not logged."""
    from amparex_adapters.delivery.ftp import FtpDelivery

    password = "Pw-Secret-echoed/+%&ö"
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoingFtp)
    server.daemon_threads = True
    server.code = code  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        delivery = FtpDelivery(
            "127.0.0.1",
            port=server.server_address[1],
            username="amparex",
            password=Secret(password),
            tls=False,
            allow_plain=True,
            timeout=5.0,
            retry=Retry(attempts=2, backoff=0.0),
        )
        capture = LogCapture()
        with capture.attached(), delivery, pytest.raises(DeliveryFailed) as caught:
            delivery.upload(outgoing("a.csv", b"x\r\n"))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    known = Known("password", password, user="amparex")
    assert "login failed with password" in caught.value.reason
    assert_clean(caught.value, known)
    scan = LeakScan([known])
    scan.text("\n".join(capture.lines), "log records")
    scan.assert_clean()
