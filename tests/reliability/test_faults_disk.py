"""A full disk under the export folder during :meth:`LoyaltyLab.start` (LL5, LL7, LL8).

The export folder is a small tmpfs (``mount -t tmpfs -o size=512k``, as root — CI runs
as root) holding less than one of the four statistics. Where mounting is not allowed
(not root) the same test runs on :class:`QuotaExportTarget`, the real folder target whose
writes fail with ``ENOSPC`` once a byte quota of the folder is used up; it runs in CI too.

Proven: the statistic that does not fit fails with ``export.failed`` naming the full disk,
no final file and no temp file of it are left, the statistics after it still export and
upload, nothing of it is uploaded or in the ledger; once space is freed, the next start
exports and uploads it exactly once and leaves the others alone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from amparex_adapters.delivery.folder import FolderDelivery
from amparex_adapters.exports.folder import TEMP_PREFIX, FolderExportTarget
from amparex_core.domain.errors import ExportFailed
from amparex_core.domain.statistics import ExportOutcome, StatisticKind
from amparex_core.domain.uploads import UploadOutcome
from tests.reliability._faults import LoyaltyRig, check_uploads, make_stammdaten

pytestmark = pytest.mark.timeout(60)

ROWS = {
    StatisticKind.CUSTOMERS: 100,
    StatisticKind.GLASSES: 12000,  # about 900 KiB: does not fit
    StatisticKind.CONTACT_LENSES: 500,
    StatisticKind.HEARING_AIDS: 0,
}
BIG = "4711_glasses_20261123.csv"
SMALL_SPACE = 512 * 1024
ENOUGH_SPACE = 4 * 1024 * 1024


class QuotaExportTarget(FolderExportTarget):
    """The folder target on a folder that holds at most *quota* bytes (non-root fallback).

    Writing past the quota fails as a full disk does: ``OSError(ENOSPC)`` from the write.
    """

    def __init__(self, quota: int) -> None:
        super().__init__()
        self.quota = quota

    def write_new(self, directory: str, name: str, chunks: Iterable[bytes]) -> bool:
        used = sum(p.stat().st_size for p in Path(directory).iterdir() if p.is_file())

        def limited() -> Iterator[bytes]:
            written = used
            for chunk in chunks:
                written += len(chunk)
                if written > self.quota:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                yield chunk

        return super().write_new(directory, name, limited())


class Disk:
    """The export folder and how to give it more space."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path = path
        self.kind = kind
        self.target = QuotaExportTarget(SMALL_SPACE) if kind == "quota" else FolderExportTarget()

    def free_space(self) -> None:
        if self.kind == "quota":
            assert isinstance(self.target, QuotaExportTarget)
            self.target.quota = ENOUGH_SPACE
        else:
            _mount("-o", f"remount,size={ENOUGH_SPACE}", str(self.path))


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture(params=["tmpfs", "quota"])
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Disk]:
    path = tmp_path / "export"
    path.mkdir()
    if request.param == "quota":
        yield Disk(path, "quota")
        return
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; the quota variant covers this machine")
    _mount("-t", "tmpfs", "-o", f"size={SMALL_SPACE},mode=0755", "tmpfs", str(path))
    try:
        yield Disk(path, "tmpfs")
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            subprocess.run(["umount", "-l", str(path)], check=True, capture_output=True, timeout=30)


def test_LL7_LL8_a_full_disk_fails_one_export_cleanly_and_the_rerun_completes_it_once(
    disk: Disk, tmp_path: Path
) -> None:
    """LL5, LL7, LL8: the statistic bigger than the free space fails with export.failed,
    leaves nothing behind and is not uploaded; the others export and upload; after space
    is freed the next start writes and uploads it once."""
    stammdaten = make_stammdaten(tmp_path / "stammdaten.sqlite", ROWS)
    remote = tmp_path / "remote"
    remote.mkdir()
    rig = LoyaltyRig(
        disk.path,
        stammdaten,
        f"sqlite:///{tmp_path / 'amparex.sqlite'}",
        FolderDelivery(remote),
        exports=disk.target,
    )
    try:
        rig.configure()
        report = rig.start()
        outcomes = {r.export.file_name: r for r in report.exports}
        failed = outcomes.pop(BIG)
        assert failed.outcome is ExportOutcome.FAILED
        assert isinstance(failed.error, ExportFailed)
        assert failed.error.code == "export.failed"
        assert "space" in failed.error.message("en").lower()
        assert {r.outcome for r in outcomes.values()} == {ExportOutcome.WRITTEN}
        names = sorted(p.name for p in disk.path.iterdir())
        assert BIG not in names
        assert not [n for n in names if n.startswith(TEMP_PREFIX)]  # the temp file is gone
        assert sorted(r.name for r in report.uploaded) == sorted(outcomes)
        local = rig.local_files()
        before = check_uploads(local, remote, rig.store, rig.destination, complete=True)
        assert BIG not in before
        assert rig.store.get_upload(rig.destination, BIG) is None

        disk.free_space()
        rerun = rig.start()
        again = {r.export.file_name: r.outcome for r in rerun.exports}
        assert again.pop(BIG) is ExportOutcome.WRITTEN
        assert set(again.values()) == {ExportOutcome.EXISTS}
        assert [
            (r.name, r.outcome)
            for r in rerun.uploads
            if r.outcome is not (UploadOutcome.ALREADY_UPLOADED)
        ] == [(BIG, UploadOutcome.UPLOADED)]
        local = rig.local_files()
        after = check_uploads(local, remote, rig.store, rig.destination, complete=True)
        assert {n: after[n] for n in before} == before  # the others were not sent again
        assert len(local[BIG]) > SMALL_SPACE
    finally:
        rig.close()
