"""Adapters of the exports port (the workstation folder of Loyalty Lab files, LL4–LL8).

* :mod:`.folder` — :class:`~.folder.FolderExportTarget`: files on the local file system,
  written through a temp file, fsynced and hard-linked into place, so a file appears
  complete or not at all and is never replaced (LL6, LL7); the file-name pattern is
  documented there.
* :mod:`.memory` — :class:`~.memory.MemoryExportTarget`: folders in memory, for tests
  and demos.

Importing this package loads no third-party library.
"""
