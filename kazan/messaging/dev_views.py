"""The development inbox: what the console SMS provider "sent", with full numbers and texts.

Mounted at /dev/ only when DEBUG or KAZAN_TESTING (kazan/urls.py), and each view refuses with a
404 otherwise, so a production deployment never shows it even if the URL map changes. It spans all
businesses like a mail catcher: open on a developer's DEBUG machine, staff only anywhere else.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kazan.core.errors import ValidationFailed
from kazan.customers.phones import phone_normalize
from kazan.messaging.models import OutboundMessage
from kazan.messaging.phones import to_index

INBOX_SIZE = 100


def _dev_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (settings.DEBUG or (settings.TESTING and request.user.is_staff)):
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


def _inbox(request: HttpRequest) -> tuple[list[OutboundMessage], str, str, str]:
    """Newest first; filters: ?business=<slug>, ?to=<number> (a "+" typed into a URL arrives
    as a space, so "?to=+49…" works unencoded)."""
    messages = (
        OutboundMessage.objects.filter(provider__in=["console", ""])
        .select_related("business")
        .order_by("-created_at", "-id")
    )
    slug = request.GET.get("business", "").strip()
    if slug:
        messages = messages.filter(business__slug=slug)
    raw_to = request.GET.get("to", "").strip()
    error = ""
    if raw_to:
        try:
            # "+49…" typed into a URL query arrives as " 49…": digits alone were meant as E.164.
            number = phone_normalize("+" + raw_to if raw_to[0].isdigit() else raw_to, region="")
        except ValidationFailed as exc:
            error = str(exc.message)
            messages = messages.none()
        else:
            messages = messages.filter(to_index=to_index(number))
    return list(messages[:INBOX_SIZE]), slug, raw_to, error


@_dev_only
@require_GET
@never_cache
def outbox(request: HttpRequest) -> HttpResponse:
    messages, slug, raw_to, error = _inbox(request)
    return render(
        request,
        "messaging/dev_outbox.html",
        {"messages_list": messages, "slug": slug, "to": raw_to, "error": error},
    )


@_dev_only
@require_GET
@never_cache
def outbox_json(request: HttpRequest) -> JsonResponse:
    messages, _slug, _to, error = _inbox(request)
    if error:
        return JsonResponse({"code": "invalid", "message": error}, status=400)
    return JsonResponse(
        {
            "messages": [
                {
                    "id": message.pk,
                    "business": message.business.slug,
                    "to": message.to,
                    "body": message.body,
                    "purpose": message.purpose,
                    "status": message.status,
                    "segments": message.segments,
                    "created_at": message.created_at.isoformat(),
                }
                for message in messages
            ]
        }
    )
