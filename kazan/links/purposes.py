"""The page registry of secure links: one view per purpose. Links registers its own
(registration, my_data) from LinksConfig.ready(); a higher app (commerce: payment, invoice)
registers from its own ready(), because links may not import it."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from kazan.links.models import Purpose

PurposeView = Callable[[HttpRequest, Any], HttpResponse]

_pages: dict[str, PurposeView] = {}


def purpose_page_register(purpose: str, view: PurposeView) -> None:
    """Register (or replace) the page of `purpose`: `view(request, link) -> HttpResponse`. The
    link reaching the view is resolved, live and of this purpose, its page language active."""
    if purpose not in Purpose.values:
        raise ValueError(f"unknown secure link purpose {purpose!r}")
    _pages[purpose] = view


def purpose_page(purpose: str) -> PurposeView | None:
    return _pages.get(purpose)
