"""CO1 and issue 8 (secrets): the error paths of every peer keep every secret out of sight.

``amparex`` runs against real servers with known secret values (tests/reliability/
_secrets.py), in English, German and with ``--debug``:

* SFTP (asyncssh): wrong password; an encrypted client key with the right, a wrong and no
  passphrase; an empty ``known_hosts`` and a wrong pinned fingerprint (refused host key);
  a port nobody listens on;
* FTPS and plain FTP (pyftpdlib): right and wrong password, an untrusted CA, with
  ftplib's own protocol trace switched on (``FTP.debugging = 2``);
* card-order parcels as files over FTPS (parcel password) and SFTP (parcel key
  passphrase); an SMTP server nobody listens on;
* an unknown host key accepted once (``accept_new_host_key``; the ``known_hosts`` written
  is scanned), a dead FTPS port, and ``--debug`` in a real process;
* PostgreSQL (a login with a SCRAM password on the session's cluster): the password from
  ``PGPASSWORD``, from a ``.pgpass`` file (``PGPASSFILE``), in the URL (percent-encoded)
  and as ``?password=`` in the URL, shown by ``config show``; a wrong password in the
  statistics URL; and a wrong password in the store's URL, run as a separate ``--debug``
  process (started early and run in the background while the other test of the module
  runs).

After all runs, stdout, stderr, every log record at DEBUG (root logger), every file the
runs wrote (the store's database files too: they keep a reference to the contract key,
never the key, OP6), every file the servers received, and on PostgreSQL every row of the
store's ``interfaces`` table are scanned for every form of every secret.
"""

from __future__ import annotations

import contextlib
import ftplib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.cli.chain import environment
from tests.peers import free_port
from tests.plugins.ftp_servers import FTP_PASSWORD
from tests.plugins.sftp_servers import ASYNCSSH_PASSWORD

from ._secrets import (
    CARD_KEY,
    PARCEL_PASSPHRASE,
    PARCEL_PASSWORD_WRONG,
    PG_PASSWORD,
    PG_PASSWORD_WRONG,
    PG_USER,
    UPLOAD_PASSPHRASE,
    UPLOAD_PASSPHRASE_WRONG,
    UPLOAD_PASSWORD_WRONG,
    Known,
    LeakScan,
    LogCapture,
)
from ._secrets_chain import LATER, Outcome, SecretsChain, toml_string, write_secrets

pytestmark = pytest.mark.integration

KNOWN = [
    Known("card_key", CARD_KEY),
    Known("upload_password", ASYNCSSH_PASSWORD, user="amparex"),
    Known("upload_password_wrong", UPLOAD_PASSWORD_WRONG, user="amparex"),
    Known("upload_passphrase", UPLOAD_PASSPHRASE),
    Known("upload_passphrase_wrong", UPLOAD_PASSPHRASE_WRONG),
    Known("ftp_password", FTP_PASSWORD, user="amparex"),
    Known("parcel_password_wrong", PARCEL_PASSWORD_WRONG, user="amparex"),
    Known("parcel_passphrase", PARCEL_PASSPHRASE),
    Known("pg_password", PG_PASSWORD, user=PG_USER),
    Known("pg_password_wrong", PG_PASSWORD_WRONG, user=PG_USER),
]

LL_INTERFACE = (
    "interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory", "{outbox}",
    "--customers", "ST-CUSTOMERS", "--glasses", "ST-GLASSES", "--contact-lenses", "ST-LENSES",
    "--hearing-aids", "ST-AIDS",
)  # fmt: skip


def _encrypted_copy(key_file: Path, target: Path, passphrase: str) -> Path:
    """*key_file* written again to *target*, encrypted with *passphrase* (OpenSSH format,
    few bcrypt rounds: the test is about the passphrase, not the KDF's cost)."""
    import asyncssh

    asyncssh.read_private_key(str(key_file)).write_private_key(
        str(target), passphrase=passphrase, rounds=2
    )
    target.chmod(0o600)
    return target


def _sftp(server: Any, inbox: Path, section: str = "loyalty_lab.upload", **extra: Any) -> str:
    keys = {
        "kind": "sftp",
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "known_hosts": str(server.known_hosts),
        "remote_dir": server.remote(inbox),
        "timeout": 10.0,
        **extra,
    }
    return _section(section, keys)


