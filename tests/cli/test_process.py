"""``amparex`` as a real process: start-up job, outbox, configuration, secrets, signals."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amparex_core._version import __version__

from .chain import (
    CARD_KEY,
    Chain,
    add_card_ordering,
    add_loyalty_lab,
    add_templates,
    environment,
    error_line,
)

HEAVY = ("paramiko", "psycopg", "pypdf", "jinja2", "smartcard", "nfc", "sqlite3", "rich")


def test_version_through_the_console_script_and_python_m(chain: Chain) -> None:
    script = Path(sys.executable).parent / "amparex"
    assert script.exists(), "the console script amparex is installed with the package"
    for argv in (
        [str(script), "--version"],
        [sys.executable, "-m", "amparex_adapters.cli", "--version"],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"amparex, version {__version__}"


def test_help_loads_no_adapter_library() -> None:
    code = (
        "import sys\n"
        "from amparex_adapters.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "startup" in done.stdout and "demo" in done.stdout


def test_LL5_LL6_LL8_startup_exports_uploads_and_dispatches_once(chain: Chain) -> None:
    add_card_ordering(chain)
    add_loyalty_lab(chain)
    add_templates(chain, ["BASIS"])
    first = chain.sub("startup")
    assert first.returncode == 0, first.stderr
    exported = sorted(p.name for p in chain.outbox.iterdir())
    assert len(exported) == 4
    assert all(name.startswith("4711_") and name.endswith(".csv") for name in exported)
    assert sorted(p.name for p in chain.server.iterdir()) == exported
    assert first.stdout.count("exported ") == 4 and first.stdout.count("uploaded ") == 4
    assert "no card orders due" in first.stdout
    customers = next(chain.outbox.glob("*_customers_*.csv")).read_bytes()
    assert customers.startswith(
        (b"\xef\xbb\xbfkunden_nr;vorname\r\n", b"\xef\xbb\xbfkunden_nr;vorname\n")
    )
    before = {p.name: p.stat().st_mtime_ns for p in chain.outbox.iterdir()}
    second = chain.sub("startup", "--workstation", "kasse-1", "--branch", "F01")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("exists, not rewritten") == 4
    assert "nothing new to upload" in second.stdout
    assert {p.name: p.stat().st_mtime_ns for p in chain.outbox.iterdir()} == before
    elsewhere = chain.sub("startup", "--workstation", "KASSE-2")
    assert "no Loyalty Lab interface available on KASSE-2" in elsewhere.stdout


def test_LL8_outbox_upload_sends_new_files_once(chain: Chain) -> None:
    add_loyalty_lab(chain)
    (chain.outbox / "extra.csv").write_bytes(b"a;b\r\n1;2\r\n")
    first = chain.sub("outbox", "upload")
    assert first.returncode == 0, first.stderr
    assert "uploaded extra.csv" in first.stdout
    assert (chain.server / "extra.csv").read_bytes() == b"a;b\r\n1;2\r\n"
    second = chain.sub("outbox", "upload")
    assert "nothing new to upload" in second.stdout


def test_LL8_a_failed_upload_exits_1_and_is_retried(chain: Chain) -> None:
    add_loyalty_lab(chain)
    (chain.outbox / "extra.csv").write_bytes(b"x\r\n")
    chain.server.rmdir()
    failed = chain.sub("outbox", "upload")
    assert failed.returncode == 1
    assert error_line(failed.stderr).startswith("amparex: error [delivery.failed]: ")
    chain.server.mkdir()
    assert "uploaded extra.csv" in chain.sub("outbox", "upload").stdout


def _start_watch(chain: Chain) -> subprocess.Popen[bytes]:
    """Start ``outbox watch`` and wait until it announces that it watches (signals armed)."""
    watcher = subprocess.Popen(
        [sys.executable, "-m", "amparex_adapters.cli", "--config", str(chain.config),
         "outbox", "watch", "--interval", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=environment(chain.env), cwd=chain.root,
    )  # fmt: skip
    assert watcher.stderr is not None
    seen = b""
    deadline = time.monotonic() + 30
    with selectors.DefaultSelector() as selector:
        selector.register(watcher.stderr, selectors.EVENT_READ)
        while b"watching the outbox" not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                watcher.kill()
                watcher.communicate()
                pytest.fail(f"outbox watch did not start: {seen!r}")
            chunk = os.read(watcher.stderr.fileno(), 4096)
            if not chunk:
                pytest.fail(f"outbox watch ended: {seen!r}")
            seen += chunk
    return watcher


def _stop(watcher: subprocess.Popen[bytes], sig: int) -> tuple[str, str]:
    try:
        watcher.send_signal(sig)
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
    return out.decode(), err.decode()


def test_LL8_outbox_watch_uploads_as_files_appear_and_stops_on_sigterm(chain: Chain) -> None:
    add_loyalty_lab(chain)
    watcher = _start_watch(chain)
    try:
        (chain.outbox / "late.csv").write_bytes(b"late\r\n")
        deadline = time.monotonic() + 20
        while not (chain.server / "late.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (chain.server / "late.csv").read_bytes() == b"late\r\n"
    finally:
        out, err = _stop(watcher, signal.SIGTERM)
    assert watcher.returncode == 0, err
    assert "uploaded late.csv" in out
    assert "stopped; 1 file(s) uploaded" in err
    assert "Traceback" not in err


def test_LL8_outbox_watch_stops_on_sigint(chain: Chain) -> None:
    add_loyalty_lab(chain)
    watcher = _start_watch(chain)
    _, err = _stop(watcher, signal.SIGINT)
    assert watcher.returncode == 0, err
    assert "stopped; 0 file(s) uploaded" in err


# ------------------------------------------------------------------ configuration


def test_config_is_found_by_variable_then_current_folder(chain: Chain) -> None:
    add_card_ordering(chain)
    by_variable = chain.sub(
        "interfaces", "list", "--json", config=False, env={"AMPAREX_CONFIG": str(chain.config)}
    )
    assert len(json.loads(by_variable.stdout)) == 1
    in_folder = chain.sub("interfaces", "list", "--json", config=False)  # ./amparex.toml
    assert len(json.loads(in_folder.stdout)) == 1
    missing = chain.sub("interfaces", "list", config=False, env={"AMPAREX_CONFIG": "/nope.toml"})
    assert missing.returncode == 1
    assert error_line(missing.stderr) == (
        "amparex: error [config.invalid]: Configuration /nope.toml: no such file."
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[chain]\nnme = "X"\n', "chain.nme"),
        ('[chain]\ncard_number_length = "12"\n', "chain.card_number_length"),
        ('[chain]\ntime_zone = "Mars/Olympus"\n', "chain.time_zone"),
        ('[chain.prices]\ngift_box = "viel"\n', "chain.prices.gift_box"),
        ('[loyalty_lab.upload]\nkind = "sftp"\n', "loyalty_lab.upload.host"),
        ('[card_order.delivery]\nkind = "ftp"\nhost = "h"\n', "card_order.delivery.kind"),
        ("[bogus]\nx = 1\n", "bogus"),
        ("[chain\n", ""),
    ],
)
def test_a_config_error_is_one_line_naming_the_key(chain: Chain, text: str, key: str) -> None:
    """A broken key is named; a broken file is named alone (no ``-:`` placeholder)."""
    chain.config.write_text(text, encoding="utf-8")
    result = chain.run("interfaces", "list")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    named = f"{key}: " if key else ""
    assert line.startswith(
        f"amparex: error [config.invalid]: Configuration {chain.config}: {named}"
    )
    assert "-:" not in line


def test_no_traceback_without_debug_and_one_with_it(chain: Chain) -> None:
    chain.config.write_text('[storage]\nurl = "sqlite:///relative/db.sqlite"\n')
    plain = chain.sub("interfaces", "list")
    assert plain.returncode == 1
    assert error_line(plain.stderr).startswith("amparex: error [storage.unavailable]: ")
    debug = chain.sub("--debug", "interfaces", "list")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1].startswith("amparex: error [storage.unavailable]")


def test_german_messages_in_a_real_process(chain: Chain) -> None:
    result = chain.sub("orders", "cancel", "nope", env={"LANG": "de_DE.UTF-8"})
    assert result.returncode == 1
    assert error_line(result.stderr) == (
        "amparex: error [order.unknown]: " + _german_unknown_order("nope")
    )


def _german_unknown_order(order_id: str) -> str:
    from amparex_core.domain.errors import OrderUnknown

    return OrderUnknown(order_id=order_id).message("de")


# ------------------------------------------------------------------ secrets


def _secrets_file(chain: Chain, mode: int) -> Path:
    path = chain.root / "secrets.toml"
    path.write_text(f'card_key = "{CARD_KEY}"\n', encoding="utf-8")
    path.chmod(mode)
    with chain.config.open("a", encoding="utf-8") as config:
        config.write('\n[secrets]\nfile = "secrets.toml"\n')
    return path


def test_CO1_the_key_comes_from_a_secrets_file_readable_by_its_owner_only(chain: Chain) -> None:
    _secrets_file(chain, 0o600)
    done = chain.sub(
        "interfaces", "add", "card-order", "--contract", "KV-1", env={"AMPAREX_CARD_KEY": None}
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(chain.sub("interfaces", "list", "--json").stdout)
    assert listed[0]["settings"]["key"] == "********"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o640, 0o604], ids=["group-readable", "world-readable"])
def test_CO1_a_group_or_world_readable_secrets_file_is_refused(chain: Chain, mode: int) -> None:
    path = _secrets_file(chain, mode)
    result = chain.sub("interfaces", "add", "card-order", "--contract", "KV-1")
    assert result.returncode == 1
    line = error_line(result.stderr)
    assert line.startswith("amparex: error [config.secrets_file_insecure]: ")
    assert str(path) in line and f"{mode:04o}" in line
    assert CARD_KEY not in result.stdout + result.stderr
    by_variable = chain.sub(
        "interfaces", "list", env={"AMPAREX_SECRETS_FILE": str(path)}, config=True
    )
    assert by_variable.returncode == 1
    assert "config.secrets_file_insecure" in by_variable.stderr


def test_CO1_a_broken_secrets_file_does_not_echo_its_content(chain: Chain) -> None:
    path = chain.root / "secrets.toml"
    path.write_text(f"card_key = {CARD_KEY}\n", encoding="utf-8")  # not TOML: unquoted
    path.chmod(0o600)
    with chain.config.open("a", encoding="utf-8") as config:
        config.write('\n[secrets]\nfile = "secrets.toml"\n')
    result = chain.sub("interfaces", "list")
    assert result.returncode == 1
    assert error_line(result.stderr).startswith("amparex: error [config.invalid]: ")
    assert CARD_KEY not in result.stderr


def test_CO1_secrets_are_never_taken_from_the_command_line(chain: Chain) -> None:
    result = chain.sub("interfaces", "add", "card-order", "--key", "x")
    assert result.returncode == 2


def _on_a_terminal(chain: Chain, *args: str, env: dict[str, str | None]) -> str:
    """Run the command with stdout on a pseudo-terminal; return what it showed there."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "amparex_adapters.cli", "--config", str(chain.config), *args],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=environment({**chain.env, "TERM": "xterm", "COLUMNS": "120", **env}),
        cwd=chain.root,
    )
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 60
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(leader, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not selector.select(deadline - time.monotonic()):
                    break
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the process closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
    finally:
        os.close(leader)
        if process.wait(timeout=60) != 0:
            pytest.fail(process.stderr.read().decode() if process.stderr else "failed")
        if process.stderr:
            process.stderr.close()
    return shown.decode("utf-8", errors="replace")


def test_LL5_progress_bars_on_a_terminal_but_not_under_ci_or_in_a_pipe(chain: Chain) -> None:
    add_loyalty_lab(chain)
    shown = _on_a_terminal(chain, "startup", env={})
    assert "━" in shown and "export" in shown and "upload" in shown and "4/4" in shown
    for name in (p.name for p in chain.outbox.iterdir()):
        (chain.outbox / name).unlink()
    quiet = _on_a_terminal(chain, "startup", env={"CI": "true"})
    assert "━" not in quiet and "exported" in quiet
    piped = chain.sub("outbox", "upload")
    assert "━" not in piped.stdout


@pytest.mark.parametrize("debug", [False, True])
def test_library_log_records_reach_stderr_with_debug_only(debug: bool) -> None:
    code = (
        "import logging\n"
        "from amparex_adapters.cli.app import _quiet_logging\n"
        f"_quiet_logging({debug})\n"
        "logging.getLogger('psycopg.pool').warning('error connecting')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    if debug:
        assert done.stderr == "amparex: debug: psycopg.pool: error connecting\n"
    else:
        assert done.stderr == ""
