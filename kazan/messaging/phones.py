"""Recipient numbers are normalized by kazan.customers.phones; here only their blind index."""

from kazan.core.crypto import blind_index


def to_index(e164: str) -> str:
    """Blind index of a recipient number: equal numbers, equal index; nothing else leaks."""
    return blind_index(e164, scope="messaging.to") if e164 else ""
