"""The port contract suites, as test classes a host project subclasses.

One class per port. Subclass it in a test module of yours, provide the fixture its
docstring names (in the class or in a ``conftest.py``), and pytest runs the port's whole
contract on your adapter — plain tests, hypothesis state machines against a dict model
and concurrency tests alike::

    import pytest
    from amparex_adapters.testing.contracts import FileDeliveryContract

    class TestMyDelivery(FileDeliveryContract):
        @pytest.fixture
        def file_delivery(self):
            delivery = MyDelivery()
            return delivery, delivery.read_back

A fixture with ``params`` runs the suite once per parameter: that is how the project's
own ``tests/contract`` runs every shipped adapter through these classes.

=============================  ====================  =============================================
class                          fixture               the fixture returns
=============================  ====================  =============================================
``StorageContract``            ``make_storage``      a callable returning a new, empty store
``MasterDataContract``         ``masterdata``        ``(port, add)``
``MasterDataSearchContract``   ``masterdata``        ``(port, add)``
``StatisticSourceContract``    ``statistic_source``  ``(source, template_for)``
``ExportTargetContract``       ``export_target``     ``(target, directory)``
``DocumentRendererContract``   ``renderer``          ``(renderer, samples)``
``FileDeliveryContract``       ``file_delivery``     ``(delivery, fetch)``
``ParcelDeliveryContract``     ``parcel_delivery``   ``(delivery, received)``
``CardReaderContract``         ``reader``            ``(reader, present, remove)``
``CardWriterContract``         ``reader``            ``(writer, present, remove)``
``ClockContract``              ``clock``             the clock
``OperationsContract``         ``make_storage``      as for ``StorageContract`` (a store with
                                                     the run log and the alert ledger)
``ProcessTableContract``       ``processes``         ``(table, spawn)``
=============================  ====================  =============================================

``StorageContract`` includes ``ClaimsContract``: the claims on batch deliveries and
uploads (CO19, LL8) and gap-free batch numbers.

Each class's docstring says what its fixture's parts must do. Needs the ``testing`` extra
(``pip install "amparex-core[testing]"``); without pytest or hypothesis importing this
module raises :class:`~amparex_adapters._extras.MissingExtraError`.
"""

from __future__ import annotations

# isort: off
from amparex_adapters.testing import _needs  # noqa: F401 - pytest and hypothesis, or a clear error

# isort: on
from ._claims import ClaimsContract
from ._exports import ExportTargetContract
from ._listings import ListingContract
from ._operations import OperationsContract
from ._ports import (
    CardReaderContract,
    CardWriterContract,
    ClockContract,
    DocumentRendererContract,
    FileDeliveryContract,
    MasterDataContract,
    MasterDataSearchContract,
    ParcelDeliveryContract,
    RendererSamples,
    StatisticSourceContract,
)
from ._processes import ProcessTableContract
from ._storage import StorageContract

__all__ = [
    "CardReaderContract",
    "CardWriterContract",
    "ClaimsContract",
    "ClockContract",
    "DocumentRendererContract",
    "ExportTargetContract",
    "FileDeliveryContract",
    "ListingContract",
    "MasterDataContract",
    "MasterDataSearchContract",
    "OperationsContract",
    "ParcelDeliveryContract",
    "ProcessTableContract",
    "RendererSamples",
    "StatisticSourceContract",
    "StorageContract",
]

# Documented and shown under this package's name, whichever private module defines them.
for _name in __all__:
    globals()[_name].__module__ = __name__
