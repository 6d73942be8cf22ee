"""The widget's public pages: the loader script at /widget.js, the chat frame at /widget/frame
and a demo host page at /widget/demo.

None of them sets a cookie (no CSRF token, no session, no language cookie): a visitor's
browser keeps nothing from Kazan. The frame may be embedded only by an origin the business
allowed, and says so in its Content Security Policy (frame-ancestors that origin, nothing
else); any other origin gets a page saying the chat is not enabled there, which no one may
frame."""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csp import get_nonce
from django.shortcuts import render
from django.utils import translation
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kazan.channels.widget.pages import framed_by, host_page_context
from kazan.channels.widget.presenters import form_urls, widget_color
from kazan.channels.widget.queries import widget_origin_allowed, widget_settings_for
from kazan.channels.widget.rules import language_pick, origin_normalize
from kazan.channels.widget.tokens import preview_valid
from kazan.core.views import page_not_found
from kazan.tenancy.queries import business_for_client_id, business_for_slug

LOADER_PATH = Path(__file__).parent.parent / "static" / "widget" / "loader.js"
# A day in every cache, then revalidated by its ETag (a 304 costs a few bytes): a changed
# loader reaches every website within a day without a versioned URL in their snippet.
LOADER_MAX_AGE = 24 * 3600
DEMO_SLUG = "demo-cafe"


@cache
def _loader() -> tuple[bytes, str]:
    body = LOADER_PATH.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@require_GET
def loader(request: HttpRequest) -> HttpResponse:
    """The hand-written loader (docs/decisions/0021): draws the launcher only, asks nothing
    until clicked. Cached publicly for a day, revalidated by ETag; no CORS headers needed for
    a classic script, and readable cross-origin (Cross-Origin-Resource-Policy)."""
    body, etag = _loader()
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={LOADER_MAX_AGE}",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    return response


def _own_origin(request: HttpRequest) -> str:
    return origin_normalize(f"{request.scheme}://{request.get_host()}") or ""


@require_GET
@never_cache
def frame(request: HttpRequest) -> HttpResponse:
    """GET ?client=<client id>&origin=<the host page's origin>&lang=<browser language>
    [&preview=<token>]: the chat window."""
    business = business_for_client_id(request.GET.get("client", ""))
    widget = widget_settings_for(business=business) if business else None
    language = language_pick(
        request.GET.get("lang", ""),
        widget.languages if widget else [],
        business.language if business else settings.LANGUAGE_CODE,
    )
    origin = origin_normalize(request.GET.get("origin", "")) or ""
    preview = bool(
        business
        and origin
        and origin == _own_origin(request)
        and preview_valid(business, request.GET.get("preview", ""))
    )
    allowed = bool(
        business and widget and (preview or widget_origin_allowed(widget=widget, origin=origin))
    )
    with translation.override(language):
        if business is None or widget is None or not allowed:
            return framed_by(
                render(request, "widget/refused.html", {"language": language}, status=403), None
            )
        ancestor = CSP.SELF if preview else origin
        if not business.is_active:
            return framed_by(
                render(
                    request,
                    "widget/refused.html",
                    {"language": language, "business": business, "unavailable": True},
                    status=503,
                ),
                ancestor,
            )
        config = {
            "client": business.client_id,
            "origin": origin,
            "api": "/api/v1/widget",
            "events": "/api/v1/events",
            "language": language,
            "preview": request.GET.get("preview", "") if preview else "",
            # A link to one of these (in an FAQ's answer) counts as a redirect to the form.
            "form_urls": form_urls(business=business),
        }
        nonce = get_nonce(request)
        response = render(
            request,
            "widget/frame.html",
            {
                "business": business,
                "language": language,
                "color": widget_color(business=business, widget=widget),
                "config": config,
                "csp_nonce": "" if nonce is None else str(nonce),
            },
        )
    return framed_by(response, ancestor)


@require_GET
def demo(request: HttpRequest) -> HttpResponse:
    """A plain web page of the demo café that embeds the one-line snippet, so a newcomer can
    try the widget after `make run` (its origin is among the demo's allowed origins)."""
    business = business_for_slug(request.GET.get("business", DEMO_SLUG)[:50])
    if business is None or not (settings.DEBUG or settings.TESTING):
        return page_not_found(request)
    widget = widget_settings_for(business=business)
    return render(
        request,
        "widget/demo.html",
        host_page_context(request, business, widget, business.language),
    )
