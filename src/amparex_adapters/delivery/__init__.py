"""Adapters of the delivery port."""
