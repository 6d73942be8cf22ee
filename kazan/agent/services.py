"""The shopping agent's use-cases (writes)."""
