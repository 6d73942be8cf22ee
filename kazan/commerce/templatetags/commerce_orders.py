"""Template helpers of the order pages: money in the reader's language."""

from django import template

from kazan.core.money import money_format

register = template.Library()


@register.simple_tag
def order_money(amount_minor: int | None, currency: str, language: str | None = None) -> str:
    return money_format(int(amount_minor or 0), currency, language or None)
