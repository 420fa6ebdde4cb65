"""SIGKILL at random points of upload and dispatch (LL7, LL8, CO16, CO18).

A forked process runs the whole job — :meth:`LoyaltyLab.start` exporting and uploading
over SFTP (OpenSSH) or FTP, :meth:`OrderService.dispatch` mailing over SMTP (STARTTLS) or
sending files over SFTP — on its own SQLite store connection, and is killed with SIGKILL
after a random time within about one job's duration (measured first), so the kills land
in every phase: the statistic, the claim, the transfer, the remote rename, the ledger or
batch record. After every kill the server and the store must agree; after the last one a
plain rerun completes everything:

* uploads: every name on the server is a complete export file (temporary ``.name.x.part``
  names aside); every file the ledger calls uploaded is on the server; after the rerun
  every export file is on the server once, with its bytes, and uploaded in the ledger.
  A kill between the server's rename and the ledger's record makes the next run send
  the file again under the same name: the server ends up with one complete copy.
  The temp files the killed uploads left on the server, once older than ``stale_after``
  (aged here), are all removed by the next start that connects.
* dispatch: each order in at most one batch, dispatched exactly when its batch is
  delivered; every mail (or file set) the peer holds is a batch of the store with exactly
  its orders; a batch may arrive twice only under its one Message-ID (or the same file
  names) with the same content; after the rerun every order is dispatched and every
  batch arrived.

SIGKILL in the middle of export alone is proven in
tests/integration/loyalty/test_crash_and_race.py (LL7), in the middle of a SQLite
transaction in tests/integration/storage/test_crash.py.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import select
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.delivery.files import FilesParcelDelivery
from amparex_adapters.exports.folder import TEMP_PREFIX
from amparex_adapters.processes.local import LocalProcessTable
from amparex_adapters.storage import open_storage
from amparex_core.domain.parcels import DeliveryReceipt, Parcel
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.uploads import UploadState
from amparex_core.ports.delivery import ParcelDelivery
from amparex_core.services import Claimant, InterfaceService, OrderService
from amparex_core.services.loyalty_lab import Phase
from tests.integration.delivery.targets import FAST_RETRY, Target, build_target
from tests.plugins.smtp_server import SmtpServer
from tests.reliability._faults import (
    START,
    LoyaltyRig,
    OrderRig,
    check_files_parcels,
    check_mailed_batches,
    check_orders,
    check_uploads,
    make_stammdaten,
)

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals"),
    pytest.mark.timeout(90),
]

KILLS = 32
ROWS = {
    StatisticKind.CUSTOMERS: 1500,
    StatisticKind.GLASSES: 800,
    StatisticKind.CONTACT_LENSES: 2000,  # about 150 KiB
    StatisticKind.HEARING_AIDS: 100,
}
ORDERS_PER_DAY = 6


_mark_fd: list[int] = []
"""In a child: the pipe to the parent, until :func:`_mark` wrote to it."""


def _mark() -> None:  # pragma: no cover - runs in the child
    """Tell the parent that the transfer phase begins (once)."""
    if _mark_fd:
        os.write(_mark_fd.pop(), b"T")


class Marking:
    """A parcel delivery that marks the transfer phase before it sends."""

    def __init__(self, inner: ParcelDelivery) -> None:
        self.inner = inner
        self.destination = inner.destination

    def send(self, parcel: Parcel) -> DeliveryReceipt:  # pragma: no cover - in the child
        _mark()
        return self.inner.send(parcel)


def _fork(child: Callable[[], None]) -> tuple[int, int]:
    """Run *child* in a forked process. Returns its pid and a pipe it writes to: b"!" at
    its start, b"T" when its transfer phase begins, b"E" when it is done."""
    ready_r, ready_w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(ready_r)
            os.write(ready_w, b"!")
            _mark_fd[:] = [ready_w]
            child()
            os.write(ready_w, b"E")
            code = 0
        except BaseException:  # noqa: BLE001 - shown in the test report
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(ready_w)
    return pid, ready_r


def _wait_for(pipe: int, wanted: bytes, timeout: float) -> bool:
    """Read *pipe* until *wanted* came (``True``), it closed, or *timeout* passed."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([pipe], [], [], left)[0]:
            return False
        got = os.read(pipe, 1)
        if got == wanted:
            return True
        if not got:
            return False
    return False


