"""Adapters to third-party messaging services, one folder per provider (see base.py)."""
