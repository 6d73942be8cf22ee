"""Domain errors: services raise these; one handler turns them into a message and a 4xx."""

from django.utils.translation import gettext_lazy as _


class KazanError(Exception):
    """Base of all expected failures. `code` is stable for API clients; `message` is for people."""

    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class ValidationFailed(KazanError):
    code = "invalid"
    status = 400
    default_message = _("Some of the data is not valid.")


class NotFound(KazanError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(KazanError):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(KazanError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


class RateLimited(KazanError):
    code = "rate_limited"
    status = 429
    default_message = _("Too many attempts. Please wait a moment and try again.")


class InsufficientCredits(KazanError):
    code = "insufficient_credits"
    status = 402
    default_message = _("Not enough SMS credits. Please top up your package.")
