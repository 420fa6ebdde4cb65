"""``amparex`` in a real process when a library changed the private names used for speed.

A ``sitecustomize`` module on ``PYTHONPATH`` changes paramiko before the command starts,
as a newer paramiko would (a private constant of its SFTP layer gone, paramiko's public API
intact): the program start still uploads every file (LL8) and says so in one warning line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .chain import Chain, add_loyalty_lab, replace_section

pytestmark = pytest.mark.integration

CHANGED_PARAMIKO = """\
import paramiko.sftp

del paramiko.sftp.CMD_EXTENDED_REPLY  # as if a newer paramiko had renamed it
"""


def test_LL8_startup_uploads_over_sftp_with_a_changed_paramiko_and_warns_once(
    chain: Chain, asyncssh_server: Any, tmp_path: Path
) -> None:
    from tests.plugins.sftp_servers import ASYNCSSH_PASSWORD

    shim = tmp_path / "changed-paramiko"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(CHANGED_PARAMIKO, encoding="utf-8")
    inbox = asyncssh_server.folder("cli-changed-paramiko")
    replace_section(
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
    done = chain.sub("startup", env={"PYTHONPATH": str(shim)})
    assert done.returncode == 0, done.stderr
    exported = sorted(p.name for p in chain.outbox.iterdir())
    assert len(exported) == 4
    assert sorted(p.name for p in inbox.iterdir()) == exported  # no temporary name left
    for name in exported:
        assert (inbox / name).read_bytes() == (chain.outbox / name).read_bytes()
    warnings = [line for line in done.stderr.splitlines() if "putfo" in line]
    assert len(warnings) == 1, done.stderr
    assert "CMD_EXTENDED_REPLY" in warnings[0]
    assert "Traceback" not in done.stderr
    assert ASYNCSSH_PASSWORD not in done.stdout + done.stderr
