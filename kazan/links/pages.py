"""What every secure-link page shares: the language (asked by ?lang=, else the customer's, else
the business's), the context of the base template and the headers that keep the token out of
referrers, caches and search engines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kazan.customers.normalize import language_normalize

if TYPE_CHECKING:
    from kazan.links.models import SecureLink
    from kazan.tenancy.models import Business

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def page_language(request: HttpRequest, *, business: Business | None, customer: Any = None) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang") or ""
    return (
        language_normalize(asked, strict=False)
        or language_normalize(getattr(customer, "language", "") or "", strict=False)
        or (business.language if business is not None else "")
        or language_normalize(getattr(request, "LANGUAGE_CODE", ""), strict=False)
        or settings.LANGUAGE_CODE
    )


def with_page_headers(response: HttpResponse) -> HttpResponse:
    for header, value in PAGE_HEADERS.items():
        response[header] = value
    return response


def page_render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    link: SecureLink | None = None,
    business: Business | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a secure-link page in the active language with the shared context and headers."""
    business = business or (link.business if link is not None else None)
    language = context.get("language") or page_language(
        request, business=business, customer=link.customer if link is not None else None
    )
    base = {
        "business": business,
        "link": link,
        "language": language,
        "languages": settings.LANGUAGES,
        "page_path": request.path,
    }
    return with_page_headers(render(request, template, base | context, status=status))
