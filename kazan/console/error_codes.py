"""The stable codes of the console's errors: pages and tests match on them."""

from kazan.core.errors import ErrorCode


class ConsoleErrorCode(ErrorCode):
    INVALID_DAYS = "invalid_days"
    TOO_FEW_CREDITS = "too_few_credits"
