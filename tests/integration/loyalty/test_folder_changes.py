"""How a watch round learns new files on a real file system (LL8): inotify, or stamps.

The change feed is Linux ``inotify`` on a local file system; the stamp of a folder is
its times, inode, size and link count, trusted only once the folder has been quiet for
:data:`~amparex_adapters.exports.folder.SETTLE_SECONDS` — with the real clock, because
folder times are as coarse as the file system makes them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from amparex_adapters.exports._changes import local_file_system
from amparex_adapters.exports.folder import SETTLE_SECONDS, FolderExportTarget
from amparex_core.domain.errors import ExportDirectoryInvalid

pytestmark = pytest.mark.timeout(60)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


@linux_only
def test_LL8_the_change_feed_names_complete_files_only(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o700)
    target = FolderExportTarget()
    feed = target.changes(str(outbox))
    assert feed is not None, "a local Linux folder has a change feed"
    try:
        empty = feed.drain()
        assert empty is not None and not empty.added and not empty.removed
        assert target.write_new(str(outbox), "a.csv", [b"a"])  # via a hidden temp file
        target.move(str(outbox), "a.csv", str(outbox / "sent"), "20261123T070000Z-a.csv")
        assert target.write_new(str(outbox), "b.csv", [b"b"])
        events = feed.drain()
        assert events is not None
        assert events.added == {"b.csv"}  # no temp file, no sent/ folder, a.csv moved out
        assert events.removed == {"a.csv"}
        assert feed.drain() == type(events)()  # drained
        (outbox / "b.csv").unlink()
        after = feed.drain()
        assert after is not None and after.removed == {"b.csv"}
        outbox.joinpath("sent", "20261123T070000Z-a.csv").unlink()
        (outbox / "sent").rmdir()
        outbox.rmdir()  # the folder itself goes: the feed lost track
        assert feed.drain() is None
        assert feed.drain() is None
    finally:
        feed.close()
    with pytest.raises(ExportDirectoryInvalid):
        target.changes(str(outbox))


def test_LL8_no_feed_on_a_network_file_system(tmp_path: Path) -> None:
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "90 22 0:50 / /mnt/share rw,relatime shared:40 - nfs4 server:/export rw\n"
        "91 22 0:51 / /mnt/my\\040files rw - cifs //nas/files rw\n"
        "92 22 0:52 / /mnt/fuse rw - fuse.sshfs host:/x rw\n",
        encoding="utf-8",
    )
    assert local_file_system("/srv/outbox", str(mountinfo)) is True
    assert local_file_system("/mnt/share/outbox", str(mountinfo)) is False
    assert local_file_system("/mnt/my files/outbox", str(mountinfo)) is False
    assert local_file_system("/mnt/fuse", str(mountinfo)) is False
    assert local_file_system("/mnt/shared", str(mountinfo)) is True  # not under /mnt/share
    assert local_file_system("/srv", str(tmp_path / "missing")) is None


def test_LL8_a_settled_stamp_changes_with_every_new_file(tmp_path: Path) -> None:
    """With the real clock: a stamp taken right after a change is not trusted; once the
    folder was quiet for SETTLE_SECONDS it is, and the next file changes it."""
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o700)
    target = FolderExportTarget()
    target.write_new(str(outbox), "a.csv", [b"a"])
    recent = target.stamp(str(outbox))
    assert not recent.settled
    time.sleep(SETTLE_SECONDS + 0.2)
    quiet = target.stamp(str(outbox))
    assert quiet.settled and quiet.version == recent.version
    target.write_new(str(outbox), "b.csv", [b"b"])  # within the same clock tick, maybe
    assert target.stamp(str(outbox)) != quiet
