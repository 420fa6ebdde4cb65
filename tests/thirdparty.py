"""Tiny third-party distributions built in a test: a module and a ``*.dist-info`` folder.

A folder with ``<name>-<version>.dist-info/{METADATA,entry_points.txt}`` and the modules
next to it is a distribution to :mod:`importlib.metadata` once the folder is on
:data:`sys.path` (``monkeypatch.syspath_prepend``) or ``PYTHONPATH`` (a real process) —
exactly what ``pip install`` leaves in ``site-packages``, without pip.
"""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["DROP_BOX", "settle", "write_distribution"]


def write_distribution(
    site: Path,
    name: str,
    *,
    entry_points: Mapping[str, Mapping[str, str]],
    modules: Mapping[str, str] | None = None,
    version: str = "1.0",
) -> Path:
    """Write the distribution *name* into the folder *site*; returns its dist-info folder.

    Args:
        site: The folder to put on the path (created when missing).
        name: The distribution's name (``acme-amparex-drop``).
        entry_points: Group → entry-point name → object reference (``module:attr [extra]``).
        modules: Module name → source, written as ``<site>/<module>.py``.
        version: The distribution's version.
    """
    site.mkdir(parents=True, exist_ok=True)
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    lines: list[str] = []
    for group, entries in entry_points.items():
        lines.append(f"[{group}]")
        lines += [f"{entry} = {target}" for entry, target in entries.items()]
        lines.append("")
    (info / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")
    for module, source in (modules or {}).items():
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return info


def settle(*paths: Path, age: float, deep: bool = True) -> None:
    """Date *paths* (and, when *deep*, everything in them) *age* seconds back.

    The registry does not cache a scan that saw a folder or file changed within the last
    two seconds (a change in the same timestamp tick would go unseen); a test that wants
    the next process to find the cache file settles the folders it just wrote. Give each
    call of a test another *age*, so that every change gives the folder another time.
    """
    stamp = time.time_ns() - int(age * 1e9)
    for path in paths:
        for each in [*(path.rglob("*") if deep and path.is_dir() else ()), path]:
            os.utime(each, ns=(stamp, stamp))


DROP_BOX = '''
    """Acme's drop box: a FileDelivery that writes each file as ``<prefix><name>``."""

    from __future__ import annotations

    import os
    from pathlib import Path

    from amparex_core.domain.errors import DeliveryFailed
    from amparex_core.domain.parcels import DeliveryReceipt


    class DropBox:
        """Writes files into the folder *box*, under its own naming (``acme-<name>``)."""

        def __init__(self, *, box: str, prefix: str = "acme-", password: object = None) -> None:
            self.box = Path(box)
            if not self.box.is_dir():
                raise ValueError(f"box {box!r} is not a folder")
            self.prefix = prefix
            self.destination = f"acme-drop://{self.box}"

        def upload(self, file):
            with file.open() as source:
                data = source.read()
            if len(data) != file.size:
                raise DeliveryFailed(
                    destination=self.destination, item=file.name, reason="size differs"
                )
            target = self.box / f"{self.prefix}{file.name}"
            temporary = self.box / f".{target.name}.acme-tmp"
            temporary.write_bytes(data)
            os.replace(temporary, target)
            return DeliveryReceipt(
                destination=self.destination, reference=target.name, size=len(data)
            )
'''
"""The module ``acme_drop`` of the drop-box distribution: ``DropBox(box=…, prefix=…)``."""
