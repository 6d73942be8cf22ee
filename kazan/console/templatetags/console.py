from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kazan.billing.money import money_format

register = template.Library()


@register.simple_tag
def change(current, previous):
    """ "+12 %" / "−5 %" against the previous period, coloured; "—" when there is nothing to
    compare with."""
    if not previous:
        return mark_safe('<span class="change muted">—</span>')
    percent = round((current - previous) * 100 / previous)
    direction = "up" if percent > 0 else "down" if percent < 0 else ""
    sign = "+" if percent > 0 else "−" if percent < 0 else "±"
    return format_html(
        '<span class="change {}" data-change="{}">{}{} %</span>',
        direction,
        percent,
        sign,
        abs(percent),
    )


@register.filter
def money(amount_minor, currency):
    return money_format(amount_minor or 0, currency)


@register.filter
def percent_of(part, whole):
    return round(part * 100 / whole) if whole else 0
