"""SFTP specifics (LL8): host keys, authentication, secrets, throughput settings, fallbacks."""

from __future__ import annotations

import logging
import socket
import subprocess
from pathlib import Path

import pytest

from amparex_adapters.delivery._common import Retry
from amparex_adapters.delivery.sftp import DEFAULT_WRITE, MAX_WRITE, SftpDelivery, fingerprint
from amparex_core.domain.errors import DeliveryFailed, HostKeyRejected
from amparex_core.domain.secret import Secret
from tests.integration.delivery.targets import FAST_RETRY, Target, build_target, outgoing
from tests.peers import require_executable
from tests.plugins.sftp_servers import SshServer

pytestmark = pytest.mark.integration

NO_RETRY = Retry(attempts=1)


@pytest.fixture(params=["openssh_server", "asyncssh_server"])
def ssh(request: pytest.FixtureRequest) -> SshServer:
    server: SshServer = request.getfixturevalue(str(request.param))
    return server


def _delivery(ssh: SshServer, folder: Path, **kw: object) -> SftpDelivery:
    options: dict[str, object] = {
        "port": ssh.port,
        "username": ssh.username,
        "key_file": ssh.key_file,
        "remote_dir": ssh.remote(folder),
        "retry": FAST_RETRY,
        "timeout": 10.0,
    }
    options.update(kw)
    return SftpDelivery(ssh.host, **options)  # type: ignore[arg-type]


def _other_host_key_line(tmp_path: Path, ssh: SshServer) -> str:
    keygen = require_executable("ssh-keygen", hint="the Debian package openssh-client")
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True
    )
    key = (tmp_path / "other.pub").read_text().split()
    return f"[{ssh.host}]:{ssh.port} {key[0]} {key[1]}\n"


# ---------------------------------------------------------------- host keys


def test_LL8_unknown_host_key_is_refused(ssh: SshServer, tmp_path: Path) -> None:
    folder = ssh.folder(f"unknown-{tmp_path.name}")
    known = tmp_path / "known_hosts"
    known.write_text("")
    with (
        _delivery(ssh, folder, known_hosts=known) as delivery,
        pytest.raises(HostKeyRejected) as info,
    ):
        delivery.upload(outgoing("a.csv", b"x"))
    assert info.value.code == "delivery.host_key_rejected"
    assert info.value.fingerprint == ssh.fingerprint
    assert "not in" in info.value.reason
    assert known.read_text() == ""  # never auto-added
    assert list(folder.iterdir()) == []


def test_LL8_missing_known_hosts_file_means_unknown(ssh: SshServer, tmp_path: Path) -> None:
    folder = ssh.folder(f"nofile-{tmp_path.name}")
    with (
        _delivery(ssh, folder, known_hosts=tmp_path / "absent") as delivery,
        pytest.raises(HostKeyRejected),
    ):
        delivery.upload(outgoing("a.csv", b"x"))
    assert not (tmp_path / "absent").exists()


def test_LL8_changed_host_key_is_refused(ssh: SshServer, tmp_path: Path) -> None:
    folder = ssh.folder(f"changed-{tmp_path.name}")
    known = tmp_path / "known_hosts"
    known.write_text(_other_host_key_line(tmp_path, ssh))
    with (
        _delivery(ssh, folder, known_hosts=known) as delivery,
        pytest.raises(HostKeyRejected) as info,
    ):
        delivery.upload(outgoing("a.csv", b"x"))
    assert "changed" in info.value.reason
    assert info.value.message("de").startswith("Der Hostschlüssel")
    assert list(folder.iterdir()) == []


def test_LL8_changed_host_key_is_refused_even_when_new_keys_are_accepted(
    ssh: SshServer, tmp_path: Path
) -> None:
    folder = ssh.folder(f"changed-tofu-{tmp_path.name}")
    known = tmp_path / "known_hosts"
    line = _other_host_key_line(tmp_path, ssh)
    known.write_text(line)
    with (
        _delivery(ssh, folder, known_hosts=known, accept_new_host_key=True) as delivery,
        pytest.raises(HostKeyRejected),
    ):
        delivery.upload(outgoing("a.csv", b"x"))
    assert known.read_text() == line


