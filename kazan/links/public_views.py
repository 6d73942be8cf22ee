"""/<business-slug>/link/<token>: resolves a secure link and shows the page of its purpose
(kazan.links.purposes). Opening is rate-limited per address against token guessing; an unknown,
expired or used link gets a friendly page (404/410) that says nothing useful to a guesser."""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
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

# Per client address and 10 minutes. A token has 256 random bits, so guessing is hopeless;
# the limits keep a guesser from even trying at scale. Failed look-ups are what a guesser
# produces: few are allowed. Every request counts towards a generous limit, so people sharing a
# mobile carrier's address can still each open their own links.
OPEN_LIMIT = 120
FAIL_LIMIT = 20
WINDOW_SECONDS = 600


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


def _rate_limited(request: HttpRequest, business_slug: str) -> HttpResponse:
    business = business_for_slug(business_slug)
    if business is not None and not business.is_active:
        business = None
    language = page_language(request, business=business)
    with translation.override(language):
        response = page_render(
            request,
            "links/unavailable.html",
            {"code": "rate_limited", "language": language},
            business=business,
            status=429,
        )
    response["Retry-After"] = str(WINDOW_SECONDS)
    return response


def _cross_site(request: HttpRequest) -> bool:
    """A POST that names another site as its origin. "null" is what a browser sends from our own
    pages, whose Referrer-Policy is no-referrer."""
    origin = request.headers.get("Origin", "")
    if request.method != "POST" or not origin or origin == "null":
        return False
    return origin != f"{request.scheme}://{request.get_host()}"


# No CSRF token: these pages have no ambient credentials to abuse — no session, no cookie; the
# secret token in the path is the only authority, and a forger would need it (decision 0023).
# And with Referrer-Policy no-referrer the browser posts "Origin: null", which Django's origin
# check refuses.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest, business_slug: str, link_token: str) -> HttpResponse:
    if _cross_site(request):
        return _failure(request, business_slug, LinksError(LinksErrorCode.LINK_INVALID))
    ip = client_ip(request)
    try:
        ratelimit_hit(f"links.open:{ip}", limit=OPEN_LIMIT, window_seconds=WINDOW_SECONDS)
    except RateLimited:
        return _rate_limited(request, business_slug)
    try:
        link = secure_link_resolve(token=link_token)
        # A valid token under another business's address is as good as no token.
        if not hmac.compare_digest(link.business.slug.encode(), business_slug.encode()):
            raise LinksError(LinksErrorCode.LINK_INVALID)
    except LinksError as error:
        if error.code == LinksErrorCode.LINK_INVALID:
            try:
                ratelimit_hit(f"links.fail:{ip}", limit=FAIL_LIMIT, window_seconds=WINDOW_SECONDS)
            except RateLimited:
                return _rate_limited(request, business_slug)
        return _failure(request, business_slug, error)
    view = purpose_page(link.purpose)
    if view is None:
        return _failure(request, business_slug, LinksError(LinksErrorCode.LINK_INVALID), link)
    language = page_language(request, business=link.business, customer=link.customer)
    with translation.override(language):
        try:
            return view(request, link)
        except LinksError as error:  # used up meanwhile (a double submit)
            return _failure(request, business_slug, error, link)
