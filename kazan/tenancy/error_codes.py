"""The stable codes of tenancy's errors (API clients and pages match on them)."""

from kazan.core.errors import ErrorCode


class TenancyErrorCode(ErrorCode):
    # businesses
    SLUG_TAKEN = "slug_taken"
    INVALID_COUNTRY = "invalid_country"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_CHAT_TEXT = "invalid_chat_text"
    INVALID_STATUS = "invalid_status"
    REASON_REQUIRED = "reason_required"
    LOGO_TOO_LARGE = "logo_too_large"
    LOGO_INVALID = "logo_invalid"
    # team and invitations
    INVALID_EMAIL = "invalid_email"
    INVALID_ROLE = "invalid_role"
    ALREADY_MEMBER = "already_member"
    INVITATION_UNUSABLE = "invitation_unusable"
    INVITATION_UNKNOWN = "invitation_unknown"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"
    PASSWORD_MISSING = "password_missing"  # noqa: S105 (an error code, not a secret)
    WRONG_USER = "wrong_user"
    NOT_PENDING = "not_pending"
    LAST_OWNER = "last_owner"
    # API keys
    NAME = "name"
    TOO_MANY_KEYS = "too_many_keys"
    WRONG_BUSINESS = "wrong_business"
