"""{% change current previous %}: how a figure moved against the period it is compared with,
shared by the dashboard's and the console's overviews."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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
