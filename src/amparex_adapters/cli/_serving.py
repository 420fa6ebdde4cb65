"""The ``[claims]`` and ``[server]`` sections of the configuration, and who dispatches (CO20).

Part of :mod:`amparex_adapters.cli.config`, which lists every key.
"""

from __future__ import annotations

from typing import Literal

from amparex_adapters.i18n import _
from amparex_core.domain._records import frozen

from .errors import ConfigInvalid

__all__ = ["ClaimsConfig", "ServerConfig", "check_serving", "dispatch_mode"]


@frozen
class ClaimsConfig:
    """``[claims]``: claims on uploads and batch deliveries (CO19, LL8).

    Attributes:
        lease: Seconds a claim holds unless its holder renews it (every third of it); a
            dead holder's claim lapses after it (at once on the same host).
    """

    lease: float = 60.0


@frozen
class ServerConfig:
    """``[server]``: ``amparex serve``, the chain's server-side jobs (CO20).

    Attributes:
        name: How the server's claims name it; the host name by default.
        recheck: Seconds between looks for new orders, templates and retries between
            the period ends it sleeps to.
        retry_first: Seconds before the first retry of a failed delivery.
        retry_max: The longest wait between retries (the wait doubles up to it).
        metrics_port: The port of the Prometheus metrics endpoint (extra ``metrics``);
            ``None``: no endpoint.
        metrics_address: The address it listens on (loopback by default).
    """

    name: str | None = None
    recheck: float = 300.0
    retry_first: float = 60.0
    retry_max: float = 3600.0
    metrics_port: int | None = None
    metrics_address: str = "127.0.0.1"


def dispatch_mode(
    configured: Literal["startup", "server"] | None, storage_url: str
) -> Literal["startup", "server"]:
    """Who dispatches due card orders (CO20): *configured*, else by the store.

    A store of one computer (``sqlite://``, ``memory://``) dispatches at program start;
    a shared store (PostgreSQL, another kind) leaves it to ``amparex serve``.

    >>> dispatch_mode(None, "postgresql://db/amparex"), dispatch_mode(None, "sqlite:///a")
    ('server', 'startup')
    """
    if configured is not None:
        return configured
    scheme = storage_url.partition("://")[0].lower()
    return "startup" if scheme in ("sqlite", "memory") else "server"


def check_serving(label: str, claims: ClaimsConfig, server: ServerConfig) -> None:
    """Check the numbers of ``[claims]`` and ``[server]``.

    Raises:
        ConfigInvalid: A number of seconds out of range (the key is named).
    """
    _check_seconds(label, "claims.lease", claims.lease, least=1.0)
    _check_seconds(label, "server.recheck", server.recheck, least=1.0)
    _check_seconds(label, "server.retry_first", server.retry_first, least=1.0)
    _check_seconds(label, "server.retry_max", server.retry_max, least=server.retry_first)
    if server.metrics_port is not None and not 1 <= server.metrics_port <= 65535:
        raise ConfigInvalid(path=label, key="server.metrics_port", reason=_("1 to 65535 expected"))


def _check_seconds(label: str, key: str, value: float, *, least: float) -> None:
    """Refuse a number of seconds below *least*, or one that is not finite."""
    if not least <= value <= 366 * 86400:
        raise ConfigInvalid(
            path=label,
            key=key,
            reason=_("seconds from {least:g} to a year expected").format(least=least),
        )
