"""The stable codes of the web forms' errors."""

from kazan.core.errors import ErrorCode


class WebformsErrorCode(ErrorCode):
    INVALID_SUBMISSION = "invalid_submission"
    INVALID_SETTINGS = "invalid_settings"
    FORM_UNAVAILABLE = "form_unavailable"
