import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kazan.core.entitlements import PlanLimitReached
from kazan.core.errors import CoreErrorCode, ErrorCode, KazanError
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


# The generic answer per status, where nothing more specific was said. `code` is stable for API
# clients (the same codes as kazan.core.errors); the message is for people.
STATUS_ERRORS: dict[int, tuple[ErrorCode, Any]] = {
    400: (CoreErrorCode.BAD_REQUEST, _("The request was not valid.")),
    401: (CoreErrorCode.UNAUTHORIZED, _("Sign in first.")),
    403: (CoreErrorCode.FORBIDDEN, _("You do not have access to this page.")),
    404: (CoreErrorCode.NOT_FOUND, _("We could not find this page.")),
    405: (CoreErrorCode.METHOD_NOT_ALLOWED, _("This method is not allowed here.")),
    429: (CoreErrorCode.RATE_LIMITED, _("Too many attempts. Please wait a moment and try again.")),
    500: (
        CoreErrorCode.SERVER_ERROR,
        _("Something went wrong on our side. Please try again later."),
    ),
}


def error_response(
    request: HttpRequest,
    status: int,
    *,
    code: ErrorCode | None = None,
    message: Any = None,
    as_json: bool | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The one error answer: {"code", "message"} JSON for APIs and scripts, a page for people.
    `extra` adds fields to the JSON (a plan limit's key, limit and upgrade_url); the page links
    an `upgrade_url` among them."""
    body = {**error_body(status, code=code, message=message), **(extra or {})}
    if as_json if as_json is not None else wants_json(request):
        return JsonResponse(body, status=status)
    context = {"status": status, "message": body["message"], "upgrade_url": body.get("upgrade_url")}
    return render(request, "error.html", context, status=status)


def error_extra(exception: KazanError) -> dict[str, Any]:
    """The fields an error adds to the answer: a plan limit's key, limit and upgrade link."""
    if isinstance(exception, PlanLimitReached):
        return {
            "key": exception.key,
            "limit": exception.limit,
            "upgrade_url": exception.upgrade_url,
        }
    return {}


def error_body(
    status: int, *, code: ErrorCode | None = None, message: Any = None
) -> dict[str, Any]:
    """{"code", "message"}: the given ones, else the status's generic ones."""
    default_code, default_message = STATUS_ERRORS.get(
        status, (CoreErrorCode.ERROR, STATUS_ERRORS[400][1])
    )
    return {"code": code or default_code, "message": str(message or default_message)}


# NUL: PostgreSQL can neither store nor compare it. A lone UTF-16 surrogate (JSON "\ud800"):
# no UTF-8 encoding exists, so SQLite, psycopg and every template fail on it.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_NOT_JSON = object()
_UNREADABLE = _("The form data could not be read.")
_INVALID_TEXT = _(
    "The text contains a character that cannot be stored (a null character or an unpaired "
    "surrogate). Remove it and try again."
)


def _json_strings(data: Any) -> Iterator[str]:
    """Every string in a parsed JSON document, keys included (iterative: any nesting depth)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class InputTextMiddleware:
    """Refuses text no column can store, once for every view, API route and webhook: a NUL or a
    lone surrogate in the query string, a form field or anywhere in a JSON body is a 400 with a
    message before CSRF, tenancy or a view sees the request. Views and schemas can then trust
    every string they are given. (The path is the URL patterns' business: one naming nothing is
    a 404, and its converters let no NUL through to a query.)

    A body is read as JSON when it looks like JSON, whatever its content type says:
    django-ninja parses any body as JSON. A multipart body without a boundary (or otherwise
    unreadable) is a 400 here too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        texts: list[str] = []
        for key, values in request.GET.lists():
            texts.append(key)
            texts.extend(values)
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            if request.path.startswith("/api/"):
                # The API reads raw bodies: keep this one readable after the form parser ran.
                request.body  # noqa: B018
            try:
                for key, values in request.POST.lists():
                    texts.append(key)
                    texts.extend(values)
            except MultiPartParserError:
                return error_response(
                    request, 400, code=CoreErrorCode.UNREADABLE_BODY, message=_UNREADABLE
                )
        # Any body may reach a JSON parser (an url-encoded one too: ninja reads the raw body),
        # except a multipart one outside the API, which the form parser streamed and consumed.
        is_json = False
        if request.content_type != "multipart/form-data" or request.path.startswith("/api/"):
            document = _json_document(request.body)
            if document is not _NOT_JSON:
                is_json = True
                texts.extend(_json_strings(document))
        if any(_UNSTORABLE.search(text) for text in texts):
            logger.info("refused unstorable text on %s", request.path)
            return error_response(
                request,
                400,
                code=CoreErrorCode.INVALID_TEXT,
                message=_INVALID_TEXT,
                as_json=True if is_json else None,
            )
        return None


def _json_document(body: bytes) -> Any:
    """The parsed body if it is JSON, else _NOT_JSON (the view reports its own parse error)."""
    if body.lstrip()[:1] not in (b"{", b"[", b'"'):
        return _NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return _NOT_JSON


class DomainErrorMiddleware:
    """Turns an uncaught KazanError into a clear 4xx: JSON for APIs, a page for people; and
    gives every other error under /api/ the API's one JSON shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            # An error the API's own handlers never saw (ninja's 405, Django's debug 404...):
            # the API answers every error in one shape.
            allow = response.get("Allow")
            response = error_response(request, response.status_code, as_json=True)
            if allow:
                response["Allow"] = allow
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, KazanError):
            return None
        logger.info("domain error %s on %s", exception.code, request.path)
        return error_response(
            request,
            exception.status,
            code=exception.code,
            message=exception.message,
            extra=error_extra(exception),
        )
