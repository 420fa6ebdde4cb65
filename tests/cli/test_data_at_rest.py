"""Data at rest (OP6): owner-only files and folders whatever the umask, no key in the store.

Every run here is a real ``amparex`` process started under umask 022 (the usual one,
under which 0.1.0 wrote everything ``-rw-r--r--``), on a SQLite store in WAL mode, a
Loyalty Lab export folder, a folder standing in for Loyalty Lab's server and a folder the
card vendor collects its parcels from.
"""

from __future__ import annotations

import grp
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from amparex_adapters.delivery.folder import FolderDelivery
from amparex_adapters.exports.folder import TEMP_PREFIX, FolderExportTarget
from amparex_core.domain.parcels import OutgoingFile

from .chain import (
    CARD_KEY,
    Chain,
    add_card_ordering,
    add_loyalty_lab,
    add_templates,
    environment,
)

GOLDEN_STORE = Path(__file__).parents[1] / "golden" / "0.1.0" / "schema" / "store.sqlite.sql"
GOLDEN_KEY = "Schlüssel-ß/08\"15'"  # the key of IF-CO-1 in the store 0.1.0 wrote
#: The key as the store's JSON documents hold it.
GOLDEN_KEY_STORED = json.dumps(GOLDEN_KEY, ensure_ascii=False)[1:-1].encode()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(
    chain: Chain, *args: str, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """``amparex --config <chain> ARGS`` as a real process under umask 022."""
    done = subprocess.run(
        [sys.executable, "-m", "amparex_adapters.cli", "--config", str(chain.config), *args],
        capture_output=True,
        text=True,
        env=environment({**chain.env, **(env or {})}),
        cwd=chain.root,
        timeout=120,
        check=False,
        umask=0o022,
    )
    chain.outputs += [done.stdout, done.stderr]
    return done


@pytest.fixture
def umask_022() -> Iterator[None]:
    """This process under umask 022 (for the in-process adapter tests)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _store_files(chain: Chain) -> list[Path]:
    store = chain.root / "amparex.sqlite"
    return [store, store.with_name("amparex.sqlite-wal"), store.with_name("amparex.sqlite-shm")]


def test_OP6_under_umask_022_nothing_the_command_writes_is_readable_by_others(
    chain: Chain,
) -> None:
    """Store with -wal and -shm, exports, uploads into a folder, parcels: all 0600."""
    # The fixture's store was made in-process; start from a store the command makes.
    for path in _store_files(chain):
        path.unlink(missing_ok=True)
    assert run(chain, "masterdata", "import", str(chain.root / "bundle.toml")).returncode == 0
    add_loyalty_lab(chain)
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    placed = run(chain, "orders", "place", "--template", "BASIS", "--holder", "K1",
                 "--process", "VG-1/1")  # fmt: skip
    assert placed.returncode == 0, placed.stderr
    # Hold the store open in another process, so that its -wal and -shm stay on disk.
    holder = sqlite3.connect(_store_files(chain)[0])
    try:
        holder.execute("SELECT count(*) FROM interfaces").fetchone()
        started = run(chain, "startup")
        assert started.returncode == 0, started.stderr
        dispatched = run(chain, "orders", "dispatch", "--now", "2099-01-01T08:00+01:00")
        assert dispatched.returncode == 0, dispatched.stderr
        assert "amparex: warning" not in started.stderr + dispatched.stderr
        store_files = _store_files(chain)
        assert all(p.exists() for p in store_files), store_files
        written = {
            "store": store_files,
            "exports": sorted(chain.outbox.iterdir()),
            "uploaded": sorted(chain.server.iterdir()),
            "parcels": sorted(chain.vendor.iterdir()),
        }
        modes = {what: {p.name: mode(p) for p in paths} for what, paths in written.items()}
    finally:
        holder.close()
    for what, found in modes.items():
        assert found, what
        assert set(found.values()) == {0o600}, (what, {k: oct(v) for k, v in found.items()})


def test_OP6_temp_files_are_owner_only_while_they_are_written(
    tmp_path: Path, umask_022: None
) -> None:
    """The export's temp file and the folder delivery's temp file, seen mid-write."""
    outbox = tmp_path / "outbox"
    server = tmp_path / "server"
    outbox.mkdir(mode=0o700)
    server.mkdir(mode=0o700)
    seen: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield b"kunden_nr;name\r\n"
        temps = [p for p in outbox.iterdir() if p.name.startswith(TEMP_PREFIX)]
        assert len(temps) == 1
        seen.append(mode(temps[0]))
        yield b"K1;Erika\r\n"

    assert FolderExportTarget().write_new(str(outbox), "a.csv", chunks())
    assert mode(outbox / "a.csv") == 0o600

    class Watching:
        def __init__(self) -> None:
            self._data = (outbox / "a.csv").open("rb")

        def read(self, size: int = -1) -> bytes:
            temps = [p for p in server.iterdir() if p.name.endswith(".part")]
            if temps:
                seen.append(mode(temps[0]))
            return self._data.read(size)

        def __enter__(self) -> Watching:
            return self

        def __exit__(self, *_: object) -> None:
            self._data.close()

    size = (outbox / "a.csv").stat().st_size
    FolderDelivery(server).upload(
        OutgoingFile(name="a.csv", size=size, open=Watching)  # type: ignore[arg-type]
    )
    assert mode(server / "a.csv") == 0o600
    assert seen and set(seen) == {0o600}, [oct(m) for m in seen]


def test_OP6_folders_the_demo_creates_are_owner_only(tmp_path: Path, umask_022: None) -> None:
    from amparex_adapters.cli.demo import run_demo

    lines: list[str] = []
    demo = tmp_path / "demo"
    run_demo(demo, customers=50, echo=lines.append)
    for folder in (demo, demo / "outbox", demo / "loyalty-lab-server", demo / "card-vendor"):
        assert mode(folder) == 0o700, folder
    for path in [
        *(demo / "outbox").iterdir(),
        *(demo / "loyalty-lab-server").iterdir(),
        *(demo / "card-vendor").iterdir(),
        demo / "amparex.sqlite",
        demo / "secrets.toml",
    ]:
        assert mode(path) == 0o600, path


def _group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


def test_OP6_the_configuration_may_name_a_mode_and_a_group_for_a_partners_tool(
    chain: Chain,
) -> None:
    group = _group()
    text = chain.config.read_text(encoding="utf-8")
    text = text.replace(
        '[loyalty_lab.upload]\nkind = "folder"\nfolder = "server"\n',
        f'[loyalty_lab]\nfile_mode = "0640"\ngroup = "{group}"\n\n'
        f'[loyalty_lab.upload]\nkind = "folder"\nfolder = "server"\nfile_mode = "0640"\n'
        f'group = "{group}"\n',
    )
    chain.config.write_text(text, encoding="utf-8")
    chain.outbox.chmod(0o750)
    chain.server.chmod(0o750)
    add_loyalty_lab(chain)
    started = run(chain, "startup")
    assert started.returncode == 0, started.stderr
    assert "warning" not in started.stderr, started.stderr
    for folder in (chain.outbox, chain.server):
        files = sorted(folder.iterdir())
        assert len(files) == 4
        for path in files:
            assert mode(path) == 0o640, path
            assert path.stat().st_gid == grp.getgrnam(group).gr_gid


@pytest.mark.parametrize(
    ("section", "key", "value", "reason"),
    [
        ("loyalty_lab", "file_mode", '"0644x"', "octal file mode"),
        ("loyalty_lab", "file_mode", '"0755"', "never executable"),
        ("loyalty_lab", "file_mode", '"0666"', "others may never write"),
        ("loyalty_lab", "file_mode", '"0400"', "read and write"),
        ("loyalty_lab", "group", '"no-such-group-4711"', "no group"),
        ("loyalty_lab", "retention_days", "0", "number of days"),
    ],
)
def test_OP6_a_bad_mode_or_group_is_config_invalid_naming_the_key(
    chain: Chain, section: str, key: str, value: str, reason: str
) -> None:
    text = chain.config.read_text(encoding="utf-8")
    chain.config.write_text(text + f"\n[{section}]\n{key} = {value}\n", encoding="utf-8")
    done = run(chain, "startup")
    assert done.returncode == 1
    assert "[config.invalid]" in done.stderr and f"{section}.{key}" in done.stderr
    assert reason in done.stderr, done.stderr


def test_OP6_a_mode_for_a_delivery_that_writes_no_local_files_is_refused(chain: Chain) -> None:
    text = chain.config.read_text(encoding="utf-8").replace(
        '[loyalty_lab.upload]\nkind = "folder"\nfolder = "server"\n',
        '[loyalty_lab.upload]\nkind = "sftp"\nhost = "h"\nusername = "u"\nfile_mode = "0640"\n',
    )
    chain.config.write_text(text, encoding="utf-8")
    done = run(chain, "startup")
    assert done.returncode == 1
    assert "loyalty_lab.upload.file_mode" in done.stderr
    assert "only for files delivered into a folder" in done.stderr


def test_OP6_an_existing_store_or_folder_readable_by_others_is_reported_once(
    chain: Chain,
) -> None:
    add_loyalty_lab(chain)
    store = chain.root / "amparex.sqlite"
    store.chmod(0o644)
    chain.outbox.chmod(0o755)
    chain.server.chmod(0o755)
    started = run(chain, "startup")
    assert started.returncode == 0, started.stderr
    warnings = [line for line in started.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"amparex: warning: the store file {store} can be read by other users (mode 0644): "
        f"chmod 600 {store}",
        f"amparex: warning: the export folder {chain.outbox} can be read by other users "
        f"(mode 0755): chmod 700 {chain.outbox}",
        f"amparex: warning: the delivery folder {chain.server} can be read by other users "
        f"(mode 0755): chmod 700 {chain.server}",
    ], started.stderr
    # Nothing was changed behind the operator's back; doing what the lines say fixes it.
    assert mode(store) == 0o644 and mode(chain.outbox) == 0o755
    for path in (
        store,
        store.with_name("amparex.sqlite-wal"),
        store.with_name("amparex.sqlite-shm"),
    ):
        if path.exists():
            path.chmod(0o600)
    chain.outbox.chmod(0o700)
    chain.server.chmod(0o700)
    again = run(chain, "startup")
    assert again.returncode == 0 and again.stderr == "", again.stderr


# ------------------------------------------------------------------ the card key


def _raw_store_bytes(chain: Chain) -> bytes:
    return b"".join(p.read_bytes() for p in _store_files(chain) if p.exists())


def test_OP6_CO1_the_card_key_is_in_no_file_of_the_store(chain: Chain) -> None:
    interface = add_card_ordering(chain)
    assert CARD_KEY.encode() not in _raw_store_bytes(chain)
    listed = run(chain, "interfaces", "list", "--json")
    assert listed.returncode == 0
    assert '"key": "********"' in listed.stdout
    # The reference works: ordering sees a contract with its key (CO1).
    add_templates(chain, ["BASIS"])
    placed = run(chain, "orders", "place", "--template", "BASIS", "--holder", "K1",
                 "--process", "VG-9/1")  # fmt: skip
    assert placed.returncode == 0, placed.stderr
    assert interface


def _old_store(chain: Chain) -> Path:
    """The store replaced by a database 0.1.0 wrote, with a card key in clear text."""
    store = chain.root / "amparex.sqlite"
    for path in _store_files(chain):
        path.unlink(missing_ok=True)
    conn = sqlite3.connect(store)
    try:
        conn.executescript(GOLDEN_STORE.read_text(encoding="utf-8"))
    finally:
        conn.close()
    store.chmod(0o600)
    assert GOLDEN_KEY_STORED in store.read_bytes()
    return store


def test_OP6_a_0_1_0_store_with_a_clear_key_is_reported_and_moved_out_by_move_keys(
    chain: Chain,
) -> None:
    _old_store(chain)
    env: dict[str, str | None] = {"AMPAREX_CARD_KEY": GOLDEN_KEY}
    listed = run(chain, "interfaces", "list", env=env)
    assert listed.returncode == 0
    assert listed.stderr.splitlines() == [
        "amparex: warning: the store keeps the card contract's key of 1 interface(s) in clear "
        "text (written by amparex-core 0.1.0): move them out with `amparex interfaces move-keys`"
    ]
    dry = run(chain, "interfaces", "move-keys", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would move the key of IF-CO-1 ")
    assert GOLDEN_KEY_STORED in _raw_store_bytes(chain)
    # The secret card_key holds another key: nothing is moved, nothing lost.
    wrong = run(chain, "interfaces", "move-keys", env={"AMPAREX_CARD_KEY": CARD_KEY})
    assert wrong.returncode == 1
    assert "[config.card_key_differs]" in wrong.stderr and "IF-CO-1" in wrong.stderr
    assert GOLDEN_KEY_STORED in _raw_store_bytes(chain)
    moved = run(chain, "interfaces", "move-keys", env=env)
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.startswith("moved the key of IF-CO-1 ")
    assert moved.stderr == ""
    raw = _raw_store_bytes(chain)
    for form in (GOLDEN_KEY_STORED, b"Schl\\u00fcssel", "Schlüssel-ß".encode()):
        assert form not in raw
    again = run(chain, "interfaces", "list", "--json", env=env)
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout.count('"key": "********"') == 1
    nothing = run(chain, "interfaces", "move-keys", env=env)
    assert nothing.stdout.strip() == "no card contract key in clear text in the store"


def test_OP6_the_library_moves_keys_out_of_a_0_1_0_store(tmp_path: Path) -> None:
    from amparex_adapters.storage.sqlite import SqliteStorage
    from amparex_core.domain.secret import Secret, SecretRef
    from amparex_core.services import InterfaceService

    store_path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(store_path)
    conn.executescript(GOLDEN_STORE.read_text(encoding="utf-8"))
    conn.close()
    store = SqliteStorage(store_path)
    try:
        service = InterfaceService(store)
        assert [c.id for c in service.keys_in_clear()] == ["IF-CO-1"]
        moved, differing = service.move_keys(SecretRef("card_key"), Secret("other"))
        assert (moved, [c.id for c in differing]) == ([], ["IF-CO-1"])
        moved, differing = service.move_keys(SecretRef("card_key"), Secret(GOLDEN_KEY))
        assert [c.id for c in moved] == ["IF-CO-1"] and differing == []
        assert store.get_interface("IF-CO-1").settings.key == SecretRef("card_key")  # type: ignore[union-attr]
        store.scrub_freed_space()
        assert service.keys_in_clear() == []
    finally:
        store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("old.sqlite"))
    assert GOLDEN_KEY_STORED not in raw


def test_OP6_configuring_with_the_key_itself_is_refused(tmp_path: Path) -> None:
    from amparex_adapters.storage.sqlite import SqliteStorage
    from amparex_core.domain.errors import KeyInClear
    from amparex_core.domain.interfaces import CardOrderSettings, InterfaceKind
    from amparex_core.services import InterfaceService

    store = SqliteStorage(tmp_path / "s.sqlite")
    try:
        with pytest.raises(KeyInClear) as caught:
            InterfaceService(store).configure(
                InterfaceKind.CARD_ORDER, CardOrderSettings(contract="KV", key="geheim-4711")
            )
        assert caught.value.code == "interface.key_in_clear"
        assert "geheim-4711" not in caught.value.message("de")
        assert store.search_interfaces() == []
    finally:
        store.close()
