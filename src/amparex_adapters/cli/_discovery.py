"""Where the configuration file of the ``amparex`` command is looked for (OP4).

Private to :mod:`amparex_adapters.cli.config`, which re-exports its names: ``--config``,
``$AMPAREX_CONFIG``, ``./amparex.toml``, then ``amparex.toml`` in the user's and in the
system's configuration folder (platformdirs; ``/etc/amparex`` on Linux and other POSIX
systems but macOS).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from amparex_core.domain._records import frozen

__all__ = [
    "APP_NAME",
    "CONFIG_VARIABLE",
    "DEFAULT_CONFIG",
    "POSIX_SYSTEM_DIR",
    "ConfigSearch",
    "config_places",
    "find_config",
]

DEFAULT_CONFIG: Final = "amparex.toml"
CONFIG_VARIABLE: Final = "AMPAREX_CONFIG"
APP_NAME: Final = "amparex"
#: The system's configuration folder on POSIX systems other than macOS.
POSIX_SYSTEM_DIR: Final = Path("/etc/amparex")


@frozen
class ConfigSearch:
    """Where the configuration file was looked for, and what was found.

    Attributes:
        path: The file to read; ``None`` when none was found.
        named: Whether the file was named (``--config`` or ``$AMPAREX_CONFIG``): then it
            must exist.
        places: Every place looked at, in order (for messages).
    """

    path: Path | None
    named: bool
    places: tuple[str, ...]


def _user_dir() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False, roaming=True)


def _system_dir() -> Path:
    if os.name == "posix" and sys.platform != "darwin":
        return POSIX_SYSTEM_DIR
    import platformdirs

    return platformdirs.site_config_path(APP_NAME, appauthor=False)


def config_places() -> list[Path]:
    """The places a configuration file is looked for when none is named (in order).

    ``./amparex.toml``, then ``amparex.toml`` in the user's and in the system's
    configuration folder (see the module's description).
    """
    return [Path(DEFAULT_CONFIG), _user_dir() / DEFAULT_CONFIG, _system_dir() / DEFAULT_CONFIG]


def find_config(option: str | os.PathLike[str] | None) -> ConfigSearch:
    """The configuration file to read: ``--config``, ``$AMPAREX_CONFIG``, then the places.

    A named file is returned whether it exists or not (reading it reports a missing
    one); otherwise the first of :func:`config_places` that is a file.
    """
    if option:
        path = Path(option).expanduser()
        return ConfigSearch(path, named=True, places=(f"--config {path}",))
    from_env = os.environ.get(CONFIG_VARIABLE)
    if from_env:
        path = Path(from_env).expanduser()
        return ConfigSearch(path, named=True, places=(f"${CONFIG_VARIABLE}={path}",))
    places = config_places()
    shown = tuple(str(p) for p in places)
    for place in places:
        if place.is_file():
            return ConfigSearch(place, named=False, places=shown)
    return ConfigSearch(None, named=False, places=shown)
