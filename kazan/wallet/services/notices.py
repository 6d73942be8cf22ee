"""What the wallet tells a customer (seed 004 §8.4): payment confirmation, a low balance, premium
about to expire. Each goes out after the change commits, on the customer's Telegram chat when
they have one (else the channel they last wrote on), once per idempotency key; a notice that
cannot be sent is logged without personal data and never undoes the change."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kazan.core.formatting import date_local, number_local
from kazan.core.money import money_format
from kazan.customers.queries import identities_for
from kazan.messaging.notify import customer_notify

if TYPE_CHECKING:
    import datetime as dt

    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business
    from kazan.wallet.models import TokenPurchase

logger = logging.getLogger("kazan.wallet.notices")

PREFERRED_CHANNEL = "telegram"


def _channel(business: Business, customer: Customer) -> str:
    channels = list(
        identities_for(business=business, customer=customer).values_list("channel", flat=True)
    )
    if PREFERRED_CHANNEL in channels or not channels:
        return PREFERRED_CHANNEL
    return channels[-1]


def _send(business: Business, customer: Customer, key: str, text: str) -> None:
    reason = customer_notify(
        business=business,
        customer=customer,
        channel=_channel(business, customer),
        text=text,
        idempotency_key=key,
    )
    if reason:
        logger.info("wallet notice %s not sent to customer %s", key.split(":")[0], customer.pk)


def _language(business: Business, customer: Customer) -> str:
    return customer.language or business.language or "en"


def notice_after_commit(
    *, business: Business, customer: Customer, key: str, render: Callable[[], str]
) -> None:
    """Schedules `render()` (called in the customer's language) to be sent once committed."""

    def send() -> None:
        with translation.override(_language(business, customer)):
            text = render()
        _send(business, customer, key, text)

    transaction.on_commit(send)


def payment_confirmed_text(purchase: TokenPurchase, balance: int, until: dt.datetime | None) -> str:
    paid = money_format(purchase.amount_minor, purchase.currency)
    if purchase.purpose == "premium" and until is not None:
        return _("Payment received: %(amount)s. Your premium is active until %(date)s.") % {
            "amount": paid,
            "date": date_local(timezone.localtime(until).date()),
        }
    return ngettext(
        "Payment received: %(amount)s. %(tokens)s token was added; your balance is %(balance)s.",
        "Payment received: %(amount)s. %(tokens)s tokens were added; your balance is %(balance)s.",
        purchase.tokens,
    ) % {
        "amount": paid,
        "tokens": number_local(purchase.tokens),
        "balance": number_local(balance),
    }


def low_balance_text(balance: int) -> str:
    return ngettext(
        "Your balance is low: %(balance)s token left. Send /tokens to top up.",
        "Your balance is low: %(balance)s tokens left. Send /tokens to top up.",
        balance,
    ) % {"balance": number_local(balance)}


def premium_expiring_text(until: dt.datetime) -> str:
    return _(
        "Your premium subscription ends on %(date)s. Renew it to keep priority processing "
        "and subscriber prices."
    ) % {"date": date_local(timezone.localtime(until).date())}