def _run_and_kill(
    child: Callable[[], None], delay: float, *, in_transfer: bool
) -> tuple[bool, float | None]:
    """Fork *child*, SIGKILL it *delay* seconds after its start (or, *in_transfer*, after
    its transfer phase began). Returns whether the kill hit it running, and how long the
    job took when it ended first."""
    pid, ready = _fork(child)
    try:
        assert os.read(ready, 1) == b"!"
        if in_transfer:
            _wait_for(ready, b"T", 20)
        began = time.monotonic()
        ended = _wait_for(ready, b"E", delay)
        took = time.monotonic() - began if ended else None
    finally:
        os.close(ready)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return not ended, took
    assert os.WEXITSTATUS(status) == 0, "the job failed on its own"
    return False, took


def _kills(
    child: Callable[[], None],
    seed: str,
    before_each: Callable[[int], None],
    after_each: Callable[[int], None],
) -> int:
    """SIGKILL *child* KILLS times after a random delay: every other kill anywhere in the
    job, the others in its transfer phase. The delay is drawn from the shortest job seen
    so far (a job that ends before its kill shortens it), so the kills keep landing inside
    the job on a fast or a loaded machine. Returns how many kills hit a running job."""
    rng = random.Random(seed)
    shortest = {False: 0.5, True: 0.5}
    killed = 0
    for n in range(KILLS):
        in_transfer = n % 2 == 1
        before_each(n)
        hit, took = _run_and_kill(
            child, rng.uniform(0, 1.2 * shortest[in_transfer]), in_transfer=in_transfer
        )
        killed += hit
        if took is not None:
            shortest[in_transfer] = min(shortest[in_transfer], took)
        after_each(n)
    print(f"{seed}: shortest job {shortest[False]:.3f} s, transfer {shortest[True]:.3f} s")
    return killed


def _completed(child: Callable[[], None]) -> None:
    """Run *child* in a forked process to its end (the rerun after the kills)."""
    pid, ready = _fork(child)
    try:
        while os.read(ready, 1):
            pass
    finally:
        os.close(ready)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status)
    assert os.WEXITSTATUS(status) == 0


# ---------------------------------------------------------------- upload


@pytest.mark.parametrize("kind", ["sftp-openssh", "ftp-plain-pyftpdlib"])
def test_LL7_LL8_sigkill_during_start_up_upload_never_leaves_a_partial_or_lost_file(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str
) -> None:
    """LL7, LL8: SIGKILLs at random points of export + upload; after each the server
    holds only complete files under final names and the ledger never claims more than the
    server holds; the rerun uploads every file exactly once; the temp files the kills
    left on the server are swept once stale."""
    target = build_target(request, kind)
    stammdaten = make_stammdaten(tmp_path / "stammdaten.sqlite", ROWS)
    url = f"sqlite:///{tmp_path / 'amparex.sqlite'}"
    directory = tmp_path / "export"
    rig = LoyaltyRig(directory, stammdaten, url, target.rebuild(retry=FAST_RETRY))
    rig.configure()
    destination = rig.destination
    rig.close()
    day = [0]

    def start() -> None:  # pragma: no cover - runs in the child
        child = LoyaltyRig(
            directory,
            stammdaten,
            url,
            target.rebuild(retry=FAST_RETRY),
            now=START + dt.timedelta(days=day[0]),
        )
        child.service.start(
            branch=None,
            workstation="KASSE-1",
            progress=lambda phase, done, total, _: (
                _mark() if phase is Phase.EXPORT and done == total else None
            ),
        )

    def check(*, complete: bool) -> tuple[dict[str, int], int]:
        store = open_storage(url)
        try:
            local = LoyaltyRig.local_files_of(directory)
            inodes = check_uploads(local, target.folder, store, destination, complete=complete)
            claimed = sum(r.state is UploadState.CLAIMED for r in store.list_uploads())
        finally:
            store.close()
        return inodes, claimed

    claims_left = [0]

    def next_day(n: int) -> None:
        day[0] = n + 1  # a new day: four new files, older claims expired

    seen: dict[str, int] = {}
    resent = [0]

    def after_kill(_: int) -> None:
        inodes, claims = check(complete=False)
        claims_left[0] += claims
        # A new inode under a known name: the file went up again (killed between the
        # server's rename and the ledger's record); same name, same bytes.
        resent[0] += sum(1 for n, i in inodes.items() if seen.get(n, i) != i)
        seen.update(inodes)

    killed = _kills(start, f"upload-{kind}", next_day, after_kill)
    day[0] = KILLS + 1
    _completed(start)  # the rerun, not killed
    inodes, claimed = check(complete=True)
    assert claimed == 0
    # The rerun's export removed the temp files of the killed exporters (LL7).
    assert not [p for p in directory.iterdir() if p.name.startswith(TEMP_PREFIX)]
    # A day whose start was killed before its export has no files: the next start
    # exports its own day only (LL5). Every file that was written is on the server.
    assert len(inodes) >= 8
    # The killed uploads' temp files on the server: young, so the rerun kept them. An
    # hour later (aged here) the next start's connection sweeps them all, and only them.
    left = [p for p in target.folder.iterdir() if p.name.startswith(".")]
    for path in left:
        os.utime(path, (time.time() - 2 * 3600,) * 2)
    seeded = target.folder / ".seeded.csv.0badc0de.part"  # one at least, in any run
    seeded.write_bytes(b"left by an upload killed yesterday")
    os.utime(seeded, (time.time() - 2 * 3600,) * 2)
    day[0] = KILLS + 2
    _completed(start)
    assert not [p.name for p in target.folder.iterdir() if p.name.startswith(".")]
    inodes, _ = check(complete=True)
    assert len(inodes) >= 12
    print(
        f"{kind}: {killed} of {KILLS} kills hit a running job, {claims_left[0]} claims left, "
        f"{len(inodes)} files uploaded, {resent[0]} sent again after a kill, "
        f"{len(left)} remote temp files left by kills, swept by the next start"
    )
    assert killed >= KILLS // 4