def test_LL8_new_host_key_is_added_only_when_configured(ssh: SshServer, tmp_path: Path) -> None:
    folder = ssh.folder(f"tofu-{tmp_path.name}")
    known = tmp_path / "sub" / "known_hosts"
    with _delivery(ssh, folder, known_hosts=known, accept_new_host_key=True) as delivery:
        delivery.upload(outgoing("a.csv", b"x"))
    assert known.read_text().startswith(f"[{ssh.host}]:{ssh.port} ssh-ed25519 ")
    # Now known: a strict client accepts it.
    with _delivery(ssh, folder, known_hosts=known) as delivery:
        delivery.upload(outgoing("b.csv", b"y"))
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "b.csv"]


def test_LL8_pinned_fingerprint_is_accepted(ssh: SshServer, tmp_path: Path) -> None:
    folder = ssh.folder(f"pinned-{tmp_path.name}")
    with _delivery(ssh, folder, known_hosts=None, host_key_fingerprint=ssh.fingerprint) as delivery:
        delivery.upload(outgoing("a.csv", b"pinned"))
    assert (folder / "a.csv").read_bytes() == b"pinned"


def test_LL8_pinned_fingerprint_accepts_padding_and_missing_prefix(
    ssh: SshServer, tmp_path: Path
) -> None:
    folder = ssh.folder(f"pinned2-{tmp_path.name}")
    bare = ssh.fingerprint.removeprefix("SHA256:") + "="
    with _delivery(ssh, folder, host_key_fingerprint=bare) as delivery:
        delivery.upload(outgoing("a.csv", b"pinned"))
    assert (folder / "a.csv").exists()


def test_LL8_wrong_pinned_fingerprint_is_refused(ssh: SshServer, tmp_path: Path) -> None:
    folder = ssh.folder(f"badpin-{tmp_path.name}")
    wrong = fingerprint(b"not the key")
    with (
        _delivery(ssh, folder, host_key_fingerprint=wrong) as delivery,
        pytest.raises(HostKeyRejected) as info,
    ):
        delivery.upload(outgoing("a.csv", b"x"))
    assert wrong in info.value.reason
    assert info.value.fingerprint == ssh.fingerprint
    assert list(folder.iterdir()) == []


def test_LL8_host_key_refusal_is_not_retried(ssh: SshServer, tmp_path: Path) -> None:
    folder = ssh.folder(f"noretry-{tmp_path.name}")
    slow = Retry(attempts=5, backoff=30.0)  # a retry would hang the test
    with (
        _delivery(ssh, folder, host_key_fingerprint=fingerprint(b"x"), retry=slow) as delivery,
        pytest.raises(HostKeyRejected),
    ):
        delivery.upload(outgoing("a.csv", b"x"))


# ---------------------------------------------------------------- authentication, secrets


def test_LL8_password_login(asyncssh_server: SshServer, tmp_path: Path) -> None:
    ssh = asyncssh_server
    folder = ssh.folder(f"pw-{tmp_path.name}")
    assert ssh.password is not None
    with _delivery(
        ssh, folder, key_file=None, password=Secret(ssh.password), known_hosts=ssh.known_hosts
    ) as delivery:
        delivery.upload(outgoing("a.csv", b"pw"))
    assert (folder / "a.csv").read_bytes() == b"pw"


def test_LL8_wrong_password_fails_without_showing_it(
    asyncssh_server: SshServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ssh = asyncssh_server
    folder = ssh.folder(f"badpw-{tmp_path.name}")
    secret = "wrong-Pässword-4711"
    caplog.set_level(logging.DEBUG)
    delivery = _delivery(
        ssh,
        folder,
        key_file=None,
        password=Secret(secret),
        known_hosts=ssh.known_hosts,
        retry=Retry(attempts=3, backoff=30),
    )
    with delivery, pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("a.csv", b"x"))
    error = info.value
    assert ssh.host in error.destination
    assert error.item == "a.csv"
    assert "Authentication" in error.reason
    for text in (str(error), error.message("de"), repr(error), repr(delivery), caplog.text):
        assert secret not in text
    assert list(folder.iterdir()) == []


