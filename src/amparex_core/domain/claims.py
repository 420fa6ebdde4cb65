"""Claims with a lease: who may deliver a batch or upload a file now (CO19, LL8).

Whatever several processes of a chain may do at once — deliver a batch, upload a file —
goes through a *claim* in the store: one :class:`Holder` at a time, for a *lease* that the
holder renews while it works (every third of the lease). A claim can be taken over only

* when its lease has run out (:attr:`Takeover.EXPIRED`): the holder stopped renewing —
  it died, hangs, or lost its network — so a dead holder's claim lapses within one lease
  (:data:`DEFAULT_LEASE`, a minute); or
* when its holder is *provably* dead (:attr:`Takeover.HOLDER_DEAD`): it ran on this host,
  in the same process table, and its process (pid and start time) is gone. Only the
  process table of the same host can prove that; a holder elsewhere is waited for until
  its lease runs out (:func:`holder_is_dead`).

The rules are written here once and used by every store: a store reads the current claim
and writes the decision in one atomic step. Time comes in as an argument.

>>> import datetime as dt
>>> t0 = dt.datetime(2026, 11, 23, 8, 1, tzinfo=dt.UTC)
>>> kasse = Holder(id="a1", name="KASSE-1", host="kasse-1", pid=4242)
>>> kasse.describe()
'KASSE-1, pid 4242'
>>> until = t0 + DEFAULT_LEASE
>>> takeover(until, now=t0, holder=kasse, dead=None) is None   # held
True
>>> takeover(until, now=until, holder=kasse, dead=None)
<Takeover.EXPIRED: 'expired'>
>>> takeover(until, now=t0, holder=kasse, dead=kasse)
<Takeover.HOLDER_DEAD: 'holder_dead'>
"""

from __future__ import annotations

import datetime as dt
import enum

from ._records import frozen
from .text import said

__all__ = [
    "DEFAULT_LEASE",
    "Holder",
    "RetryPolicy",
    "Takeover",
    "describe_holder",
    "holder_is_dead",
    "renewal_interval",
    "takeover",
    "takeover_reason",
]

#: How long a claim holds without being renewed. A holder renews every third of it, so a
#: dead holder's claim lapses within about a minute.
DEFAULT_LEASE = dt.timedelta(seconds=60)


@frozen
class Holder:
    """Who holds a claim: one claimant (a service object) in one process on one host.

    Attributes:
        id: Unique per claimant (a random token): tells two claimants apart even where
            nothing else does.
        name: Who it is for people: the workstation (``KASSE-1``) or the server.
        host: The host name.
        pid: The process ID on that host (``0``: unknown).
        process_table: Identifies the process table the pid belongs to (the boot and the
            pid namespace on Linux); ``""`` when unknown — then nobody can prove the
            holder dead, its lease must run out.
        started: When the process started, as that process table tells it (``""``:
            unknown); a pid reused by a later process has another start.
    """

    id: str
    name: str
    host: str = ""
    pid: int = 0
    process_table: str = ""
    started: str = ""

    def describe(self) -> str:
        """The holder for people: ``KASSE-1, pid 4242`` (and the host when it is another name).

        >>> Holder(id="x", name="Zentrale", host="srv-2", pid=7).describe()
        'Zentrale on srv-2, pid 7'
        """
        same = not self.host or self.host.casefold() == self.name.casefold()
        if same:
            return (
                said("{name}, pid {pid}", name=self.name, pid=self.pid) if self.pid else self.name
            )
        if self.pid:
            return said("{name} on {host}, pid {pid}", name=self.name, host=self.host, pid=self.pid)
        return said("{name} on {host}", name=self.name, host=self.host)

    def same_process_table(self, other: Holder) -> bool:
        """Whether *other*'s pid can be looked up where this holder runs (same host and table)."""
        return bool(self.process_table) and (self.host, self.process_table) == (
            other.host,
            other.process_table,
        )


class Takeover(enum.Enum):
    """Why a claim may be taken over."""

    EXPIRED = "expired"
    """Its lease ran out: the holder stopped renewing it."""
    HOLDER_DEAD = "holder_dead"
    """Its holder's process is gone (same host and process table)."""


