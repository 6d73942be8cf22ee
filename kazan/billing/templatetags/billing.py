"""`{% load billing %}{% quota_banner %}`: the SMS quota warning anywhere in the dashboard."""

from django import template

from kazan.billing.plan_forms import PAYMENT_METHOD_LABELS
from kazan.billing.queries import quota_warning
from kazan.core.money import money_format

register = template.Library()


@register.inclusion_tag("billing/quota_banner.html", takes_context=True)
def quota_banner(context) -> dict:
    """Renders nothing unless the current business is at 80 %, 95 % or out of credits."""
    business = context.get("business")
    membership = context.get("membership")
    quota = quota_warning(business=business) if business is not None else None
    return {
        "quota": quota,
        "can_manage": bool(membership and membership.can("billing.manage")),
    }


@register.filter
def money(payment, language: str | None = None) -> str:
    """`{{ payment|money:business.language }}`: an amount in minor units, formatted."""
    return money_format(payment.amount_minor, payment.currency, language or None)


@register.filter
def invoice_total(invoice, language: str | None = None) -> str:
    """`{{ invoice|invoice_total:business.language }}`: an invoice's gross total, formatted."""
    return money_format(invoice.total_minor, invoice.currency, language or None)


@register.filter
def payment_method(gateway: str) -> str:
    """`{{ payment.gateway|payment_method }}`: "Bank transfer" for "manual" (and for no
    gateway at all), a gateway's brand name otherwise."""
    return str(PAYMENT_METHOD_LABELS.get(gateway or "manual", gateway))
