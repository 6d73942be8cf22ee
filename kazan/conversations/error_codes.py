"""The stable codes of the conversations app's errors (flows' `on_error` match on them)."""

from kazan.core.errors import ErrorCode


class ConversationsErrorCode(ErrorCode):
    INVALID_NAME = "invalid_name"
    INVALID_PHONE = "invalid_phone"
    INVALID_RATING = "invalid_rating"
    TOO_LONG = "too_long"
    INVALID_CHANNEL = "invalid_channel"
    FLOW_INVALID = "flow_invalid"
    FLOW_TOO_LARGE = "flow_too_large"
    # The flow editor's.
    INVALID_TEMPLATE = "invalid_template"
    INVALID_FLOW = "invalid_flow"
    INVALID_MISSES = "invalid_misses"
