"""Abandoned-cart re-engagement (seed 002): once per cart, a reminder to a customer whose
open cart is older than CommerceSettings.abandoned_cart_hours and who agreed to offers on
that channel ("<channel>_marketing"). Only consenting customers ever get it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kazan.commerce.models import Cart, CommerceSettings
from kazan.commerce.queries.orders import carts_abandoned, commerce_settings_for
from kazan.commerce.services.notifications import cart_reminder_send

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

BATCH = 200


def carts_remind(*, business: Business, now: dt.datetime | None = None) -> int:
    """Reminds the business's consenting customers of their abandoned carts; returns how many
    reminders were queued."""
    from kazan.customers.queries import customers_consenting

    hours = commerce_settings_for(business=business).abandoned_cart_hours
    if not hours:
        return 0
    now = now or timezone.now()
    sent = 0
    carts = list(
        carts_abandoned(business=business, older_than=now - dt.timedelta(hours=hours))[:BATCH]
    )
    for cart in carts:
        purpose = f"{cart.channel}_marketing"
        try:
            consenting = (
                customers_consenting(business=business, purpose=purpose)
                .filter(pk=cart.customer_id)
                .exists()
            )
        except Exception:
            consenting = False
        if not consenting:
            continue
        with transaction.atomic():
            if cart_reminder_send(business=business, cart=cart):
                sent += 1
    return sent


def unscoped_carts_remind_all(*, now: dt.datetime | None = None) -> int:
    """Every business with open carts (the periodic task)."""
    from kazan.tenancy.queries import unscoped_businesses_active

    business_ids = set(
        Cart.objects.filter(status=Cart.Status.OPEN, reminded_at__isnull=True)
        .values_list("business_id", flat=True)
        .distinct()
    )
    disabled = set(
        CommerceSettings.objects.filter(
            business_id__in=business_ids, abandoned_cart_hours=0
        ).values_list("business_id", flat=True)
    )
    total = 0
    for business in unscoped_businesses_active().filter(pk__in=business_ids - disabled):
        total += carts_remind(business=business, now=now)
    return total
