"""Channel state of a person: blocked numbers and WhatsApp's customer-service window (issue 12)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from kazan.core.errors import ValidationFailed
from kazan.customers.identities import (
    external_id_normalize,
    identity_channel_valid,
    identity_index_for,
)
from kazan.customers.models import ChannelIdentity, Customer

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


def customer_on_channel(*, channel: str, customer_ref: str = "pk") -> Exists:
    """EXISTS(the outer customer has an identity on `channel`): who a chat broadcast can reach
    (a Telegram user known as a customer of the business)."""
    return Exists(
        ChannelIdentity.objects.filter(
            customer_id=OuterRef(customer_ref), channel=identity_channel_valid(channel)
        )
    )


def customers_active(*, business: Business) -> QuerySet[Customer]:
    """The business's customers who are neither erased nor blocked by the team, in id order:
    everyone a service notice may go to (no marketing consent needed)."""
    return Customer.objects.filter(
        business=business, erased_at__isnull=True, blocked_at__isnull=True
    ).order_by("pk")


def customer_channel_handle(*, business: Business, customer_id: int, channel: str) -> str:
    """The customer's handle on `channel` (a Telegram chat id), the identity they used last;
    "" when they have none (or were erased)."""
    identity = (
        ChannelIdentity.objects.filter(
            business=business,
            customer_id=customer_id,
            customer__erased_at__isnull=True,
            channel=identity_channel_valid(channel),
        )
        .order_by(F("last_seen_at").desc(nulls_last=True), "-pk")
        .only("external_id")
        .first()
    )
    return identity.external_id if identity is not None else ""
