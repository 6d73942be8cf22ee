"""Public pages reached from an SMS: tracked links (/l/<code>) and the unsubscribe link
(/u/<token>). No login; nothing of the customer is shown but the business's name."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from kazan.campaigns import links, queries, services
from kazan.core.errors import NotFound
from kazan.core.http import client_ip


@require_http_methods(["GET", "HEAD"])
def link_open(request: HttpRequest, code: str) -> HttpResponse:
    target = services.link_click(code=code) if request.method == "GET" else None
    if target is None and request.method == "HEAD":
        link = queries.unscoped_link_find(code=code)  # a preview bot's HEAD counts no click
        target = link.target_url if link else None
    if target is None:
        return render(request, "links/not_found.html", status=404)
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        business, customer = services.unsubscribe_target(token=token)
    except links.TokenInvalid as exc:
        return render(
            request, "links/unsubscribe_invalid.html", {"expired": exc.expired}, status=400
        )
    except NotFound:
        return render(request, "links/unsubscribe_gone.html", status=404)
    # A second click (or a phone's link preview after the first) is told it is done already,
    # rather than asked again.
    already = not queries.offers_allowed(business=business, customer=customer)
    done = {"business": business, "business_name": business.name, "already": already}
    if already:
        return render(request, "links/unsubscribe_done.html", done)
    if request.method == "POST":
        services.unsubscribe_confirm(
            token=token,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return render(request, "links/unsubscribe_done.html", done)
    return render(
        request,
        "links/unsubscribe_confirm.html",
        {"business": business, "business_name": business.name},
    )
