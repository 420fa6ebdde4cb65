"""Adapters of the statistics port."""