def test_LL8_encrypted_key_with_passphrase(openssh_server: SshServer, tmp_path: Path) -> None:
    ssh = openssh_server
    keygen = require_executable("ssh-keygen", hint="the Debian package openssh-client")
    key = tmp_path / "enc_key"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "Geheim 1", "-f", str(key)], check=True)
    authorized = ssh.workdir / "authorized_keys"
    before = authorized.read_text()
    authorized.write_text(before + (tmp_path / "enc_key.pub").read_text())
    try:
        folder = ssh.folder(f"enc-{tmp_path.name}")
        with _delivery(
            ssh, folder, key_file=key, passphrase=Secret("Geheim 1"), known_hosts=ssh.known_hosts
        ) as delivery:
            delivery.upload(outgoing("a.csv", b"k"))
        assert (folder / "a.csv").read_bytes() == b"k"
    finally:
        authorized.write_text(before)


def test_LL8_secrets_must_be_secret_objects(openssh_server: SshServer) -> None:
    with pytest.raises(TypeError):
        SftpDelivery("h", username="u", password="plain")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SftpDelivery("h", username="u", passphrase="plain")  # type: ignore[arg-type]


def test_LL8_unreachable_server_fails_after_retries_naming_host_and_file() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    delivery = SftpDelivery(
        "127.0.0.1",
        port=port,
        username="u",
        password=Secret("pw-x"),
        host_key_fingerprint="SHA256:x",
        retry=FAST_RETRY,
    )
    with pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("a.csv", b"x"))
    assert f"127.0.0.1:{port}" in str(info.value)
    assert "'a.csv'" in str(info.value)
    assert "after 3 attempts" in info.value.reason
    assert "pw-x" not in str(info.value)


# ---------------------------------------------------------------- throughput settings


def test_LL8_openssh_connection_is_tuned(request: pytest.FixtureRequest) -> None:
    """TCP_NODELAY, 255 KiB write requests (limits@openssh.com), AES-GCM, keepalive."""
    target: Target = build_target(request, "sftp-openssh")
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    delivery.upload(outgoing("a.csv", b"x"))
    conn = delivery._conn
    assert conn is not None
    sock = conn.transport.sock
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert delivery.write_size == MAX_WRITE
    assert conn.transport.local_cipher == "aes128-gcm@openssh.com"
    assert conn.transport.packetizer._Packetizer__keepalive_interval == 30
    assert "posix-rename@openssh.com" in delivery.server_extensions


def test_LL8_one_connection_serves_many_files(request: pytest.FixtureRequest) -> None:
    target: Target = build_target(request, "sftp-openssh")
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    delivery.upload(outgoing("a.csv", b"a"))
    first = delivery._conn
    for i in range(5):
        delivery.upload(outgoing(f"f{i}.csv", b"b"))
    assert delivery._conn is first
    delivery.close()
    delivery.upload(outgoing("after-close.csv", b"c"))
    assert delivery._conn is not first
    assert target.fetch("after-close.csv") == b"c"


def test_LL8_write_requests_never_exceed_the_configured_bound(
    request: pytest.FixtureRequest,
) -> None:
    target: Target = build_target(request, "sftp-asyncssh")
    delivery = target.rebuild(max_write=20_000)
    assert isinstance(delivery, SftpDelivery)
    with delivery:
        data = bytes(range(256)) * 1000
        delivery.upload(outgoing("a.bin", data))
        assert delivery.write_size == 20_000
    assert target.fetch("a.bin") == data


def test_LL8_server_without_limits_extension_gets_32_KiB_requests(
    request: pytest.FixtureRequest,
) -> None:
    """A server that does not announce its limits gets requests every server accepts."""
    target: Target = build_target(request, "sftp-openssh")
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    delivery.upload(outgoing("a.bin", b"1"))
    conn = delivery._conn
    assert conn is not None
    conn.extensions.pop("limits@openssh.com")
    conn.write_size = delivery._negotiate_write_size(conn)
    assert conn.write_size == DEFAULT_WRITE
    data = bytes(range(256)) * 2000
    delivery.upload(outgoing("b.bin", data))
    assert target.fetch("b.bin") == data


