"""The composition's operations parts (OP1–OP3): run recorder, status, alerts, server hooks.

Wiring only, for :class:`~amparex_adapters.cli.compose.Composition`: which store keeps the
run log, which thresholds and retention the configuration names, which hooks the chain
server gets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Protocol

from amparex_adapters.i18n import _
from amparex_core.domain.errors import StorageUnavailable
from amparex_core.ports.operations import OperationsLog, RunLog
from amparex_core.services.runlog import RunRecorder

from .errors import ExtraMissing

if TYPE_CHECKING:  # the server's pieces only where used: a program start needs none
    from amparex_core.ports.clock import Clock
    from amparex_core.ports.delivery import ParcelDelivery
    from amparex_core.ports.storage import Storage
    from amparex_core.services.alerting import Alerting
    from amparex_core.services.server import TickHook
    from amparex_core.services.status import ChainStatus

    from .config import Config

__all__ = ["alerting", "chain_status", "run_recorder", "server_hooks", "start_metrics"]


class _HasStatus(Protocol):
    @property
    def chain_status(self) -> ChainStatus: ...


def run_recorder(storage: Storage, clock: Clock, config: Config) -> RunRecorder | None:
    """A recorder into *storage*'s run log; ``None`` when the store keeps none."""
    if not isinstance(storage, RunLog):
        return None
    return RunRecorder(storage, clock, retention=config.run_log.retention)


def chain_status(storage: Storage, clock: Clock, tz: tzinfo, config: Config) -> ChainStatus:
    """The chain's status from *storage* with ``[status]``'s thresholds.

    A server is expected to tick where card orders are dispatched by ``amparex serve``.

    Raises:
        StorageUnavailable: The store keeps no run log.
    """
    if not isinstance(storage, RunLog):
        scheme = config.storage_url.partition("://")[0]
        raise StorageUnavailable(store=scheme, reason=_("it keeps no run log"))
    from amparex_core.services.status import ChainStatus

    return ChainStatus(
        runs=storage,
        orders=storage,
        clock=clock,
        tz=tz,
        thresholds=config.status.thresholds,
        expect_server=config.card_order_dispatch == "server",
        uploads=storage,
        interfaces=storage,
    )


def alerting(
    storage: Storage, parcels: ParcelDelivery, clock: Clock, tz: tzinfo
) -> Alerting | None:
    """Alerts as parcels (an e-mail each over SMTP); ``None`` when the store keeps no ledger."""
    from amparex_adapters.alerts import ParcelAlerts

    if not isinstance(storage, OperationsLog):
        return None
    from amparex_core.services.alerting import Alerting

    return Alerting(ledger=storage, sender=ParcelAlerts(parcels), clock=clock, tz=tz)


def server_hooks(
    config: Config,
    recorder: RunRecorder | None,
    alerts: Alerting | None,
    status: _HasStatus,
) -> list[TickHook]:
    """The chain server's hooks: record each tick; check alerts every ``alert_every``."""
    hooks: list[TickHook] = []
    if recorder is not None:
        from amparex_core.services.server import record_ticks

        hooks.append(record_ticks(recorder, config.server_name))
    if alerts is not None:
        every = dt.timedelta(seconds=config.status.alert_every)
        hooks.append(alerts.tick_hook(status.chain_status, every=every))
    return hooks


def start_metrics(
    config: Config, status: ChainStatus, storage: Storage, clock: Clock, tz: tzinfo
) -> Callable[[], None] | None:
    """Start the metrics endpoint of ``[server] metrics_port``; ``None`` when unset.

    Returns:
        A function that stops it.

    Raises:
        ExtraMissing: prometheus-client is not installed (extra ``metrics``).
        MetricsUnavailable: The port cannot be bound.
    """
    cfg = config.server
    if cfg.metrics_port is None or not isinstance(storage, RunLog):
        return None
    try:
        import prometheus_client  # noqa: F401 - only: is it there?
    except ImportError:
        raise ExtraMissing(feature="[server] metrics_port", extra="metrics") from None
    from amparex_adapters.metrics import ChainCollector, serve_metrics

    collector = ChainCollector(status, storage, clock, tz)
    return serve_metrics(collector, cfg.metrics_address, cfg.metrics_port)
