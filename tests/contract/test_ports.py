"""The contracts of the smaller ports on every adapter of factories.py.

LL4–LL8 (export targets, file delivery), CO8, CO16 (renderers, parcel delivery), CR1, CR4,
CR5 (readers), LL5 (statistic sources), master data and clocks: each class runs the kit's
contract class of its port (:mod:`amparex_adapters.testing.contracts`) with the fixture of
the same name from conftest.py.
"""

from __future__ import annotations

from amparex_adapters.testing.contracts import (
    CardWriterContract,
    ClockContract,
    DocumentRendererContract,
    ExportTargetContract,
    FileDeliveryContract,
    MasterDataContract,
    MasterDataSearchContract,
    ParcelDeliveryContract,
    ProcessTableContract,
    StatisticSourceContract,
)


class TestExportTargets(ExportTargetContract):
    """Memory and folder export targets, incl. the write-once state machine (LL6, LL7)."""


class TestFileDeliveries(FileDeliveryContract):
    """Memory, folder, SFTP (OpenSSH, asyncssh), FTPS and FTP against their real peers (LL8)."""


class TestParcelDeliveries(ParcelDeliveryContract):
    """Memory, parcels as files (folder, SFTP, FTPS) and SMTP (CO16)."""


class TestRenderers(DocumentRendererContract):
    """The text renderer and the PDF form renderer (CO8, CO16)."""


class TestReaders(CardWriterContract):
    """The scripted, PC/SC (pcscd + vpcd) and NFC (nfcpy's UDP driver) readers (CR1–CR5)."""


class TestMasterData(MasterDataContract):
    """Memory and SQL master data (SQLite, PostgreSQL)."""


class TestMasterDataSearch(MasterDataSearchContract):
    """Listing and searching memory and SQL master data (SQLite, PostgreSQL), by page."""


class TestStatisticSources(StatisticSourceContract):
    """Memory and SQL statistic sources (SQLite, PostgreSQL) (LL5)."""


class TestClocks(ClockContract):
    """The system clock and the manual clock."""


class TestProcessTables(ProcessTableContract):
    """This host's process table (real child processes) and the fixed one (CO19)."""
