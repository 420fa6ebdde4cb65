"""Prometheus metrics of the chain for ``amparex serve`` (OP2; extra ``metrics``).

:class:`ChainCollector` answers each scrape from the store — the chain's status
(:class:`~amparex_core.services.status.ChainStatus`) and today's run records — with at
most one look per ``cache`` seconds, however often it is scraped. :func:`serve_metrics`
starts prometheus-client's HTTP server on a loopback address; a port in use is
:exc:`~amparex_core.domain.errors.MetricsUnavailable` (``amparex serve`` shows it as one
line and goes on without metrics). prometheus-client is imported here only, when the
endpoint starts, never by a program start.

=========================================== ===============================================
metric                                      what
=========================================== ===============================================
``amparex_exports_today{outcome,code}``     export jobs of today's runs (local day)
``amparex_uploads_today{outcome,code}``     upload jobs of today's runs
``amparex_deliveries_today{outcome,code}``  batch deliveries of today's runs
``amparex_open_batches``                    batches not yet delivered
``amparex_oldest_failing_upload_seconds``   age of the oldest failing upload (0: none)
``amparex_workstations_silent``             workstations without a start in the threshold
``amparex_problems{kind}``                  what ``amparex status`` counts as a problem
``amparex_last_tick_timestamp_seconds``     the server's last tick (absent: never)
=========================================== ===============================================
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from datetime import tzinfo
from typing import Any

from amparex_core.domain.errors import MetricsUnavailable
from amparex_core.domain.operations import (
    WORKSTATION_KINDS,
    ProblemKind,
    RunKind,
    count_jobs,
)
from amparex_core.ports.clock import Clock
from amparex_core.ports.operations import RunLog
from amparex_core.services.status import ChainStatus, StatusReport

__all__ = ["ChainCollector", "serve_metrics"]

_JOBS = {"export": "exports", "upload": "uploads", "delivery": "deliveries"}


class ChainCollector:
    """A prometheus-client collector of the chain's numbers (see the module).

    Args:
        status: The chain's status.
        runs: The run log.
        clock: The time.
        tz: The chain's time zone ("today").
        cache: Seconds a look at the store is reused for.
    """

    def __init__(
        self,
        status: ChainStatus,
        runs: RunLog,
        clock: Clock,
        tz: tzinfo,
        *,
        cache: float = 5.0,
    ) -> None:
        self._status = status
        self._runs = runs
        self._clock = clock
        self._tz = tz
        self._cache = dt.timedelta(seconds=cache)
        self._lock = threading.Lock()
        self._seen: tuple[dt.datetime, list[Any]] | None = None

    def describe(self) -> list[Any]:
        """No metrics at registration: the store is looked at on a scrape only."""
        return []

    def collect(self) -> Iterator[Any]:
        """The metrics now (at most one look at the store per ``cache`` seconds)."""
        now = self._clock.now()
        with self._lock:
            if self._seen is None or now - self._seen[0] >= self._cache:
                self._seen = (now, self._families(now))
            families = self._seen[1]
        yield from families

    def _families(self, now: dt.datetime) -> list[Any]:
        from prometheus_client.core import GaugeMetricFamily

        midnight = now.astimezone(self._tz).replace(hour=0, minute=0, second=0, microsecond=0)
        kinds = (*WORKSTATION_KINDS, RunKind.DISPATCH, RunKind.TICK)
        today = self._runs.list_runs(kinds=kinds, since=midnight)
        counts = count_jobs(r for r in today if r.started_at >= midnight)
        found: list[Any] = []
        for job, name in _JOBS.items():
            family = GaugeMetricFamily(
                f"amparex_{name}_today",
                f"{job.capitalize()} jobs of today's runs by outcome and refusal code",
                labels=["outcome", "code"],
            )
            for (counted, outcome, code), value in sorted(counts.items()):
                if counted == job:
                    family.add_metric([outcome, code], value)
            found.append(family)
        report = self._status.report()
        found.extend(_status_families(report, now, GaugeMetricFamily))
        return found


def _status_families(
    report: StatusReport, now: dt.datetime, gauge: Callable[..., Any]
) -> list[Any]:
    batches = sum(len(i.open_batches) for i in report.interfaces)
    firsts = [
        f.first_seen
        for w in report.workstations
        for f in w.failing
        if f.job == "upload" and f.first_seen is not None
    ]
    oldest = max(((now - first).total_seconds() for first in firsts), default=0.0)
    silent = sum(1 for p in report.problems if p.kind is ProblemKind.WORKSTATION_SILENT)
    found = [
        gauge("amparex_open_batches", "Card-order batches not yet delivered", value=batches),
        gauge(
            "amparex_oldest_failing_upload_seconds",
            "Age of the oldest failing upload in seconds (0: none)",
            value=oldest,
        ),
        gauge(
            "amparex_workstations_silent",
            "Workstations without a program start within the threshold",
            value=silent,
        ),
    ]
    problems = gauge("amparex_problems", "Problems by kind", labels=["kind"])
    for kind in ProblemKind:
        problems.add_metric([kind.value], sum(1 for p in report.problems if p.kind is kind))
    found.append(problems)
    if report.server_last_tick is not None:
        found.append(
            gauge(
                "amparex_last_tick_timestamp_seconds",
                "When the chain server last ticked (Unix time)",
                value=report.server_last_tick.timestamp(),
            )
        )
    return found


def serve_metrics(collector: ChainCollector, address: str, port: int) -> Callable[[], None]:
    """Serve *collector* over HTTP on *address*:*port* in a daemon thread.

    Returns:
        A function that stops the server.

    Raises:
        MetricsUnavailable: The port cannot be bound (in use, not allowed).
    """
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    try:
        server, thread = start_http_server(port, addr=address, registry=registry)
    except OSError as exc:
        raise MetricsUnavailable(
            address=address, port=port, reason=exc.strerror or str(exc)
        ) from None

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
