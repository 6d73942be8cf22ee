"""/<business-slug>/link/<token>: resolves a secure link and shows the page of its purpose
(kazan.links.purposes). Opening is rate-limited per address against token guessing; an unknown,
expired or used link gets a friendly page (404/410) that says nothing useful to a guesser."""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from kazan.core.errors import RateLimited
from kazan.core.http import client_ip
from kazan.core.ratelimit import ratelimit_hit
from kazan.links.error_codes import LinksErrorCode
from kazan.links.errors import LinksError
from kazan.links.models import SecureLink
from kazan.links.pages import page_language, page_render
from kazan.links.purposes import purpose_page
from kazan.links.services import secure_link_resolve
from kazan.tenancy.queries import business_for_slug

# Per client address: a person opens a few links; a guesser needs billions of tries.
OPEN_LIMIT = 30
OPEN_WINDOW_SECONDS = 600


def _failure(
    request: HttpRequest, business_slug: str, error: LinksError, link: SecureLink | None = None
) -> HttpResponse:
    business = link.business if link is not None else business_for_slug(business_slug)
    if business is not None and not business.is_active:
        business = None
    language = page_language(
        request, business=business, customer=link.customer if link is not None else None
    )
    with translation.override(language):
        return page_render(
            request,
            "links/unavailable.html",
            {"code": str(error.code), "language": language},
            business=business,
            status=error.status,
        )


@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest, business_slug: str, token: str) -> HttpResponse:
    try:
        ratelimit_hit(
            f"links.open:{client_ip(request)}", limit=OPEN_LIMIT, window_seconds=OPEN_WINDOW_SECONDS
        )
    except RateLimited:
        business = business_for_slug(business_slug)
        language = page_language(request, business=business)
        with translation.override(language):
            return page_render(
                request,
                "links/unavailable.html",
                {"code": "rate_limited", "language": language},
                business=business if business is not None and business.is_active else None,
                status=429,
            )
    try:
        link = secure_link_resolve(token=token)
    except LinksError as error:
        return _failure(request, business_slug, error)
    # A valid token under another business's address is as good as no token.
    if not hmac.compare_digest(link.business.slug.encode(), business_slug.encode()):
        return _failure(request, business_slug, LinksError(LinksErrorCode.LINK_INVALID))
    view = purpose_page(link.purpose)
    if view is None:
        return _failure(request, business_slug, LinksError(LinksErrorCode.LINK_INVALID), link)
    language = page_language(request, business=link.business, customer=link.customer)
    with translation.override(language):
        try:
            return view(request, link)
        except LinksError as error:  # used up meanwhile (a double submit)
            return _failure(request, business_slug, error, link)
