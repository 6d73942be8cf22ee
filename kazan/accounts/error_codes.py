"""The stable codes of accounts' errors (API clients and pages match on them)."""

from kazan.core.errors import ErrorCode


class AccountsErrorCode(ErrorCode):
    INVALID_EMAIL = "invalid_email"
    WEAK_PASSWORD = "weak_password"  # noqa: S105 (an error code, not a secret)
    EMAIL_TAKEN = "email_taken"
    WRONG_CODE = "wrong_code"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (an error code, not a secret)
    TOTP_ON = "totp_on"
    TOTP_OFF = "totp_off"
    TOTP_REQUIRED = "totp_required"
