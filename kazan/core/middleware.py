import logging
import re
import uuid

from django.http import JsonResponse
from django.shortcuts import render

from kazan.core.errors import KazanError
from kazan.core.logging import request_id_var

logger = logging.getLogger("kazan.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Takes a sane X-Request-ID from the proxy or makes one; echoes it and tags every log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            return response
        finally:
            request_id_var.reset(token)


def wants_json(request) -> bool:
    return request.path.startswith(
        ("/api/", "/hooks/")
    ) or "application/json" in request.headers.get("Accept", "")


class DomainErrorMiddleware:
    """Turns an uncaught KazanError into a clear 4xx: JSON for APIs, a page for people."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, KazanError):
            return None
        logger.info("domain error %s on %s", exception.code, request.path)
        if wants_json(request):
            return JsonResponse(
                {"code": exception.code, "message": str(exception.message)},
                status=exception.status,
            )
        return render(
            request,
            "error.html",
            {"status": exception.status, "message": exception.message},
            status=exception.status,
        )
