"""Hypothesis strategies for every domain object (tested in tests/unit/test_strategies.py).

They moved into the contract kit, :mod:`amparex_adapters.testing.strategies`, whose storage
state machines draw from them; this module re-exports them, so ``from tests import
strategies as s`` keeps working.
"""

from amparex_adapters.testing.strategies import *  # noqa: F403
from amparex_adapters.testing.strategies import __all__ as __all__
