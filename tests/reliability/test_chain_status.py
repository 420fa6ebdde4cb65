"""The chain's status and alerts with real processes on PostgreSQL (OP1, OP2, OP3).

Three branches with two workstations each run ``amparex startup`` as real processes
against one PostgreSQL store, uploading to OpenSSH's SFTP server; the second workstation
of branch F03 uploads into a folder that does not exist there. Then:

* ``amparex status --json`` (a process) names exactly that workstation as failing, with
  the code and attempts, and exits 3; the others are healthy;
* ``status --notify`` twice and a ``serve --once`` tick: the alert mail arrives at
  aiosmtpd once;
* ``amparex serve`` (a process) serves Prometheus metrics: scraped over HTTP, they count
  five uploads and one failed with ``delivery.failed``, and one problem;
* the folder is made, the workstation starts again and uploads; ``status`` exits 0, and
  the next tick of ``serve --once`` sends one recovery mail (``status --notify`` after it
  sends nothing more).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.chain import CARD_KEY, environment
from tests.peers import free_port
from tests.plugins.sftp_servers import SshServer
from tests.plugins.smtp_server import SMTP_PASSWORD, SmtpServer
from tests.reliability._server_chain import ServerChain

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")

PLACES = [(f"F0{b}", f"KASSE-F0{b}-{n}") for b in (1, 2, 3) for n in (1, 2)]
BAD = "KASSE-F03-2"


def _upload(server: SshServer, folder: Path) -> str:
    return f"""
[loyalty_lab.upload]
kind = "sftp"
host = "{server.host}"
port = {server.port}
username = "{server.username}"
key_file = "{server.key_file}"
host_key_fingerprint = "{server.fingerprint}"
remote_dir = "{server.remote(folder)}"
timeout = 10.0
"""


def _alerts(smtp: SmtpServer, metrics_port: int) -> str:
    return f"""
[server]
metrics_port = {metrics_port}

[status]
upload_failing_after = 0
alert_every = 0

[alerts]
kind = "smtp"
host = "{smtp.host}"
port = {smtp.port}
security = "{smtp.security}"
ca_file = {json.dumps(str(smtp.ca_file))}
sender = "amparex@optik-muster.example"
recipients = ["it@optik-muster.example"]
username = "cards"
timeout = 10.0
"""


def _subjects(smtp: SmtpServer, start: str) -> list[str]:
    found = [str(m.message()["Subject"]) for m in smtp.messages]
    return [s for s in found if s.startswith(start)]


@pytest.mark.timeout(150)
def test_OP1_OP2_OP3_a_chain_with_one_failing_destination(
    tmp_path: Path, pg_url: str, smtp_server: SmtpServer, openssh_server: SshServer
) -> None:
    """OP1–OP3: status names the failing workstation, exits 3; one alert, one recovery."""
    port = free_port()
    inbox = openssh_server.folder(f"inbox-{tmp_path.name}")
    missing = openssh_server.root / f"missing-{tmp_path.name}"
    chain = ServerChain(
        tmp_path / "chain",
        pg_url,
        smtp_server,
        extra=_upload(openssh_server, inbox) + _alerts(smtp_server, port),
    )
    bad_config = chain.root / "bad.toml"
    bad_config.write_text(
        chain.config.read_text(encoding="utf-8").replace(
            openssh_server.remote(inbox), openssh_server.remote(missing)
        ),
        encoding="utf-8",
    )
    chain.ok("masterdata", "import", str(chain.root / "bundle.toml"))
    for number, (branch, workstation) in enumerate(PLACES):
        outbox = chain.root / f"outbox-{workstation}"
        outbox.mkdir()
        chain.ok(
            "interfaces", "add", "loyalty-lab", "--customer-number", f"47{number:02d}",
            "--directory", str(outbox), "--customers", "ST-CUSTOMERS",
            "--workstation", workstation, "--branch", branch,
        )  # fmt: skip

    def start(branch: str, workstation: str) -> list[str]:
        argv = chain.argv("startup", "--workstation", workstation, "--branch", branch)
        if workstation == BAD:
            argv[argv.index(str(chain.config))] = str(bad_config)
        return argv

    procs = {w: _popen(chain, start(b, w)) for b, w in PLACES}
    codes = {w: chain.finish(p)[0] for w, p in procs.items()}
    assert codes == {w: (1 if w == BAD else 0) for _, w in PLACES}, chain.outputs[-12:]

    code, out, _ = chain.finish(chain.popen("status", "--json"))
    assert code == 3, out
    shown = json.loads(out)
    failing = {w["workstation"]: w["failing"] for w in shown["workstations"]}
    assert sorted(failing) == sorted(w for _, w in PLACES)
    assert [w for w, f in failing.items() if f] == [BAD]
    assert failing[BAD][0]["code"] == "delivery.failed"
    assert [p["place"] for p in shown["problems"]] == [BAD]
    assert all(w["uploaded_today"] == 1 for w in shown["workstations"] if w["workstation"] != BAD)

    for argv in (["status", "--notify"], ["status", "--notify"], ["serve", "--once"]):
        code, out, err = chain.finish(chain.popen(*argv))
        assert code == (3 if argv[0] == "status" else 0), (out, err)
    problems = _subjects(smtp_server, "[amparex] problem:")
    assert len(problems) == 1, problems
    assert BAD in problems[0] and "delivery.failed" in problems[0]

    metrics = _scrape(chain, port)
    assert 'amparex_uploads_today{code="delivery.failed",outcome="failed"} 1.0' in metrics
    assert 'amparex_uploads_today{code="",outcome="ok"} 5.0' in metrics
    assert 'amparex_problems{kind="upload_failing"} 1.0' in metrics
    assert "amparex_oldest_failing_upload_seconds " in metrics
    assert len(_subjects(smtp_server, "[amparex] problem:")) == 1

    missing.mkdir()
    missing.chmod(0o777)
    assert chain.finish(_popen(chain, start("F03", BAD)))[0] == 0
    code, out, _ = chain.finish(chain.popen("status", "--json"))
    assert code == 0, out
    assert json.loads(out)["server"]["last_tick"] is not None
    assert chain.finish(chain.popen("serve", "--once"))[0] == 0
    assert chain.finish(chain.popen("status", "--notify"))[0] == 0
    recovered = _subjects(smtp_server, "[amparex] recovered:")
    assert len(recovered) == 1 and BAD in recovered[0], recovered
    assert len(_subjects(smtp_server, "[amparex] problem:")) == 1
    for mail in smtp_server.messages:  # OP3: never a secret in an alert
        assert CARD_KEY.encode() not in mail.content
        assert SMTP_PASSWORD.encode() not in mail.content
    chain.check_no_secret()


def _scrape(chain: ServerChain, port: int) -> str:
    """Start ``amparex serve`` (a process), read its metrics over HTTP, stop it (SIGTERM)."""
    server = chain.popen("serve")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    return str(r.read().decode())
            except OSError:
                assert server.poll() is None, chain.finish(server)
                assert time.monotonic() < deadline, "no metrics endpoint"
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        code, _out, err = chain.finish(server)
        assert code == 0, err


def _popen(chain: ServerChain, argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(chain.env),
        cwd=chain.root,
    )
