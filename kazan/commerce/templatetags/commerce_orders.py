"""Template helpers of the order pages: money in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

from kazan.core.money import money_format

register = template.Library()


@register.simple_tag
def order_money(amount_minor: int | None, currency: str, language: str | None = None) -> str:
    return money_format(int(amount_minor or 0), currency, language or None)


@register.filter
def order_status_label(value: str) -> str:
    """An order status's name for people ("pending" → "Pending payment")."""
    from kazan.commerce.models import OrderStatus

    return str(OrderStatus(value).label) if value in OrderStatus.values else value


@register.filter
def order_channel_label(value: str) -> str:
    """The channel an order came from, for people ("whatsapp" → "WhatsApp")."""
    from kazan.customers.queries import IDENTITY_CHANNEL_CHOICES

    return str(dict(IDENTITY_CHANNEL_CHOICES).get(value, value))


# Who changed an order when no team member did (OrderEvent.actor_kind).
ORDER_ACTOR_LABELS = {
    "customer": _("Customer"),
    "member": _("Team member"),
    "system": _("Kazan"),
}


@register.filter
def order_actor_label(value: str) -> str:
    """ "customer" → "Customer"; a provider ("provider:stripe") → its name."""
    if value.startswith("provider:"):
        return value.split(":", 1)[1].capitalize()
    return str(ORDER_ACTOR_LABELS.get(value, value))


@register.filter
def tokens(value: int | None) -> str:
    """A token amount for people: "1,550 tokens" in the reader's number format."""
    from kazan.commerce.tokens import tokens_format

    return tokens_format(value)


@register.filter
def token_status_label(value: str) -> str:
    """A token order's status for people ("pending" → "Waiting": it waits in the queue)."""
    from kazan.commerce.queries.queue import token_status_label as label

    return label(value)
