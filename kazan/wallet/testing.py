"""Test helpers for the wallet (and for other apps' tests that need a customer with tokens)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from kazan.customers.identities import identity_index_for
from kazan.customers.models import ChannelIdentity, Customer
from kazan.customers.tests.factories import CustomerFactory
from kazan.wallet.models import TokenEntryKind

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def wallet_customer(
    business: Business, *, tokens: int = 0, channel: str = "web", handle: str = ""
) -> Customer:
    """A customer of `business` reachable on `channel`, holding `tokens` (a credited test
    grant)."""
    from kazan.wallet.services import tokens_credit

    customer: Customer = CustomerFactory(business=business, language="en")  # type: ignore[assignment]
    handle = handle or secrets.token_urlsafe(12)
    ChannelIdentity.objects.create(
        business=business,
        customer=customer,
        channel=channel,
        external_id=handle,
        external_index=identity_index_for(channel, handle),
    )
    if tokens:
        tokens_credit(
            business=business,
            customer=customer,
            amount=tokens,
            kind=TokenEntryKind.PURCHASE,
            reference=f"test-grant:{customer.pk}",
        )
    return customer
