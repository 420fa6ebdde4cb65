"""Adapters of amparex-core: one sub-package per port, one module per technology.

The in-memory adapters (``memory`` modules, the scripted reader, the recording delivery)
are public: integrators test their host application against them. Adapters with a
third-party library need their extra (``pip install "amparex-core[sftp]"``); importing one
without it raises an :class:`ImportError` that names the extra.

Importing this package configures no logging: its root logger ``amparex_adapters`` only
gets a :class:`logging.NullHandler`; the composition root (a host application, the
``amparex`` command) adds the handlers.
"""

import logging as _logging

_logging.getLogger(__name__).addHandler(_logging.NullHandler())
