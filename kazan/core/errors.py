"""Domain errors: services raise these; one handler turns them into a message and a 4xx."""

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """Base of each app's `error_codes.py`: the stable codes API clients, pages and flows match
    on. A member is its string value, so `error.code == "expired"` and JSON keep working."""


class CoreErrorCode(ErrorCode):
    ERROR = "error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    INSUFFICIENT_CREDITS = "insufficient_credits"
    # Said by the request handling itself (middleware, the API's handlers), not by a service.
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    SERVER_ERROR = "server_error"
    UNREADABLE_BODY = "unreadable_body"
    INVALID_TEXT = "invalid_text"
    CSRF_FAILED = "csrf_failed"


class KazanError(Exception):
    """Base of all expected failures. `code` is stable for API clients; `message` is for people."""

    code: ErrorCode = CoreErrorCode.ERROR
    status = 400
    default_message: str | Promise = _("The request could not be completed.")

    def __init__(self, message: str | Promise | None = None, *, code: ErrorCode | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class ValidationFailed(KazanError):
    code = CoreErrorCode.INVALID
    status = 400
    default_message = _("Some of the data is not valid.")


class NotFound(KazanError):
    code = CoreErrorCode.NOT_FOUND
    status = 404
    default_message = _("Not found.")


class PermissionDenied(KazanError):
    code = CoreErrorCode.FORBIDDEN
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(KazanError):
    code = CoreErrorCode.CONFLICT
    status = 409
    default_message = _("This conflicts with the current state.")


class RateLimited(KazanError):
    code = CoreErrorCode.RATE_LIMITED
    status = 429
    default_message = _("Too many attempts. Please wait a moment and try again.")


class InsufficientCredits(KazanError):
    code = CoreErrorCode.INSUFFICIENT_CREDITS
    status = 402
    default_message = _("Not enough SMS credits. Please top up your package.")
