"""The console's map of all businesses, to see where the platform grows.

The base map is a vendored country outline (Natural Earth via world-atlas), so the page works
offline and never calls a third party. A tile server is used only when KAZAN_MAP_TILE_URL is set,
and then this response alone lets images come from that one origin."""

from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kazan.console import map_queries
from kazan.console.queries import BUSINESS_STATUS_LABELS
from kazan.tenancy.decorators import staff_required


def tile_origin(tile_url: str) -> str:
    """The CSP source that covers a Leaflet tile URL template such as
    "https://{s}.tile.example.org/{z}/{x}/{y}.png": its scheme and host, a `{s}` subdomain
    placeholder becoming a wildcard. Raises ImproperlyConfigured for anything else."""
    parts = urlsplit(tile_url)
    host = parts.netloc
    if host.startswith("{s}."):
        host = "*." + host.removeprefix("{s}.")
    if parts.scheme not in ("https", "http") or not host or "{" in host or "@" in host:
        raise ImproperlyConfigured(
            "KAZAN_MAP_TILE_URL must be an http(s) URL template whose host is fixed "
            "(a leading {s}. subdomain placeholder is allowed)."
        )
    return f"{parts.scheme}://{host}"


def _allow_tile_images(response: HttpResponse, source: str) -> HttpResponse:
    """The tiles are <img> elements from the tile server: widen img-src for its origin on this
    response only; every other page keeps the strict policy."""
    # settings.py gives every directive a list of sources.
    csp = cast("dict[str, list[str]]", settings.SECURE_CSP)
    config = {key: list(value) for key, value in csp.items()}
    config["img-src"] = [*config.get("img-src", []), source]
    response._csp_config = config  # type: ignore[attr-defined]
    return response


@staff_required
@require_GET
def business_map(request: HttpRequest) -> HttpResponse:
    businesses = [
        {
            **business,
            "status_label": str(BUSINESS_STATUS_LABELS.get(business["status"], business["status"])),
            "url": reverse("console:business_detail", args=[business["id"]]),
        }
        for business in map_queries.businesses_on_map()
    ]
    tile_url = settings.MAP_TILE_URL
    tile_source = tile_origin(tile_url) if tile_url else None
    context = {
        "businesses": businesses,
        "without_location": map_queries.businesses_without_location_count(),
        "scan_days": map_queries.SCAN_DAYS,
        "map_config": {
            "tileUrl": tile_url,
            "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        },
    }
    response = render(request, "console/map.html", context)
    if tile_source:
        _allow_tile_images(response, tile_source)
    return response