def describe_holder(holder: Holder | None) -> str:
    """*holder* for people (:meth:`Holder.describe`); a claim of 0.1.0 has none."""
    return said("an unnamed holder") if holder is None else holder.describe()


def takeover_reason(reason: Takeover | None) -> str:
    """Why a claim was taken over, for a log line."""
    if reason is Takeover.HOLDER_DEAD:
        return said("its process is gone")
    return said("its lease ran out")


def takeover(
    lease_until: dt.datetime | None,
    *,
    now: dt.datetime,
    holder: Holder | None,
    dead: Holder | None,
) -> Takeover | None:
    """Why a claim held by *holder* until *lease_until* may be taken over at *now*.

    Args:
        lease_until: When the claim's lease ends; ``None``: it has none (free).
        now: The instant of the attempt.
        holder: Who holds it.
        dead: A holder the claimant found dead (:func:`holder_is_dead`); it counts only
            when it is exactly the one holding the claim — a claim meanwhile taken over
            by somebody else is not taken from them.

    Returns:
        ``None`` while the claim holds, else the reason it may be taken over.
    """
    if lease_until is None or now >= lease_until:
        return Takeover.EXPIRED
    if dead is not None and holder is not None and dead == holder:
        return Takeover.HOLDER_DEAD
    return None


def holder_is_dead(holder: Holder, *, me: Holder, running: bool | None) -> bool:
    """Whether *holder* is proven dead, as seen by claimant *me*.

    Args:
        holder: Who holds the claim.
        me: Who asks.
        running: What this host's process table says of *holder*'s process: ``True``
            running, ``False`` gone (no process with its pid, or one that started at
            another time), ``None`` unknown. Only asked of a holder in the same process
            table.

    Returns:
        ``True`` only for a holder in *me*'s process table, other than *me*, whose
        process is gone. A holder on another host, in another pid namespace or of
        unknown liveness is never proven dead: its lease has to run out.
    """
    return running is False and holder != me and me.same_process_table(holder)


def renewal_interval(lease: dt.timedelta) -> dt.timedelta:
    """How often a holder renews a claim of *lease*: every third of it.

    >>> renewal_interval(DEFAULT_LEASE)
    datetime.timedelta(seconds=20)
    """
    return lease / 3


@frozen
class RetryPolicy:
    """When a failed delivery is tried again: exponential back-off with jitter (CO19).

    The *n*-th failed attempt waits ``first * 2 ** (n - 1)``, at most *longest*, then
    spread by ±*jitter* (a fraction) so that several servers do not retry together.

    >>> policy = RetryPolicy(first=dt.timedelta(seconds=60), longest=dt.timedelta(hours=1))
    >>> [policy.delay(n, 0.5).total_seconds() for n in (1, 2, 3, 7, 8)]
    [60.0, 120.0, 240.0, 3600.0, 3600.0]
    >>> policy.delay(1, 0.0).total_seconds(), policy.delay(1, 0.999999).total_seconds() < 72
    (48.0, True)
    """

    first: dt.timedelta = dt.timedelta(seconds=60)
    longest: dt.timedelta = dt.timedelta(hours=1)
    jitter: float = 0.2

    def __attrs_post_init__(self) -> None:
        if self.first <= dt.timedelta(0) or self.longest < self.first:
            raise ValueError("a retry waits a positive time, the longest at least the first")
        if not 0 <= self.jitter < 1:
            raise ValueError("the jitter is a fraction from 0 to below 1")

    def delay(self, attempts: int, spread: float) -> dt.timedelta:
        """The wait after the *attempts*-th failed attempt.

        Args:
            attempts: How many attempts failed, from 1.
            spread: A number from 0 to below 1 (random), placing the wait within the
                jitter: 0.5 is the middle.
        """
        exponent = min(max(attempts, 1) - 1, 40)
        base = min(self.first * (1 << exponent), self.longest)
        return base * (1 + self.jitter * (2 * spread - 1))
