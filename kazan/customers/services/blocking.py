"""Blocking a customer: the team stops a number's messages from reaching the bot or the inbox
(seed 002's "customer blocked?" step). Inbound messages of a blocked customer are ignored by
the channels (WhatsApp, SMS); nothing is deleted, and unblocking lets them through again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.customers.models import ChannelIdentity, Customer
from kazan.customers.queries import customer_is_blocked
from kazan.customers.services.guards import customer_locked, in_business

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

__all__ = ["customer_block", "customer_is_blocked", "customer_unblock", "identity_inbound_mark"]


def _set_blocked(
    *, business: Business, customer: Customer, actor: Actor, blocked: bool
) -> Customer:
    in_business(business, customer)
    with transaction.atomic():
        current = customer_locked(business, customer)
        if (current.blocked_at is not None) == blocked:
            return current
        current.blocked_at = timezone.now() if blocked else None
        Customer.objects.filter(pk=current.pk, business=business).update(
            blocked_at=current.blocked_at
        )
        activity_record(
            business=business,
            actor=actor,
            action="customer.blocked" if blocked else "customer.unblocked",
            target=current,
            data={},
        )
    customer.blocked_at = current.blocked_at
    return current


def customer_block(*, business: Business, customer: Customer, actor: Actor) -> Customer:
    """Blocks the customer: their messages on every channel are ignored from now on."""
    return _set_blocked(business=business, customer=customer, actor=actor, blocked=True)


def customer_unblock(*, business: Business, customer: Customer, actor: Actor) -> Customer:
    """Lets the customer's messages through again."""
    return _set_blocked(business=business, customer=customer, actor=actor, blocked=False)


def identity_inbound_mark(
    *, business: Business, channel: str, handle: str, display_name: str = ""
) -> None:
    """The person behind `handle` wrote on `channel` now: opens (or keeps open) the channel's
    customer-service window; `display_name` is what the channel calls them (WhatsApp's profile
    name). Only the customer's own messages call it."""
    from kazan.customers.identities import external_id_normalize, identity_index_for

    index = identity_index_for(channel, external_id_normalize(handle))
    changes: dict[str, object] = {"last_inbound_at": timezone.now()}
    if display_name.strip():
        changes["display_name"] = display_name.strip()[:120]
    ChannelIdentity.objects.filter(business=business, channel=channel, external_index=index).update(
        **changes
    )
