"""Template helpers of the order pages: money in the reader's language."""

from django import template

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
