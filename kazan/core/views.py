import logging
import mimetypes
import re
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kazan.core.middleware import error_response

logger = logging.getLogger("kazan.health")


@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def page_not_found(request, exception=None):
    """The branded 404. Views that know a page does not exist (an unknown business address)
    return it directly instead of raising Http404, which with DEBUG on would show Django's
    technical page listing every URL pattern."""
    return error_response(request, 404)


@require_GET
def home(request):
    """The start page at /: what Kazan is, and the way in (sign in, or the dashboard and the
    console for who is already signed in)."""
    user = request.user
    return render(
        request,
        "home.html",
        {
            "has_business": user.is_authenticated and user.memberships.exists(),
            "is_staff": user.is_authenticated and user.is_staff,
        },
    )


FAVICON = Path(__file__).resolve().parent / "static" / "kazan" / "favicon.ico"


@require_GET
def favicon(request):
    """/favicon.ico, which browsers and bots ask for whatever the page links."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response


def server_error(request):
    return error_response(request, 500)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def bad_request(request, exception=None):
    return error_response(request, 400)


# Uploaded files that are public by nature (business logos on landing pages and table cards).
PUBLIC_MEDIA_NAME = re.compile(r"^logos/[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


@require_GET
def media_public(request, name: str):
    """Serves a public upload from the default storage; anything else under /media/ is 404.
    In production a CDN or the proxy may cache these (they never change: names are random)."""
    if not PUBLIC_MEDIA_NAME.match(name) or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if not content_type.startswith("image/"):
        raise Http404
    response = FileResponse(default_storage.open(name), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
