"""Email addresses of customers: normalized before encryption so the blind index matches."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from kazan.core.crypto import blind_index
from kazan.core.errors import ValidationFailed
from kazan.customers.error_codes import CustomersErrorCode

EMAIL_INDEX_SCOPE = "customer.email"
EMAIL_MAX_LENGTH = 254


def email_normalize(raw: str) -> str:
    """Lower-cased, trimmed and valid (Django's validator); "" stays "" (no email).

    Lower-casing the local part is technically lossy, but no mail provider our customers use
    distinguishes case, and one person typing "Anna@" and "anna@" must be one customer.
    """
    text = (raw or "").strip().lower()
    if not text:
        return ""
    if len(text) > EMAIL_MAX_LENGTH:
        raise ValidationFailed(
            _("This email address is too long."), code=CustomersErrorCode.INVALID_EMAIL
        )
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationFailed(
            _("This is not a valid email address."), code=CustomersErrorCode.INVALID_EMAIL
        ) from None
    return text


def email_index_for(email: str) -> str:
    """Blind index of a normalized email address (scope "customer.email")."""
    return blind_index(email, scope=EMAIL_INDEX_SCOPE)
