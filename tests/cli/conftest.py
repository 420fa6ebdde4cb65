"""Fixtures of the command-line tests."""

from .chain import chain

__all__ = ["chain"]
