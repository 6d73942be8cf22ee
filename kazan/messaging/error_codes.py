"""Messaging's stable error codes: what API clients and flows match on, and what a failed
message records as its `error_code` when the failure is ours rather than the provider's."""

from kazan.core.errors import ErrorCode


class MessagingErrorCode(ErrorCode):
    # Queuing a message (services.message_send).
    INVALID_PAYLOAD = "invalid_payload"
    NO_RECIPIENT = "no_recipient"
    CHANNEL_UNKNOWN = "channel_unknown"
    CHANNEL_NOT_CONNECTED = "channel_not_connected"
    NO_CONSENT = "no_consent"
    # A free-form message outside the customer-service window (window.py).
    WINDOW_CLOSED = "window_closed"
    # One-time codes by SMS (otp.py).
    OTP_COUNTRY = "otp_country"
    OTP_NOT_MOBILE = "otp_not_mobile"
    OTP_COOLDOWN = "otp_cooldown"
    OTP_LIMIT = "otp_limit"
    OTP_UNAVAILABLE = "otp_unavailable"
    OTP_FORMAT = "otp_format"
    OTP_MISSING = "otp_missing"
    OTP_WRONG = "otp_wrong"
    # A message's `error_code` when the outbox gives up on it (outbox.py) or erases it (gdpr.py);
    # a provider's own codes are stored as the provider gives them.
    NOT_CONNECTED = "not_connected"
    MAX_ATTEMPTS = "max_attempts"
    INTERNAL = "internal"
    PERMANENT = "permanent"
    TRANSIENT = "transient"
    ERASED = "erased"
