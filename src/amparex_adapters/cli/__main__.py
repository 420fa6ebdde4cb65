"""``python -m amparex_adapters.cli``: the ``amparex`` command."""

from amparex_adapters.cli import main

main()
