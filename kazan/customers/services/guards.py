"""Checks every customer write runs first: the customer belongs to the business and is not
erased, and what a client says about where and how it acted is well-formed."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import Customer

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# Who acts: a signed-in user, or nobody (the customer themselves, an API key, the system; then
# `actor_kind` says which).

USER_AGENT_MAX_LENGTH = 400
_CHANNEL = re.compile(r"^[a-z0-9_.:-]{1,32}$")


def in_business(business: Business, customer: Customer) -> None:
    """Fails closed: a customer object of another business is "not found" here."""
    if customer.business_id != business.pk:
        raise NotFound(_("This customer does not exist."))


def not_erased(customer: Customer) -> None:
    if customer.erased_at is not None:
        raise Conflict(_("This customer's data has been erased."), code=CustomersErrorCode.ERASED)


def customer_locked(business: Business, customer: Customer) -> Customer:
    """The customer's row, locked for this transaction and checked live (not the caller's copy).

    customer_erase takes the same lock, so nothing is attached to a customer after erasure.
    """
    current = Customer.objects.select_for_update().filter(business=business, pk=customer.pk).first()
    if current is None:
        raise NotFound(_("This customer does not exist."))
    not_erased(current)
    return current


def channel_valid(channel: str) -> str:
    """Where something happened: web, sms, whatsapp, telegram, dashboard, api, erasure…"""
    if not isinstance(channel, str) or not _CHANNEL.match(channel):
        raise ValidationFailed(_("Unknown channel."), code=CustomersErrorCode.INVALID_CHANNEL)
    return channel


def ip_valid(ip: str) -> str:
    text = (ip or "").strip()
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValidationFailed(
            _("This is not a valid IP address."), code=CustomersErrorCode.INVALID_IP
        ) from None


def user_agent_clean(user_agent: str) -> str:
    # Headers are attacker-controlled: keep printable characters only, bounded.
    text = "".join(ch for ch in (user_agent or "") if ch.isprintable())
    return text.strip()[:USER_AGENT_MAX_LENGTH]


def actor_kind_or(actor: Actor, actor_kind: str | None, default: str) -> str | None:
    """Without a signed-in user, who acted: the customer themselves, an API key, the system."""
    if actor_kind:
        return actor_kind
    return None if getattr(actor, "is_authenticated", False) else default
