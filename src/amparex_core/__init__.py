"""amparex-core: customer-card ordering and the Loyalty Lab export, as a hexagonal library.

The domain (:mod:`amparex_core.domain`) holds the objects and rules; the ports
(:mod:`amparex_core.ports`) the contracts adapters implement; the services
(:mod:`amparex_core.services`) the use cases. Adapters live in :mod:`amparex_adapters`.

Importing this package loads no adapter library and configures no logging: the package's
root logger ``amparex_core`` only gets a :class:`logging.NullHandler`, so a host
application decides where the records go.
"""

import logging as _logging
from typing import TYPE_CHECKING

from ._version import __version__
from .domain import _lazy

if TYPE_CHECKING:
    from .domain import (
        AmparexError,
        CardKind,
        CardOrder,
        CardOrderSettings,
        CardTemplate,
        CardType,
        InterfaceConfig,
        InterfaceKind,
        LoyaltyLabSettings,
        OrderStatus,
        Secret,
        SecretRef,
        ShippingInterval,
        ShipTo,
        StatisticExport,
        StatisticKind,
        StatisticTemplate,
    )

# Where each public name lives: imported on first use (PEP 562), see amparex_core.domain._lazy.
_EXPORTS: dict[str, str] = {
    "AmparexError": ".domain",
    "CardKind": ".domain",
    "CardOrder": ".domain",
    "CardOrderSettings": ".domain",
    "CardTemplate": ".domain",
    "CardType": ".domain",
    "InterfaceConfig": ".domain",
    "InterfaceKind": ".domain",
    "LoyaltyLabSettings": ".domain",
    "OrderStatus": ".domain",
    "Secret": ".domain",
    "SecretRef": ".domain",
    "ShippingInterval": ".domain",
    "ShipTo": ".domain",
    "StatisticExport": ".domain",
    "StatisticKind": ".domain",
    "StatisticTemplate": ".domain",
}

__all__ = [
    "AmparexError",
    "CardKind",
    "CardOrder",
    "CardOrderSettings",
    "CardTemplate",
    "CardType",
    "InterfaceConfig",
    "InterfaceKind",
    "LoyaltyLabSettings",
    "OrderStatus",
    "Secret",
    "SecretRef",
    "ShipTo",
    "ShippingInterval",
    "StatisticExport",
    "StatisticKind",
    "StatisticTemplate",
    "__version__",
]

_logging.getLogger(__name__).addHandler(_logging.NullHandler())


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use."""
    return _lazy.load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return _lazy.names(__name__, _EXPORTS)
