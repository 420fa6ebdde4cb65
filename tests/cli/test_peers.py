"""``amparex`` against the real peers of the other issues: SFTP, SMTP, PostgreSQL."""

from __future__ import annotations

import email
import json
from email import policy
from typing import Any

import pytest

from .chain import Chain, add_card_ordering, add_loyalty_lab, add_templates, use_smtp_delivery
from .chain import replace_section as _replace_section

pytestmark = pytest.mark.integration

LATER = "2099-01-01T08:00:00+01:00"


def test_LL8_startup_uploads_over_sftp_with_the_password_from_the_environment(
    chain: Chain, asyncssh_server: Any
) -> None:
    from tests.plugins.sftp_servers import ASYNCSSH_PASSWORD

    inbox = asyncssh_server.folder("cli-ll8")
    _replace_section(
        chain,
        "loyalty_lab.upload",
        f"""
kind = "sftp"
host = "{asyncssh_server.host}"
port = {asyncssh_server.port}
username = "{asyncssh_server.username}"
known_hosts = "{asyncssh_server.known_hosts}"
remote_dir = "{asyncssh_server.remote(inbox)}"
""",
    )
    chain.env["AMPAREX_UPLOAD_PASSWORD"] = ASYNCSSH_PASSWORD
    add_loyalty_lab(chain)
    first = chain.sub("startup")
    assert first.returncode == 0, first.stderr
    exported = sorted(p.name for p in chain.outbox.iterdir())
    assert len(exported) == 4
    assert sorted(p.name for p in inbox.iterdir()) == exported
    for name in exported:
        assert (inbox / name).read_bytes() == (chain.outbox / name).read_bytes()
    again = chain.sub("outbox", "upload")
    assert "nothing new to upload" in again.stdout
    assert all(ASYNCSSH_PASSWORD not in output for output in chain.outputs)


def test_LL8_a_wrong_sftp_password_is_one_line_without_the_password(
    chain: Chain, asyncssh_server: Any
) -> None:
    inbox = asyncssh_server.folder("cli-ll8-wrong")
    _replace_section(
        chain,
        "loyalty_lab.upload",
        f"""
kind = "sftp"
host = "{asyncssh_server.host}"
port = {asyncssh_server.port}
username = "{asyncssh_server.username}"
known_hosts = "{asyncssh_server.known_hosts}"
remote_dir = "{asyncssh_server.remote(inbox)}"
""",
    )
    chain.env["AMPAREX_UPLOAD_PASSWORD"] = "wrong-Pw-31337"
    add_loyalty_lab(chain)
    (chain.outbox / "x.csv").write_bytes(b"x\r\n")
    failed = chain.sub("outbox", "upload")
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("amparex: error [delivery.failed]: ")
    assert "wrong-Pw-31337" not in failed.stdout + failed.stderr
    assert list(inbox.iterdir()) == []


def test_CO18_dispatch_sends_the_batch_as_an_email(chain: Chain, smtp_server: Any) -> None:
    from tests.plugins.smtp_server import SMTP_PASSWORD, SMTP_USER

    use_smtp_delivery(chain, smtp_server)
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    sent = chain.sub("orders", "dispatch", "--now", LATER)
    assert sent.returncode == 0, sent.stderr
    assert len(smtp_server.messages) == 1
    message = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    assert message["Subject"] == "Kartenbestellung AX-100 B000001"
    names = sorted(part.get_filename() or "" for part in message.iter_attachments())
    assert "B000001-cards.pdf" in names
    assert smtp_server.logins == [SMTP_USER]
    assert all(SMTP_PASSWORD not in output for output in chain.outputs)


def test_IF8_the_command_runs_on_postgresql(chain: Chain, pg_url: str) -> None:
    text = chain.config.read_text(encoding="utf-8")
    chain.config.write_text(text.replace('path = "amparex.sqlite"', f'url = "{pg_url}"'))
    chain.ok("masterdata", "import", str(chain.root / "bundle.toml"))
    add_card_ordering(chain)
    add_loyalty_lab(chain)
    add_templates(chain)
    duplicate = chain.run("interfaces", "add", "card-order")
    assert duplicate.exit_code == 1
    assert "[interface.duplicate]" in duplicate.stderr
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    started = chain.sub("startup")
    assert started.returncode == 0, started.stderr
    assert len(list(chain.server.iterdir())) == 4
    chain.ok("orders", "dispatch", "--now", LATER)
    orders = json.loads(chain.ok("orders", "list", "--json").stdout)
    assert [o["status"] for o in orders] == ["dispatched"]


def test_CR1_CR4_cards_encode_and_read_through_pcscd(chain: Chain, virtual_card: Any) -> None:
    add_card_ordering(chain)
    # contactless cards (CR6)
    chain.ok("templates", "add", "BASIS", "--document", "DOC-CARD", "--card-type", "nfc-rfid")
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K1", "--process", "P1")
    chain.ok("orders", "dispatch", "--now", LATER)
    number = json.loads(chain.ok("cards", "list", "--json").stdout)[0]["number"]
    virtual_card.insert()
    reader = "pcsc:Virtual PCD"
    encoded = chain.ok("cards", "encode", number, "--reader", reader, "--timeout", "5")
    uid = virtual_card.uid.hex().upper()
    assert f"encoded card {number} on {uid}" in encoded.stdout
    read = chain.ok("cards", "read", "--reader", reader, "--timeout", "5")
    assert f"uid: {uid}" in read.stdout
    assert f"card number: {number}" in read.stdout
    assert "holder: K1 Erika Mustermann" in read.stdout
    chain.ok("cards", "invalidate", number, "--erase", "--reader", reader, "--timeout", "5")
    blocked = chain.run("cards", "read", "--reader", reader, "--timeout", "5")
    assert "status: card.blocked" in blocked.stdout


def test_CR1_CR4_cards_encode_and_read_an_nfc_tag(chain: Chain, udp_tag: Any) -> None:
    add_card_ordering(chain)
    # contactless cards (CR6)
    chain.ok("templates", "add", "BASIS", "--document", "DOC-CARD", "--card-type", "nfc-rfid")
    chain.ok("orders", "place", "--template", "BASIS", "--holder", "K2", "--process", "P1")
    chain.ok("orders", "dispatch", "--now", LATER)
    number = json.loads(chain.ok("cards", "list", "--json").stdout)[0]["number"]
    udp_tag.enter()
    reader = f"nfc:{udp_tag.path}"
    encoded = chain.ok("cards", "encode", number, "--reader", reader, "--timeout", "5")
    assert f"encoded card {number}" in encoded.stdout
    read = chain.ok("cards", "read", "--reader", reader, "--timeout", "5")
    assert f"card number: {number}" in read.stdout
    assert "holder: K2 Max Mustermann" in read.stdout