# ---------------------------------------------------------------- dispatch


def _order_child(
    url: str, rig: OrderRig, delivery: Callable[[], ParcelDelivery], now: Callable[[], dt.datetime]
) -> Callable[[], None]:
    def dispatch() -> None:  # pragma: no cover - runs in the child
        store = open_storage(url)
        interfaces = InterfaceService(
            store, masterdata=rig.world.masterdata, exports=rig.world.exports
        )
        OrderService(
            store=store,
            templates=store,
            interfaces=interfaces,
            masterdata=rig.world.masterdata,
            renderer=rig.world.renderer,
            delivery=Marking(delivery()),
            clock=ManualClock(now()),
            chain=rig.world.chain,
            # As the command wires it: a killed holder on this host is taken over at once.
            claimant=Claimant("KASSE-1", processes=LocalProcessTable()),
        ).dispatch()

    return dispatch


def _dispatch_under_kills(
    tmp_path: Path,
    delivery: Callable[[], ParcelDelivery],
    check: Callable[[OrderRig, bool], None],
    seed: str,
) -> None:
    url = f"sqlite:///{tmp_path / 'orders.sqlite'}"
    rig = OrderRig(url, delivery())
    try:
        rig.setup()
        child = _order_child(url, rig, delivery, rig.world.clock.now)
        rig.place(ORDERS_PER_DAY)
        rig.next_day()

        def next_day(_: int) -> None:
            rig.place(ORDERS_PER_DAY)
            rig.next_day()

        killed = _kills(child, seed, next_day, lambda _: check(rig, False))
        _completed(child)  # the rerun, not killed
        check(rig, True)
        batches = check_orders(rig.store, complete=True)
        assert sorted(o for ids in batches.values() for o in ids) == sorted(
            o.id for o in rig.store.list_orders()
        )
        assert len(batches) == KILLS + 1  # one batch per day, however often it was sent
        print(f"{seed}: {killed} of {KILLS} kills hit a running dispatch")
        assert killed >= KILLS // 4
    finally:
        rig.close()


def test_CO16_CO18_sigkill_during_dispatch_by_mail_sends_every_batch_under_one_identity(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """CO16, CO18: SIGKILLs at random points of dispatch over SMTP; every order ends in
    exactly one batch, every batch arrives, a batch mailed twice carries one Message-ID."""

    def check(rig: OrderRig, complete: bool) -> None:
        seen = check_mailed_batches(rig.store, list(smtp_server.messages), complete=complete)
        if complete:
            print(f"smtp: {sum(seen.values()) - len(seen)} batches mailed a second time")

    _dispatch_under_kills(tmp_path, smtp_server.delivery, check, "smtp")


def test_CO16_CO18_sigkill_during_dispatch_as_files_over_sftp_never_shows_a_partial_batch(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """CO16, CO18: SIGKILLs at random points of dispatch as files over SFTP; no partial
    file under a final name, no README before its attachments, every batch complete
    after the rerun, each under its one set of names."""
    target: Target = build_target(request, "sftp-openssh")

    def check(rig: OrderRig, complete: bool) -> None:
        check_files_parcels(rig.orders, rig.store, target.folder, complete=complete)

    _dispatch_under_kills(
        tmp_path,
        lambda: FilesParcelDelivery(target.rebuild(retry=FAST_RETRY)),
        check,
        "files-sftp",
    )
