import logging

from django.db import connection
from django.http import JsonResponse
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
