"""Helpers the tenancy use-cases share: input checks, row locks, who acted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from kazan.accounts.emails import email_normalize
from kazan.core.errors import ValidationFailed
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import Business, Role

if TYPE_CHECKING:
    pass


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """A model's full_clean errors as one domain error."""
    if hasattr(exc, "error_dict"):
        parts = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
    else:
        parts = list(exc.messages)
    return ValidationFailed("; ".join(parts))


def email_valid(email: str) -> str:
    email = email_normalize(email or "")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            _("Enter a valid email address."), code=TenancyErrorCode.INVALID_EMAIL
        ) from None
    return email


def role_valid(role: str) -> str:
    if role not in Role.values:
        raise ValidationFailed(_("Choose a valid role."), code=TenancyErrorCode.INVALID_ROLE)
    return role


def business_locked(business: Business) -> Business:
    """The business row, locked until the transaction ends: team changes are serialized."""
    return Business.objects.select_for_update().get(pk=business.pk)
