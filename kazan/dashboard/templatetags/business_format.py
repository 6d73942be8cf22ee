"""{{ value|number_local:business.language }} and {{ value|number_local1:business.language }}
(one decimal): numbers in the business's locale (see core.formatting)."""

from django import template

from kazan.core.formatting import number_local as _number_local

register = template.Library()


@register.filter
def number_local(value, language: str) -> str:
    return _number_local(value, language)


@register.filter
def number_local1(value, language: str) -> str:
    return _number_local(value, language, decimal_pos=1)
