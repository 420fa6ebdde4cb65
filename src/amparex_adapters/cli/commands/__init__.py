"""The command groups of ``amparex``: one module per group, registered by the root.

:mod:`~amparex_adapters.cli.app` adds each module's group (or command) to the root
``cli``; a group module builds on :mod:`amparex_adapters.cli.shell` and never imports
the root.
"""
