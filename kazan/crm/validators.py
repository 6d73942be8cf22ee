"""The CRM flow's validators: one per profile field (`profile_<field>`, each the customers app's
own validator from `profile_fields`, so the bot and the dashboard refuse the same values) and
the custom token amount. The registration's answers wait in the session's state until the
profile is saved: contact data, birth date, address and password encrypted there too."""

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from kazan.conversations.engine import Context, Step, validator
from kazan.core.crypto import decrypt, encrypt
from kazan.core.errors import ValidationFailed
from kazan.core.formatting import number_local
from kazan.crm.flow import DRAFT_PREFIX
from kazan.customers.profile_fields import (
    DEFAULT_COUNTRY,
    PROFILE_FIELDS,
    SECRET_FIELDS,
    field_validate,
)

DRAFT_CONTEXT = "crm.registration.draft"
# Encrypted in the state like at rest; the state is a button's code (a choice step keeps it).
DRAFT_ENCRYPTED = SECRET_FIELDS - {"state"}
# A whole number of tokens: ASCII digits, with one kind of thousands separator between groups
# of exactly three digits ("1,234" or "1.234", never "2.5" or "250.00").
_WHOLE_NUMBER = re.compile(r"^(?:[0-9]+|[0-9]{1,3}([,. \u00a0\u202f'])[0-9]{3}(?:\1[0-9]{3})*)$")


def draft_value(ctx: Context, field: str) -> str:
    """One answer of the registration in the state, decrypted ("" when not answered)."""
    stored = ctx.state.get(DRAFT_PREFIX + field)
    if not isinstance(stored, str) or not stored:
        return ""
    return decrypt(stored, context=DRAFT_CONTEXT) if field in DRAFT_ENCRYPTED else stored


def draft_store(ctx: Context, field: str, value: str) -> None:
    ctx.state[DRAFT_PREFIX + field] = _stored(field, value)


def _stored(field: str, value: str) -> str:
    return encrypt(value, context=DRAFT_CONTEXT) if field in DRAFT_ENCRYPTED and value else value


def draft(ctx: Context) -> dict[str, str]:
    """The registration's answers so far, by profile field, decrypted."""
    return {field: draft_value(ctx, field) for field in PROFILE_FIELDS}


def draft_answered(ctx: Context) -> set[str]:
    """The fields answered (or skipped) so far."""
    return {field for field in PROFILE_FIELDS if DRAFT_PREFIX + field in ctx.state}


def _field_validator(field: str) -> None:
    def check(ctx: Context, raw: object, step: Step) -> str:
        value = field_validate(
            field,
            raw,
            region=draft_value(ctx, "country") or DEFAULT_COUNTRY,
            state=draft_value(ctx, "state"),
        )
        return _stored(field, value)

    validator(f"profile_{field}")(check)


for _field in PROFILE_FIELDS:
    _field_validator(_field)


@validator("crm_token_amount")
def _token_amount(ctx: Context, raw: object, step: Step) -> Any:
    """A whole number of tokens within the wallet's top-up bounds."""
    from kazan.wallet.services import wallet_settings_get

    settings = wallet_settings_get(business=ctx.business)
    match = _WHOLE_NUMBER.match(str(raw or "").strip())
    if match is None:
        raise ValidationFailed(_("Please write a whole number of tokens, like 250."))
    amount = int(re.sub(r"[^0-9]", "", match.group(0)))
    if not settings.topup_min <= amount <= settings.topup_max:
        raise ValidationFailed(
            _("Please choose between %(min)s and %(max)s tokens.")
            % {"min": number_local(settings.topup_min), "max": number_local(settings.topup_max)}
        )
    return str(amount)
