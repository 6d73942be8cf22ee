"""Who hears of a completed registration: the agent (an app above links) registers a callback
to thank the customer and continue the chat on the channel the link came from."""

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

RegisteredListener = Callable[[Any, Any, str], None]

_listeners: list[RegisteredListener] = []


def registered_listener_register(callback: RegisteredListener) -> None:
    """Call `callback(business, customer, channel)` after each registration form is saved (on
    commit). Registering the same callback twice keeps one. Call from AppConfig.ready()."""
    if callback not in _listeners:
        _listeners.append(callback)


def registered_listeners() -> list[RegisteredListener]:
    return list(_listeners)


def registered_notify_on_commit(business: Any, customer: Any, channel: str) -> None:
    """Schedule every listener for when the registration's transaction commits. One failing
    listener is logged and does not stop the others (the customer is registered either way)."""

    def run() -> None:
        for callback in registered_listeners():
            try:
                callback(business, customer, channel)
            except Exception:
                logger.exception(
                    "registered listener failed",
                    extra={"business_id": business.pk, "customer_id": customer.pk},
                )

    transaction.on_commit(run)
