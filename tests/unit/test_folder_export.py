"""FolderExportTarget on a real temp folder (LL4, LL6, LL7)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from amparex_adapters.exports import folder as folder_module
from amparex_adapters.exports.folder import TEMP_PREFIX, FolderExportTarget
from amparex_core.domain.errors import ExportDirectoryInvalid, ExportFailed
from amparex_core.ports.exports import ExportTarget


@pytest.fixture
def target() -> FolderExportTarget:
    return FolderExportTarget()


def temps(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(TEMP_PREFIX))


def test_folder_target_is_an_export_target(target: FolderExportTarget) -> None:
    assert isinstance(target, ExportTarget)


def test_LL7_write_new_publishes_the_complete_file(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    assert target.write_new(str(tmp_path), "a.csv", [b"one;", b"two\r\n"])
    assert (tmp_path / "a.csv").read_bytes() == b"one;two\r\n"
    assert temps(tmp_path) == []
    assert target.exists(str(tmp_path), "a.csv")


def test_LL7_no_file_under_the_final_name_while_writing(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    """LL7: while chunks are produced the final name does not exist; a temp file does."""
    seen: list[tuple[bool, list[str], list[str]]] = []

    def chunks() -> Iterator[bytes]:
        for i in range(5):
            seen.append(
                (
                    (tmp_path / "a.csv").exists(),
                    target.list_files(str(tmp_path)),
                    temps(tmp_path),
                )
            )
            yield b"x" * 100_000 + str(i).encode()

    assert target.write_new(str(tmp_path), "a.csv", chunks())
    assert all(not exists for exists, _, _ in seen)
    assert all(listed == [] for _, listed, _ in seen)
    assert all(len(t) == 1 for _, _, t in seen)
    assert (tmp_path / "a.csv").stat().st_size == 500_005


def test_LL7_failing_chunks_leave_nothing_behind(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("statistic broke")

    with pytest.raises(RuntimeError, match="statistic broke"):
        target.write_new(str(tmp_path), "a.csv", chunks())
    assert list(tmp_path.iterdir()) == []


def test_LL6_an_existing_file_is_never_replaced(target: FolderExportTarget, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"first")
    consumed: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        consumed.append(b"second")
        yield b"second"

    assert not target.write_new(str(tmp_path), "a.csv", chunks())
    assert (tmp_path / "a.csv").read_bytes() == b"first"
    assert consumed == []  # the statistic's rows were not even read
    assert temps(tmp_path) == []


def test_LL6_a_file_that_appears_while_writing_wins(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    """LL6: another process creates the file mid-way: its file stays, we report False."""

    def chunks() -> Iterator[bytes]:
        yield b"ours, part 1"
        (tmp_path / "a.csv").write_bytes(b"theirs")
        yield b"ours, part 2"

    assert not target.write_new(str(tmp_path), "a.csv", chunks())
    assert (tmp_path / "a.csv").read_bytes() == b"theirs"
    assert temps(tmp_path) == []


def test_LL6_a_dangling_symlink_counts_as_existing(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    (tmp_path / "a.csv").symlink_to(tmp_path / "nowhere")
    assert target.exists(str(tmp_path), "a.csv")
    assert not target.write_new(str(tmp_path), "a.csv", [b"x"])
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../escape.csv", "sub/a.csv", "a\\b.csv", "a\x00b", TEMP_PREFIX + "x"]
)
def test_LL4_names_must_be_plain(target: FolderExportTarget, tmp_path: Path, name: str) -> None:
    with pytest.raises(ExportFailed) as info:
        target.write_new(str(tmp_path), name, [b"x"])
    assert info.value.code == "export.failed"
    with pytest.raises(ExportFailed):
        target.exists(str(tmp_path), name)
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "escape.csv").exists()


def test_LL4_check_directory_accepts_a_writable_folder(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    target.check_directory(str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # the probe is gone


def test_LL4_check_directory_refuses_unusable_folders(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("x")
    cases = {
        "exports": "not an absolute path",
        str(tmp_path / "missing"): "it does not exist",
        str(tmp_path / "file"): "it is not a folder",
    }
    for directory, reason in cases.items():
        with pytest.raises(ExportDirectoryInvalid) as info:
            target.check_directory(directory)
        assert info.value.code == "export.directory_invalid"
        assert info.value.reason == reason
        assert info.value.message("de").startswith("Das Verzeichnis")


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write to: mode 0555, or immutable when running as root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    chattr = shutil.which("chattr")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], check=False).returncode:
        pytest.skip("running as root on a file system without chattr +i: no read-only folder")
    try:
        yield folder
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_LL4_check_directory_refuses_a_read_only_folder(
    target: FolderExportTarget, read_only_dir: Path
) -> None:
    with pytest.raises(ExportDirectoryInvalid, match="not writable"):
        target.check_directory(str(read_only_dir))
    with pytest.raises(ExportDirectoryInvalid, match="not writable"):
        target.write_new(str(read_only_dir), "a.csv", [b"x"])


def test_LL4_missing_folder_is_reported_by_every_call(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing")
    with pytest.raises(ExportDirectoryInvalid, match="does not exist"):
        target.exists(missing, "a.csv")
    with pytest.raises(ExportDirectoryInvalid, match="does not exist"):
        target.write_new(missing, "a.csv", [b"x"])
    with pytest.raises(ExportDirectoryInvalid):
        target.list_files(missing)
    with pytest.raises(ExportDirectoryInvalid):
        target.remove_stale(missing)
    with pytest.raises(ExportDirectoryInvalid, match="absolute"):
        target.exists("relative", "a.csv")


def test_LL4_a_relative_folder_is_relative_to_the_base_folder(tmp_path: Path) -> None:
    """Issue 15 item 11: the command gives its configuration's folder as the base."""
    (tmp_path / "outbox").mkdir()
    target = FolderExportTarget(base=tmp_path)
    target.check_directory("outbox")
    assert target.write_new("outbox", "a.csv", [b"x"]) is True
    assert target.exists("outbox", "a.csv") and target.list_files("outbox") == ["a.csv"]
    assert (tmp_path / "outbox" / "a.csv").read_bytes() == b"x"
    assert target.facts("outbox", "a.csv").size == 1
    assert target.remove_stale("outbox") == 0
    with pytest.raises(ExportDirectoryInvalid, match="does not exist") as caught:
        target.exists("missing", "a.csv")
    assert caught.value.directory == str(tmp_path / "missing")
    with pytest.raises(ExportDirectoryInvalid):
        target.exists("C:outbox", "a.csv")  # relative to a drive's current folder


