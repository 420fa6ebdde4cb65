"""Fixtures of the command-line tests."""

from .chain import chain, pg_chain

__all__ = ["chain", "pg_chain"]
