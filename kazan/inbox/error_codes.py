"""The stable codes of the inbox's errors."""

from kazan.core.errors import ErrorCode


class InboxErrorCode(ErrorCode):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNREACHABLE = "unreachable"
    NOT_MEMBER = "not_member"
    INVALID_STATUS = "invalid_status"
    INVALID_TIME = "invalid_time"
    INVALID_CHANNEL = "invalid_channel"
    DUPLICATE = "duplicate"
