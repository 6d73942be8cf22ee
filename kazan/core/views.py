import logging
import mimetypes
import re

from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kazan.core.middleware import wants_json

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


def _error(request, status: int, message: str):
    if wants_json(request):
        return JsonResponse({"code": str(status), "message": message}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def page_not_found(request, exception=None):
    return _error(request, 404, _("We could not find this page."))


def server_error(request):
    return _error(request, 500, _("Something went wrong on our side. Please try again later."))


def permission_denied(request, exception=None):
    return _error(request, 403, _("You do not have access to this page."))


def bad_request(request, exception=None):
    return _error(request, 400, _("The request was not valid."))


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
