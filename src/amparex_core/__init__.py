"""amparex-core: customer-card ordering and the Loyalty Lab export, as a hexagonal library.

The domain (:mod:`amparex_core.domain`) holds the objects and rules; the ports
(:mod:`amparex_core.ports`) the contracts adapters implement; the services
(:mod:`amparex_core.services`) the use cases. Adapters live in :mod:`amparex_adapters`.

Importing this package loads no adapter library and configures no logging: the package's
root logger ``amparex_core`` only gets a :class:`logging.NullHandler`, so a host
application decides where the records go.
"""

import logging as _logging

from ._version import __version__
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
