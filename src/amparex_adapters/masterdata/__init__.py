"""Adapters of the masterdata port."""
