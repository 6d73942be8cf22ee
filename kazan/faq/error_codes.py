"""The stable codes of the FAQ engine's errors."""

from kazan.core.errors import ErrorCode


class FaqErrorCode(ErrorCode):
    LIMIT_REACHED = "faq_limit_reached"
