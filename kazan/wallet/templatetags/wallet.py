"""Template helpers of the wallet pages: money and signed token amounts in the reader's
language."""

from django import template

from kazan.core.formatting import number_local
from kazan.core.money import money_format

register = template.Library()


@register.simple_tag
def wallet_money(amount_minor: int | None, currency: str) -> str:
    return money_format(int(amount_minor or 0), currency)


@register.filter
def signed_tokens(amount: int) -> str:
    """+250 / −120, grouped in the active language."""
    text = number_local(abs(amount))
    return f"+{text}" if amount > 0 else f"−{text}"
