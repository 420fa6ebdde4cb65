"""The command's log output: ``--log-level`` / ``AMPAREX_LOG_LEVEL``, one scrubbed line each."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters.cli.shell import LIBRARY_LOGGERS, State, configure_logging
from amparex_adapters.exports.folder import FolderExportTarget

from .chain import CARD_KEY, Chain, add_loyalty_lab, error_line, replace_section


def _sftp_upload_to_a_new_host(chain: Chain, server: Any, known_hosts: Path) -> None:
    """Upload over SFTP to a host that is not in *known_hosts* yet, accepting its key."""
    from tests.plugins.sftp_servers import ASYNCSSH_PASSWORD

    inbox = server.folder(f"cli-log-{known_hosts.parent.name}")
    replace_section(
        chain,
        "loyalty_lab.upload",
        f"""
kind = "sftp"
host = "{server.host}"
port = {server.port}
username = "{server.username}"
known_hosts = "{known_hosts}"
accept_new_host_key = true
remote_dir = "{server.remote(inbox)}"
""",
    )
    chain.env["AMPAREX_UPLOAD_PASSWORD"] = ASYNCSSH_PASSWORD
    add_loyalty_lab(chain)


@pytest.mark.integration
def test_LL8_a_host_key_added_shows_as_one_warning_line_by_default(
    chain: Chain, asyncssh_server: Any, tmp_path: Path
) -> None:
    """The library's warning ("added the host key …") reaches stderr as one line."""
    known_hosts = tmp_path / "default" / "known_hosts"
    _sftp_upload_to_a_new_host(chain, asyncssh_server, known_hosts)
    started = chain.sub("startup")
    assert started.returncode == 0, started.stderr
    lines = started.stderr.splitlines()
    assert len(lines) == 1, started.stderr
    assert lines[0].startswith("amparex: warning: added the host key of ")
    assert lines[0].endswith(f" to {known_hosts}")
    assert known_hosts.read_text().count("\n") == 1
    assert "exported " in started.stdout


@pytest.mark.integration
def test_LL8_log_level_error_hides_the_warning(
    chain: Chain, asyncssh_server: Any, tmp_path: Path
) -> None:
    known_hosts = tmp_path / "quiet" / "known_hosts"
    _sftp_upload_to_a_new_host(chain, asyncssh_server, known_hosts)
    started = chain.sub("--log-level", "error", "startup")
    assert started.returncode == 0, started.stderr
    assert started.stderr == ""
    assert known_hosts.exists()  # the key was added all the same


def test_LL5_AMPAREX_LOG_LEVEL_info_shows_the_program_start_summary(chain: Chain) -> None:
    add_loyalty_lab(chain)
    quiet = chain.sub("startup")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # nothing at warning or above
    for name in (p.name for p in chain.outbox.iterdir()):
        (chain.outbox / name).unlink()
    told = chain.sub("startup", env={"AMPAREX_LOG_LEVEL": "info"})
    assert told.returncode == 0, told.stderr
    lines = told.stderr.splitlines()
    assert all(line.startswith("amparex: info: ") for line in lines), told.stderr
    summary = [line for line in lines if line.startswith("amparex: info: program start on ")]
    assert len(summary) == 1, told.stderr
    assert summary[0].startswith("amparex: info: program start on KASSE-1 (F01) at ")
    assert "4 export(s) written" in summary[0] and "0 refusal(s)" in summary[0]
    option_wins = chain.sub("--log-level", "warning", "startup", env={"AMPAREX_LOG_LEVEL": "info"})
    assert option_wins.returncode == 0 and option_wins.stderr == ""


def test_an_unknown_log_level_is_a_usage_error(chain: Chain) -> None:
    result = chain.run("templates", "list", env={"AMPAREX_LOG_LEVEL": "chatty"})
    assert result.exit_code == 2
    assert "chatty" in result.stderr
    upper = chain.run("--log-level", "ERROR", "templates", "list")
    assert upper.exit_code == 0, upper.stderr


def test_LL5_a_refusal_stays_one_line_at_any_log_level(chain: Chain) -> None:
    """The program start logs each refusal at WARNING; the command shows it once, as its error."""
    broken = chain.root / "broken.toml"
    broken.write_text(
        '[[statistic_templates]]\nid = "ST-BROKEN"\nname = "Kaputt"\nfile_format = "csv"\n'
        'query = "SELECT * FROM no_such_table"\n',
        encoding="utf-8",
    )
    chain.ok("masterdata", "import", str(broken))
    chain.ok(
        "interfaces", "add", "loyalty-lab", "--customer-number", "4711", "--directory",
        str(chain.outbox), "--customers", "ST-BROKEN",
    )  # fmt: skip
    result = chain.run("startup")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("amparex: error [statistic.failed]: ")
    told = chain.run("--log-level", "info", "startup")
    assert told.exit_code == 1
    lines = told.stderr.splitlines()
    assert [line for line in lines if not line.startswith("amparex: info: ")] == [
        error_line(result.stderr)
    ]


def test_CO1_a_secret_in_a_library_log_record_is_masked(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CO1: a record that quotes a secret the command knows shows it as ``********``.

    The export folder adapter is made careless: it logs the card key (from the
    environment) while listing the outbox, as a third-party adapter might.
    """
    listing = FolderExportTarget.list_files

    def careless(self: FolderExportTarget, directory: str) -> list[str]:
        logging.getLogger("amparex_adapters.exports.folder").warning(
            "listing %s for %r\nwith a second line", directory, CARD_KEY
        )
        return listing(self, directory)

    monkeypatch.setattr(FolderExportTarget, "list_files", careless)
    add_loyalty_lab(chain)
    result = chain.run("outbox", "upload")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        f"amparex: warning: listing {chain.outbox} for '********' with a second line\n"
    )
    assert CARD_KEY not in result.stdout + result.stderr


def test_the_command_removes_its_handlers_when_it_ends(chain: Chain) -> None:
    chain.ok("--log-level", "debug", "templates", "list")
    chain.ok("--debug", "templates", "list")
    for name in ("", *LIBRARY_LOGGERS):
        logger = logging.getLogger(name)
        assert not [h for h in logger.handlers if getattr(h, "_amparex", False)], name


def test_nothing_is_configured_at_import() -> None:
    code = (
        "import logging, amparex_adapters.cli.app, amparex_adapters.cli.shell\n"
        "names = ['', 'amparex_core', 'amparex_adapters']\n"
        "print([type(h).__name__ for n in names for h in logging.getLogger(n).handlers\n"
        "       if not isinstance(h, logging.NullHandler)],\n"
        "      [logging.getLogger(n).level for n in names[1:]])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[] [0, 0]"


def test_configure_logging_scrubs_and_restores(capsys: pytest.CaptureFixture[str]) -> None:
    state = State(None, "en", debug=False)
    state.secret_values = ["s3cr3t-value"]
    logger = logging.getLogger("amparex_core.services.example")
    restore = configure_logging("info", scrub=state.scrub_log)
    try:
        assert logging.getLogger("amparex_core").getEffectiveLevel() == logging.INFO
        logger.info("token s3cr3t-value in\n  two lines")
        logger.debug("not shown")
        try:
            raise ValueError("s3cr3t-value")
        except ValueError:
            logger.exception("failed")
    finally:
        restore()
    assert capsys.readouterr().err == (
        "amparex: info: token ******** in two lines\namparex: error: failed\n"
    )
    assert logging.getLogger("amparex_core").level == logging.NOTSET
    logger.warning("after the run")
    assert capsys.readouterr().err == ""
