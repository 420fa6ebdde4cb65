"""Adapters of amparex-core: one sub-package per port, one module per technology.

The in-memory adapters (``memory`` modules, the scripted reader, the recording delivery)
are public: integrators test their host application against them. Adapters with a
third-party library need their extra (``pip install "amparex-core[sftp]"``); importing one
without it raises an :class:`ImportError` that names the extra.
"""
