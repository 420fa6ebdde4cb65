"""Adapters of the documents port."""
