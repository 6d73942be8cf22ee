"""Kazan's name on the pages a business's customers see: shown ("Powered by Kazan", the page
title, the favicon) unless the business's plan has white label (decision 0033,
kazan.core.branding), then the business's own name stands in. Pages of an unknown business keep
Kazan's name."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from kazan.core.branding import white_label

register = template.Library()

PLATFORM_NAME = "Kazan"


@register.simple_tag
def platform_name(business) -> str:
    """ "Kazan", or under white label the business's own name (page titles)."""
    return business.name if white_label(business) else PLATFORM_NAME


@register.simple_tag
def platform_icon(business) -> SafeString:
    """Kazan's favicon, or under white label none (the browser asks for nothing)."""
    if white_label(business):
        return SafeString('<link rel="icon" href="data:,">')
    return format_html(
        '<link rel="icon" href="{}" type="image/svg+xml">', static("kazan/favicon.svg")
    )


@register.simple_tag
def powered_by(business, css_class: str = "powered-by") -> SafeString:
    """The "Powered by Kazan" line of the landing page and the widget; nothing under white
    label."""
    if white_label(business):
        return SafeString("")
    return format_html(
        '<p class="{}" data-powered-by>{}</p>',
        css_class,
        gettext("Powered by %(platform)s") % {"platform": PLATFORM_NAME},
    )