@pytest.mark.parametrize("kind", ["sftp-openssh", "sftp-asyncssh"])
def test_LL8_server_without_posix_rename_replaces_by_remove_and_rename(
    request: pytest.FixtureRequest, kind: str
) -> None:
    target: Target = build_target(request, kind)
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    delivery.upload(outgoing("a.csv", b"old"))
    conn = delivery._conn
    assert conn is not None
    conn.extensions.pop("posix-rename@openssh.com")
    delivery.upload(outgoing("a.csv", b"new content"))
    delivery.upload(outgoing("fresh.csv", b"fresh"))
    assert target.listing() == ["a.csv", "fresh.csv"]
    assert target.fetch("a.csv") == b"new content"


def test_LL8_permission_denied_is_not_retried(request: pytest.FixtureRequest) -> None:
    target: Target = build_target(request, "sftp-asyncssh")
    delivery = target.rebuild(remote_dir="/does/not/exist", retry=Retry(attempts=4, backoff=30))
    assert isinstance(delivery, SftpDelivery)
    with delivery, pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("a.csv", b"x"))
    assert "after" not in info.value.reason


def test_LL8_server_failing_writes_mid_file_leaves_nothing_under_the_final_name(
    request: pytest.FixtureRequest,
) -> None:
    target: Target = build_target(request, "sftp-asyncssh")
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery)
    data = bytes(range(256)) * 8192  # 2 MiB: several pipelined write requests
    with pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("disk-full.csv", data))
    assert "No space left" in info.value.reason
    assert "after 3 attempts" in info.value.reason
    assert target.listing() == []  # the temporary file was removed too
    delivery.upload(outgoing("fine.csv", b"ok"))  # the connection still serves
    assert target.listing() == ["fine.csv"]


def test_LL8_known_host_with_only_other_key_types_is_refused(
    openssh_server: SshServer, tmp_path: Path
) -> None:
    ssh = openssh_server
    keygen = require_executable("ssh-keygen", hint="the Debian package openssh-client")
    subprocess.run([keygen, "-q", "-t", "ecdsa", "-N", "", "-f", str(tmp_path / "k")], check=True)
    kind, blob = (tmp_path / "k.pub").read_text().split()[:2]
    known = tmp_path / "known_hosts"
    known.write_text(f"[{ssh.host}]:{ssh.port} {kind} {blob}\n")
    folder = ssh.folder(f"othertype-{tmp_path.name}")
    with (
        _delivery(ssh, folder, known_hosts=known, accept_new_host_key=True) as delivery,
        pytest.raises(HostKeyRejected) as info,
    ):
        delivery.upload(outgoing("a.csv", b"x"))
    assert "only other key types" in info.value.reason
    assert "ecdsa-sha2-nistp256" in info.value.reason
    assert known.read_text().count("\n") == 1


def test_LL8_known_hosts_defaults_to_the_users_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    delivery = SftpDelivery("example.invalid", username="u", password=Secret("x"))
    assert delivery.known_hosts == tmp_path / ".ssh" / "known_hosts"
    pinned = SftpDelivery("example.invalid", username="u", host_key_fingerprint="SHA256:abc")
    assert pinned.known_hosts is None


def test_LL8_neither_key_nor_password_is_a_clear_permanent_error(
    openssh_server: SshServer, tmp_path: Path
) -> None:
    ssh = openssh_server
    folder = ssh.folder(f"nocred-{tmp_path.name}")
    delivery = _delivery(
        ssh, folder, key_file=None, known_hosts=ssh.known_hosts, retry=Retry(attempts=3, backoff=30)
    )
    with delivery, pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("a.csv", b"x"))
    assert "no key file and no password" in info.value.reason


def test_LL8_hashed_known_hosts_entries_are_understood(ssh: SshServer, tmp_path: Path) -> None:
    keygen = require_executable("ssh-keygen", hint="the Debian package openssh-client")
    known = tmp_path / "known_hosts"
    known.write_text(ssh.known_hosts.read_text())
    subprocess.run([keygen, "-q", "-H", "-f", str(known)], check=True, capture_output=True)
    assert "127.0.0.1" not in known.read_text()  # hashed: the name is not readable
    folder = ssh.folder(f"hashed-{tmp_path.name}")
    with _delivery(ssh, folder, known_hosts=known) as delivery:
        delivery.upload(outgoing("a.csv", b"h"))
    assert (folder / "a.csv").read_bytes() == b"h"
