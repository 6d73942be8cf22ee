"""The dashboard navigation's unread count: one query per request, however often it is shown."""

from django import template

from kazan.inbox.queries import inbox_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context) -> int:
    request = context.get("request")
    business = getattr(request, "business", None)
    if business is None or getattr(request, "membership", None) is None:
        return 0
    if not hasattr(request, "_inbox_unread"):
        request._inbox_unread = inbox_unread_count(business=business)
    return request._inbox_unread