def _ftp(server: Any, inbox: Path, section: str = "loyalty_lab.upload", **extra: Any) -> str:
    keys = {
        "kind": "ftps" if server.tls else "ftp",
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "remote_dir": server.remote(inbox),
        "timeout": 10.0,
        **({"ca_file": str(server.pki.ca_file)} if server.tls else {"allow_plain": True}),
        **extra,
    }
    return _section(section, keys)


def _section(name: str, keys: dict[str, Any]) -> str:
    lines = [f"[{name}]"]
    for key, value in keys.items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int | float):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {toml_string(str(value))}")
    return "\n".join(lines) + "\n"


def _options(index: int) -> tuple[str, ...]:
    """Alternate plain, German and --debug runs."""
    return ((), ("--lang", "de"), ("--debug",), ("--debug", "--lang", "de"))[index % 4]


def _scan(chain: SecretsChain, capture: LogCapture, *trees: Path) -> LeakScan:
    scan = LeakScan(KNOWN)
    for outcome in chain.outcomes:
        where = " ".join(outcome.argv[-6:])
        scan.text(outcome.stdout, f"stdout of {where}")
        scan.text(outcome.stderr, f"stderr of {where}")
    scan.text("\n".join(capture.lines), "log records")
    scan.tree(chain.run_dir)  # the store's files too: never the key (OP6)
    for tree in trees:
        scan.tree(tree)
    return scan


