"""Adapters of the exports port."""