def test_LL8_list_files_excludes_temp_and_hidden_files_and_folders(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    for name in ("b.csv", "a.csv", TEMP_PREFIX + "x.part", ".hidden"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    assert target.list_files(str(tmp_path)) == ["a.csv", "b.csv"]


def test_LL8_facts_and_open(target: FolderExportTarget, tmp_path: Path) -> None:
    content = b"a;b\r\n" * 1000
    assert target.write_new(str(tmp_path), "a.csv", [content])
    facts = target.facts(str(tmp_path), "a.csv")
    assert facts.size == len(content)
    assert facts.sha256 == hashlib.sha256(content).hexdigest()
    assert facts.mtime_ns == (tmp_path / "a.csv").stat().st_mtime_ns
    quick = target.facts(str(tmp_path), "a.csv", with_hash=False)
    assert (quick.size, quick.sha256, quick.mtime_ns) == (facts.size, "", facts.mtime_ns)
    with target.open(str(tmp_path), "a.csv") as handle:
        assert handle.read() == content
    with pytest.raises(FileNotFoundError):
        target.facts(str(tmp_path), "missing.csv")
    with pytest.raises(FileNotFoundError):
        target.open(str(tmp_path), "missing.csv")


# ---------------------------------------------------------------- stale temp files


def _temp_name(host: str, pid: int) -> str:
    return f"{TEMP_PREFIX}{host}-{pid}-0123456789ab.part"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_LL7_remove_stale_removes_temps_of_dead_writers_only(tmp_path: Path) -> None:
    """LL7: crash leftovers go; temps of running writers (other processes) stay."""
    target = FolderExportTarget(stale_after=600)
    host = folder_module._host_tag()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = tmp_path / _temp_name(host, _dead_pid())
        alive = tmp_path / _temp_name(host, sleeper.pid)
        mine = tmp_path / _temp_name(host, os.getpid())
        other_young = tmp_path / _temp_name("ffffffff", 1)
        other_old = tmp_path / _temp_name("ffffffff", 2)
        odd_old = tmp_path / f"{TEMP_PREFIX}garbage"
        odd_young = tmp_path / f"{TEMP_PREFIX}garbage2"
        final = tmp_path / "a.csv"
        for path in (dead, alive, mine, other_young, other_old, odd_old, odd_young, final):
            path.write_bytes(b"x")
        for path in (other_old, odd_old, final):
            _age(path, 3600)
        assert target.remove_stale(str(tmp_path)) == 3
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted(p.name for p in (alive, mine, other_young, odd_young, final))
        _age(alive, 2 * 24 * 3600)  # a live pid but days old: the pid was reused
        assert target.remove_stale(str(tmp_path)) == 1
        assert not alive.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_LL7_remove_stale_leaves_a_concurrent_writer_alone(
    target: FolderExportTarget, tmp_path: Path
) -> None:
    """Two processes on one folder: one cleaning up never breaks the other's write."""
    removed: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield b"part 1;"
        removed.append(FolderExportTarget().remove_stale(str(tmp_path)))
        yield b"part 2\r\n"

    assert target.write_new(str(tmp_path), "a.csv", chunks())
    assert removed == [0]
    assert (tmp_path / "a.csv").read_bytes() == b"part 1;part 2\r\n"


# ---------------------------------------------------------------- no hard links


def _no_links(source: str, target: str) -> None:
    raise OSError(errno.EPERM, "Operation not permitted (no hard links here)", target)


def test_LL6_LL7_without_hard_links_rename_never_replaces(tmp_path: Path) -> None:
    """A file system without hard links: renameat2(RENAME_NOREPLACE), still no overwrite."""
    target = FolderExportTarget(link=_no_links)
    assert target.write_new(str(tmp_path), "a.csv", [b"new"])
    assert (tmp_path / "a.csv").read_bytes() == b"new"

    def chunks() -> Iterator[bytes]:
        yield b"late"
        (tmp_path / "b.csv").write_bytes(b"theirs")

    assert not target.write_new(str(tmp_path), "b.csv", chunks())
    assert (tmp_path / "b.csv").read_bytes() == b"theirs"
    assert temps(tmp_path) == []


def test_LL6_last_fallback_reserves_the_name_first(tmp_path: Path) -> None:
    """Neither links nor renameat2: an O_EXCL reservation keeps other files safe."""
    source = tmp_path / "src"
    source.write_bytes(b"content")
    (tmp_path / "taken").write_bytes(b"theirs")
    assert not folder_module._rename_reserved(str(source), str(tmp_path / "taken"))
    assert (tmp_path / "taken").read_bytes() == b"theirs"
    assert folder_module._rename_reserved(str(source), str(tmp_path / "free"))
    assert (tmp_path / "free").read_bytes() == b"content"
    assert not source.exists()


def test_LL7_write_errors_become_export_failed(tmp_path: Path) -> None:
    def broken_link(source: str, target: str) -> None:
        raise OSError(errno.EIO, "Input/output error", target)

    target = FolderExportTarget(link=broken_link)
    with pytest.raises(ExportFailed) as info:
        target.write_new(str(tmp_path), "a.csv", [b"x"])
    assert info.value.reason == "Input/output error"
    assert list(tmp_path.iterdir()) == []
