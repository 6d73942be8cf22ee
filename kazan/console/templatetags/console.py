from django import template

from kazan.core.money import money_format
from kazan.core.templatetags.figures import change

register = template.Library()


register.simple_tag(change)


@register.filter
def money(amount_minor, currency):
    return money_format(amount_minor or 0, currency)


@register.filter
def percent_of(part, whole):
    return round(part * 100 / whole) if whole else 0
