"""Channel state of a person: blocked numbers and WhatsApp's customer-service window (issue 12)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from kazan.core.errors import ValidationFailed
from kazan.customers.identities import (
    external_id_normalize,
    identity_channel_valid,
    identity_index_for,
)
from kazan.customers.models import ChannelIdentity

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def _identity_for_handle(
    *, business: Business, channel: str, handle: str
) -> ChannelIdentity | None:
    try:
        index = identity_index_for(identity_channel_valid(channel), external_id_normalize(handle))
    except ValidationFailed:
        return None
    return (
        ChannelIdentity.objects.select_related("customer")
        .filter(business=business, channel=channel, external_index=index)
        .first()
    )


def customer_is_blocked(*, business: Business, channel: str, handle: str) -> bool:
    """Whether the person behind `handle` on `channel` is a customer the team blocked: their
    messages are ignored (seed 002: "customer blocked?" before anything else)."""
    identity = _identity_for_handle(business=business, channel=channel, handle=handle)
    return bool(
        identity is not None
        and identity.customer is not None
        and identity.customer.blocked_at is not None
    )


def service_window_open(
    *,
    business: Business,
    channel: str,
    handle: str,
    hours: int = 24,
    now: dt.datetime | None = None,
) -> bool:
    """Whether free-form messages may reach `handle`: the person's own last message on the
    channel is less than `hours` old (WhatsApp's customer-service window)."""
    identity = _identity_for_handle(business=business, channel=channel, handle=handle)
    if identity is None or identity.last_inbound_at is None:
        return False
    return (now or timezone.now()) < identity.last_inbound_at + dt.timedelta(hours=hours)
