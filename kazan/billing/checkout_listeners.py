"""Checkouts that are not billing's own: an app above billing (commerce: a customer paying an
order) starts a checkout through the same gateway, and its webhook arrives at billing's
endpoint. When no billing Payment has the event's reference, gateway_event_apply asks the
listeners registered here (from the higher app's AppConfig.ready()); the first that knows the
reference handles the event and says what happened. The event is already recorded by then, so
a replay never reaches a listener twice."""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kazan.billing.services.payments import GatewayEventData

# (event) -> a result ("applied", "unchanged", "mismatch", …), or None: not mine.
CheckoutListener = Callable[["GatewayEventData"], str | None]

_listeners: list[CheckoutListener] = []


def checkout_listener_register(listener: CheckoutListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def checkout_listeners() -> list[CheckoutListener]:
    return list(_listeners)
