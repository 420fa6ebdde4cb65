"""One problem, one line (LL8, issue 15 item 7): a destination that refuses is tried once a run.

Through the ``amparex`` command as a real process, against OpenSSH's sshd behind a TCP
proxy that counts the connections: with a changed host key (or a login the server
refuses) a run connects once, prints the refusal once, and says that the four files wait
for the next run — never "nothing new to upload". A folder that cannot be used is one
line too, though each of its exports and its upload fail on it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.chain import Chain, add_loyalty_lab, chain, replace_section
from tests.integration.delivery.proxy import CuttingProxy
from tests.plugins.sftp_servers import SshServer

__all__ = ["chain"]

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _keygen(path: Path) -> str:
    keygen = shutil.which("ssh-keygen")
    assert keygen is not None
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30
    )
    return path.with_suffix(".pub").read_text(encoding="utf-8").split()[1]


def _errors(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith("amparex: error")]


@pytest.fixture
def sftp_chain(
    chain: Chain, openssh_server: SshServer, tmp_path: Path
) -> tuple[Chain, CuttingProxy, Path, Path]:
    """The chain uploading over SFTP through a counting proxy; known_hosts holds a wrong key."""
    proxy = CuttingProxy(openssh_server.port)
    remote = openssh_server.folder(f"one-line-{tmp_path.name}")
    known = tmp_path / "known_hosts"
    wrong = _keygen(tmp_path / "other_host_key")
    known.write_text(f"[127.0.0.1]:{proxy.port} ssh-ed25519 {wrong}\n", encoding="utf-8")
    replace_section(
        chain,
        "loyalty_lab.upload",
        f'kind = "sftp"\nhost = "127.0.0.1"\nport = {proxy.port}\n'
        f'username = "{openssh_server.username}"\nkey_file = "{openssh_server.key_file}"\n'
        f'remote_dir = "{openssh_server.remote(remote)}"\nknown_hosts = "{known}"\n'
        f"timeout = 10.0\n",
    )
    add_loyalty_lab(chain)
    return chain, proxy, known, remote


def test_LL8_a_changed_host_key_is_one_connection_and_one_line_per_run(
    sftp_chain: tuple[Chain, CuttingProxy, Path, Path], openssh_server: SshServer
) -> None:
    chain, proxy, known, remote = sftp_chain
    with proxy:
        started = chain.sub("startup")
        assert started.returncode == 1, started.stderr
        assert proxy.connections == 1, "the destination was tried again for the next file"
        [line] = _errors(started.stderr)
        assert line.startswith("amparex: error [delivery.host_key_rejected]: ")
        assert "nothing new to upload" not in started.stdout
        assert "4 file(s) not uploaded yet: the next run tries again" in started.stdout
        assert len(list(chain.outbox.iterdir())) == 4

        upload = chain.sub("outbox", "upload", "--json")
        assert upload.returncode == 1
        assert proxy.connections == 2
        outcomes = [u["outcome"] for u in json.loads(upload.stdout)["uploads"]]
        assert outcomes == ["failed", "not_tried", "not_tried", "not_tried"]
        assert len(_errors(upload.stderr)) == 1

        plain = chain.sub("--lang", "de", "outbox", "upload")
        assert plain.returncode == 1
        assert proxy.connections == 3
        assert len(_errors(plain.stderr)) == 1
        assert "nothing new to upload" not in plain.stdout

        # The operator puts the right key in: the next run sends every file, once.
        known.write_text(
            known.read_text(encoding="utf-8").split(" ssh-ed25519 ")[0]
            + " "
            + " ".join(openssh_server.known_hosts.read_text(encoding="utf-8").split()[1:3])
            + "\n",
            encoding="utf-8",
        )
        healed = chain.sub("outbox", "upload")
        assert healed.returncode == 0, healed.stderr
        assert healed.stdout.count("uploaded ") == 4
        assert len(list(remote.iterdir())) == 4
        again = chain.sub("outbox", "upload")
        assert again.stdout.strip() == "nothing new to upload"


def test_LL8_a_refused_login_is_one_connection_and_one_line(
    sftp_chain: tuple[Chain, CuttingProxy, Path, Path], openssh_server: SshServer, tmp_path: Path
) -> None:
    chain, proxy, known, _remote = sftp_chain
    port = proxy.port
    host_key = " ".join(openssh_server.known_hosts.read_text(encoding="utf-8").split()[1:3])
    known.write_text(f"[127.0.0.1]:{port} {host_key}\n", encoding="utf-8")
    _keygen(tmp_path / "not_authorised")
    text = chain.config.read_text(encoding="utf-8").replace(
        str(openssh_server.key_file), str(tmp_path / "not_authorised")
    )
    chain.config.write_text(text, encoding="utf-8")
    with proxy:
        started = chain.sub("startup")
        assert started.returncode == 1
        [line] = _errors(started.stderr)
        assert line.startswith("amparex: error [delivery.failed]: ")
        assert proxy.connections == 1
        assert "4 file(s) not uploaded yet" in started.stdout


def test_LL4_a_folder_that_cannot_be_used_is_one_line(chain: Chain) -> None:
    add_loyalty_lab(chain)
    chain.outbox.rmdir()
    started = chain.sub("startup")
    assert started.returncode == 1
    [line] = _errors(started.stderr)
    assert line.startswith("amparex: error [export.directory_invalid]: ")
    assert started.stdout == ""  # neither "nothing new to upload" nor files waiting
    listed = chain.sub("startup", "--json")
    document = json.loads(listed.stdout)
    assert [e["outcome"] for e in document["exports"]] == ["failed"] * 4
    assert len(_errors(listed.stderr)) == 1
