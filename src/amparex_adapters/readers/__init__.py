"""Adapters of the readers port."""