@pytest.mark.timeout(120)
@pytest.mark.filterwarnings("ignore:.*bcrypt.kdf.. called with only:UserWarning")
def test_CO1_LL8_CO18_file_and_mail_peers_fail_and_succeed_without_showing_a_secret(
    tmp_path: Path,
    asyncssh_server: Any,
    pyftpd_ftps: Any,
    pyftpd_plain: Any,
    test_pki: Any,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """CO1, LL8, CO18: wrong logins, refused keys and dead peers show no secret."""
    # Start the slow PostgreSQL run of the next test now, in the background; without
    # PostgreSQL (outside CI) that test skips itself and this one goes on.
    with contextlib.suppress(pytest.skip.Exception):
        request.getfixturevalue("pg_store_run")
    monkeypatch.setattr(ftplib.FTP, "debugging", 2)  # ftplib prints its protocol trace
    chain = SecretsChain(tmp_path)
    tag = f"{os.getpid()}-{tmp_path.name}"
    sftp_inbox = asyncssh_server.folder(f"peers-{tag}")
    ftps_inbox = pyftpd_ftps.folder(f"peers-{tag}")
    ftp_inbox = pyftpd_plain.folder(f"peers-{tag}")
    parcels_ftps = pyftpd_ftps.folder(f"parcels-{tag}")
    parcels_sftp = asyncssh_server.folder(f"parcels-{tag}")
    secrets_file = write_secrets(chain.private / "secrets.toml", {"card_key": CARD_KEY})
    key = _encrypted_copy(asyncssh_server.key_file, chain.private / "client_key", UPLOAD_PASSPHRASE)
    parcel_key = _encrypted_copy(
        asyncssh_server.key_file, chain.private / "parcel_key", PARCEL_PASSPHRASE
    )
    empty_known_hosts = chain.run_dir / "empty_known_hosts"
    empty_known_hosts.write_text("")
    chain.env.update(
        {
            "AMPAREX_UPLOAD_PASSWORD": ASYNCSSH_PASSWORD,
            "AMPAREX_UPLOAD_PASSPHRASE": UPLOAD_PASSPHRASE,
            "AMPAREX_PARCEL_PASSWORD": FTP_PASSWORD,
            "AMPAREX_PARCEL_PASSPHRASE": PARCEL_PASSPHRASE,
            "PGPASSWORD": PG_PASSWORD,
        }
    )
    folder_upload = _section(
        "loyalty_lab.upload", {"kind": "folder", "folder": str(chain.run_dir / "server")}
    )
    chain.configure(folder_upload, secrets=secrets_file)
    (chain.run_dir / "server").mkdir()

    def config(name: str, *sections: str) -> Path:
        return chain.configure(*sections, secrets=secrets_file, path=chain.private / name)

    wrong_upload: dict[str, str | None] = {"AMPAREX_UPLOAD_PASSWORD": UPLOAD_PASSWORD_WRONG}
    uploads: list[tuple[Path, dict[str, str | None], int]] = [
        (config("sftp.toml", _sftp(asyncssh_server, sftp_inbox)), wrong_upload, 1),
        (config("sftp.toml", _sftp(asyncssh_server, sftp_inbox)), {}, 0),
        (
            config("sftp-key.toml", _sftp(asyncssh_server, sftp_inbox, key_file=str(key))),
            {"AMPAREX_UPLOAD_PASSWORD": None},
            0,
        ),
        (
            config("sftp-key.toml", _sftp(asyncssh_server, sftp_inbox, key_file=str(key))),
            {"AMPAREX_UPLOAD_PASSWORD": None, "AMPAREX_UPLOAD_PASSPHRASE": UPLOAD_PASSPHRASE_WRONG},
            1,
        ),
        (
            config("sftp-key.toml", _sftp(asyncssh_server, sftp_inbox, key_file=str(key))),
            {"AMPAREX_UPLOAD_PASSPHRASE": None, **wrong_upload},
            1,
        ),
        (
            config(
                "sftp-no-host.toml",
                _sftp(asyncssh_server, sftp_inbox, known_hosts=str(empty_known_hosts)),
            ),
            {},
            1,
        ),
        (
            config(
                "sftp-pinned.toml",
                _sftp(asyncssh_server, sftp_inbox, host_key_fingerprint="SHA256:" + "A" * 43),
            ),
            {},
            1,
        ),
        (config("sftp-dead.toml", _sftp(asyncssh_server, sftp_inbox, port=free_port())), {}, 1),
        (
            config(
                "sftp-new-host.toml",
                _sftp(
                    asyncssh_server,
                    sftp_inbox,
                    known_hosts=str(chain.run_dir / "new_known_hosts"),
                    accept_new_host_key=True,
                ),
            ),
            {},
            0,
        ),
        (
            config("ftps-dead.toml", _ftp(pyftpd_ftps, ftps_inbox, port=free_port())),
            {"AMPAREX_UPLOAD_PASSWORD": FTP_PASSWORD},
            1,
        ),
        (
            config("ftps.toml", _ftp(pyftpd_ftps, ftps_inbox)),
            {"AMPAREX_UPLOAD_PASSWORD": FTP_PASSWORD},
            0,
        ),
        (config("ftps.toml", _ftp(pyftpd_ftps, ftps_inbox)), wrong_upload, 1),
        (
            config(
                "ftps-ca.toml", _ftp(pyftpd_ftps, ftps_inbox, ca_file=str(test_pki.other_ca_file))
            ),
            {"AMPAREX_UPLOAD_PASSWORD": FTP_PASSWORD},
            1,
        ),
        (config("ftp.toml", _ftp(pyftpd_plain, ftp_inbox)), wrong_upload, 1),
        (
            config("ftp.toml", _ftp(pyftpd_plain, ftp_inbox)),
            {"AMPAREX_UPLOAD_PASSWORD": FTP_PASSWORD},
            0,
        ),
    ]
    capture = LogCapture()
    with capture.attached():
        assert chain.cli("masterdata", "import", str(chain.bundle)).code == 0
        assert (
            chain.cli(*(a.replace("{outbox}", str(chain.outbox)) for a in LL_INTERFACE)).code == 0
        )
        assert chain.cli("interfaces", "add", "card-order", "--contract", "KV-1").code == 0
        assert chain.cli("templates", "add", "BASIS", "--document", "DOC-CARD").code == 0
        for index, (path, env, expected) in enumerate(uploads):
            for old in chain.outbox.iterdir():  # earlier failures are not tried again
                old.unlink()
            (chain.outbox / f"file-{index}.csv").write_bytes(b"kunden_nr\r\nK1\r\n")
            outcome = chain.cli(*_options(index), "outbox", "upload", env=env, config=path)
            assert outcome.code == expected, (path.name, env, outcome.stdout, outcome.stderr)
            if expected:
                assert "amparex: error [delivery." in outcome.stderr, outcome.stderr
        assert any("PASS *" in o.stdout for o in chain.outcomes), "ftplib traced no login"
        assert (chain.run_dir / "new_known_hosts").read_text().strip()
        # --debug in a real process: the log handler writes to the process's stderr.
        (chain.outbox / "file-sub.csv").write_bytes(b"kunden_nr\r\nK1\r\n")
        sub = chain.sub(
            "--debug", "outbox", "upload", env=wrong_upload, config=chain.private / "sftp.toml"
        )
        assert sub.code == 1 and "amparex: debug: " in sub.stderr, sub.stderr
        assert "[delivery.failed]" in sub.stderr, sub.stderr
        over_ftps = config(
            "parcels-ftps.toml",
            _ftp(pyftpd_ftps, parcels_ftps, "card_order.delivery", kind="files")
            + 'transport = "ftps"\n',
        )
        parcels: list[tuple[Path, dict[str, str | None], int]] = [
            (over_ftps, {"AMPAREX_PARCEL_PASSWORD": PARCEL_PASSWORD_WRONG}, 1),
            (over_ftps, {}, 0),
            (
                config(
                    "parcels-sftp.toml",
                    _sftp(
                        asyncssh_server,
                        parcels_sftp,
                        "card_order.delivery",
                        kind="files",
                        key_file=str(parcel_key),
                    )
                    + 'transport = "sftp"\n',
                ),
                {},
                0,
            ),
            (
                config(
                    "smtp-dead.toml",
                    _section(
                        "card_order.delivery",
                        {
                            "kind": "smtp",
                            "host": "127.0.0.1",
                            "port": free_port(),
                            "sender": "a@example.org",
                            "recipients": ["b@example.org"],
                            "username": "cards",
                            "timeout": 2.0,
                        },
                    ),
                ),
                {"AMPAREX_SMTP_PASSWORD": PARCEL_PASSWORD_WRONG},
                1,
            ),
        ]
        for index, (path, env, expected) in enumerate(parcels):
            placed = chain.cli(
                "orders", "place", "--template", "BASIS", "--holder", "K1", "--process", f"P{index}"
            )
            assert placed.code == 0, placed.stderr
            outcome = chain.cli(
                *_options(index + 2), "orders", "dispatch", "--now", LATER, env=env, config=path
            )
            assert outcome.code == expected, (path.name, outcome.stdout, outcome.stderr)
    assert len(list(sftp_inbox.iterdir())) >= 2
    assert list(ftps_inbox.iterdir()) and list(ftp_inbox.iterdir())
    assert list(parcels_ftps.iterdir()) and list(parcels_sftp.iterdir())
    scan = _scan(chain, capture, sftp_inbox, ftps_inbox, ftp_inbox, parcels_ftps, parcels_sftp)
    scan.assert_clean()


# ------------------------------------------------------------------ PostgreSQL


def _pg_login(cluster: Any) -> None:
    """A login with a SCRAM password and a schema of its own; trust stays for the rest."""
    cluster.add_login(PG_USER, PG_PASSWORD)


def _pg_url(cluster: Any, password: str | None = None, query: str = "") -> str:
    login = PG_USER if password is None else f"{PG_USER}:{quote(password, safe='')}"
    url = f"postgresql://{login}@127.0.0.1:{cluster.port}/amparex"
    return url + f"?options=-csearch_path%3D{PG_USER}" + query


@pytest.fixture(scope="module")
def pg_store_run(
    pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[subprocess.Popen[str], list[str], Path]]:
    """``amparex --debug orders list`` on a store URL with a wrong password, started early.

    The store's first connection is refused at once (it probes before opening its pool);
    the process still runs in the background while the other tests of this module run.
    """
    _pg_login(pg_cluster)
    base = tmp_path_factory.mktemp("pg-wrong")
    (base / "private").mkdir()
    folder = base / "run"  # what the run may write; the configuration with the URL is apart
    folder.mkdir()
    config = base / "private" / "amparex.toml"
    url = _pg_url(pg_cluster, PG_PASSWORD_WRONG)
    config.write_text(f"[storage]\nurl = {toml_string(url)}\n", encoding="utf-8")
    argv = [sys.executable, "-m", "amparex_adapters.cli", "--debug", "--config", str(config),
            "orders", "list"]  # fmt: skip
    env = environment({"PGPASSWORD": PG_PASSWORD_WRONG, "AMPAREX_CARD_KEY": CARD_KEY})
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=folder
    )
    try:
        yield proc, argv, folder
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.timeout(120)
def test_CO1_postgresql_passwords_in_the_environment_and_the_url_are_never_shown(
    tmp_path: Path, pg_cluster: Any, pg_store_run: Any
) -> None:
    """CO1: a PostgreSQL password (PGPASSWORD, URL, ?password=) never shows, right or wrong."""
    chain = SecretsChain(tmp_path)
    secrets_file = write_secrets(chain.private / "secrets.toml", {"card_key": CARD_KEY})
    (chain.run_dir / "server").mkdir()
    upload = _section(
        "loyalty_lab.upload", {"kind": "folder", "folder": str(chain.run_dir / "server")}
    )

    def config(name: str, url: str, statistics: str | None = None) -> Path:
        sections = [upload]
        if statistics is not None:
            sections.append(f"[statistics]\nurl = {toml_string(statistics)}\n")
        return chain.configure(
            *sections,
            storage=f"url = {toml_string(url)}",
            secrets=secrets_file,
            path=chain.private / name,
        )

    from_env = config("env.toml", _pg_url(pg_cluster))
    in_url = config("url.toml", _pg_url(pg_cluster, PG_PASSWORD))
    in_query = config(
        "query.toml", _pg_url(pg_cluster, query=f"&password={quote(PG_PASSWORD, safe='')}")
    )
    wrong_statistics = config(
        "statistics.toml", _pg_url(pg_cluster), statistics=_pg_url(pg_cluster, PG_PASSWORD_WRONG)
    )
    pgpass = chain.private / "pgpass"
    pgpass.write_text(
        f"127.0.0.1:{pg_cluster.port}:amparex:{PG_USER}:"
        + PG_PASSWORD.replace("\\", "\\\\").replace(":", "\\:")
        + "\n",
        encoding="utf-8",
    )
    pgpass.chmod(0o600)
    pg_env: dict[str, str | None] = {"PGPASSWORD": PG_PASSWORD}
    pgpass_env: dict[str, str | None] = {"PGPASSWORD": None, "PGPASSFILE": str(pgpass)}
    no_pg_env: dict[str, str | None] = {"PGPASSWORD": None}
    runs: list[tuple[tuple[str, ...], Path, dict[str, str | None], int]] = [
        (("db", "upgrade"), from_env, pg_env, 0),  # the login's own schema is empty (OP5)
        (("masterdata", "import", str(chain.bundle)), from_env, pg_env, 0),
        (("interfaces", "add", "card-order", "--contract", "KV-PG"), from_env, pg_env, 0),
        (
            tuple(a.replace("{outbox}", str(chain.outbox)) for a in LL_INTERFACE),
            from_env,
            pg_env,
            0,
        ),
        (("interfaces", "list", "--json"), in_url, no_pg_env, 0),
        (("config", "show"), in_url, no_pg_env, 0),
        (("config", "show", "--json"), in_url, no_pg_env, 0),
        (("config", "show"), in_query, no_pg_env, 0),
        (("--lang", "de", "config", "show", "--json"), in_query, no_pg_env, 0),
        (("orders", "list"), in_query, no_pg_env, 0),
        (("--debug", "orders", "list", "--json"), from_env, pgpass_env, 0),
        (("--debug", "startup"), wrong_statistics, pg_env, 1),
        (("--lang", "de", "startup"), wrong_statistics, pg_env, 1),
        (("startup",), from_env, pg_env, 0),
        (("config", "show"), wrong_statistics, pg_env, 0),
    ]
    capture = LogCapture()
    with capture.attached():
        for argv, path, env, expected in runs:
            outcome = chain.cli(*argv, env=env, config=path)
            assert outcome.code == expected, (argv, path.name, outcome.stdout, outcome.stderr)
        shown = chain.outcomes[5].stdout
        assert f"{PG_USER}:********@127.0.0.1" in shown, shown
        proc, argv, folder = pg_store_run
        stdout, stderr = proc.communicate(timeout=60)
        chain.record(argv, proc.returncode, stdout, stderr)
    assert proc.returncode == 1, stderr
    assert "[storage.unavailable]" in stderr, stderr
    assert any(o.code == 1 and "[statistic.failed]" in o.stderr for o in chain.outcomes)
    scan = _scan(chain, capture, folder)
    scan.assert_clean()
    # OP6: the store on PostgreSQL keeps a reference to the key, never the key.
    import psycopg

    with psycopg.connect(_pg_url(pg_cluster, PG_PASSWORD)) as conn:
        rows = conn.execute("SELECT data FROM interfaces").fetchall()
    assert rows
    stored = LeakScan(KNOWN)
    stored.text("\n".join(str(r[0]) for r in rows), "the interfaces table on PostgreSQL")
    stored.assert_clean()
    outcomes: list[Outcome] = chain.outcomes
    assert len(outcomes) == len(runs) + 1
