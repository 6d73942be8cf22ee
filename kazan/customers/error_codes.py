"""The customers app's stable error codes: API clients, forms and the chat flows match on them."""

from kazan.core.errors import ErrorCode


class CustomersErrorCode(ErrorCode):
    INVALID = "invalid"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    INVALID_NAME = "invalid_name"
    INVALID_LANGUAGE = "invalid_language"
    INVALID_TAG = "invalid_tag"
    INVALID_COLOR = "invalid_color"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_IP = "invalid_ip"
    INVALID_PURPOSE = "invalid_purpose"
    INVALID_WORDING = "invalid_wording"
    INVALID_ADDRESS = "invalid_address"
    INVALID_GENDER = "invalid_gender"
    INVALID_DATE_OF_BIRTH = "invalid_date_of_birth"
    INVALID_STATE = "invalid_state"
    INVALID_POSTAL_CODE = "invalid_postal_code"
    INVALID_COUNTRY = "invalid_country"
    INVALID_USERNAME = "invalid_username"
    INVALID_PASSWORD = "invalid_password"  # noqa: S105 (an error code, not a password)
    INVALID_PROFILE = "invalid_profile"
    CONSENT_REQUIRED = "consent_required"
    DUPLICATE_EMAIL = "duplicate_email"
    DUPLICATE_TAG = "duplicate_tag"
    IDENTITY_TAKEN = "identity_taken"
    TOO_MANY = "too_many"
    ERASED = "erased"
