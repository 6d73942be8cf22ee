"""What the widget's pages share (views.py for visitors, dashboard_views.py for the team): who
may frame a page, and the context of a Kazan page that embeds the loader."""

from functools import partial

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.csp import CSP

from kazan.channels.models import WidgetSettings
from kazan.channels.widget.presenters import snippet


def framed_by(response: HttpResponse, ancestor: str | None) -> HttpResponse:
    """Who may frame this page: exactly `ancestor` ('self' for Kazan's own preview), or
    nobody."""
    policy = dict(settings.SECURE_CSP)
    policy["frame-ancestors"] = [ancestor or CSP.NONE]
    response._csp_config = policy  # type: ignore[attr-defined]  # read by Django's CSP middleware
    if ancestor:
        response.xframe_options_exempt = True
    return response


def host_page_context(
    request: HttpRequest, business, widget: WidgetSettings, language: str, preview: str = ""
) -> dict:
    """What a Kazan page that embeds the loader (the demo page, the dashboard preview) needs:
    the snippet to show, and the same line to embed (with the preview token, if any)."""
    loader_url = request.build_absolute_uri(reverse("widget:loader"))
    line = partial(snippet, loader_url=loader_url, business=business, widget=widget)
    return {
        "business": business,
        "language": language,
        "snippet": line(language=language),
        "embed": line(language=language, preview=preview),
    }
