"""A business's own merchant accounts at payment gateways (OxaPay): saved encrypted, each with
a callback URL of its own; and the record of which account a checkout was opened with."""

import datetime as dt
import json
import secrets
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import gateway_account_fields
from kazan.billing.models import GatewayAccount, GatewayCheckout
from kazan.core.errors import ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

CREDENTIAL_MAX = 200


def _credentials_clean(gateway: str, credentials: dict[str, str]) -> dict[str, str]:
    fields = gateway_account_fields(gateway)
    if not fields:
        raise ValidationFailed(
            _("This payment provider cannot be connected to an account of your own."),
            code=BillingErrorCode.INVALID_GATEWAY,
        )
    cleaned: dict[str, str] = {}
    for name in fields:
        value = credentials.get(name)
        value = value.strip() if isinstance(value, str) else ""
        # Keys are printable ASCII without spaces; anything else is a paste gone wrong.
        if (
            not value
            or len(value) > CREDENTIAL_MAX
            or not value.isascii()
            or not value.isprintable()
            or any(char.isspace() for char in value)
        ):
            raise ValidationFailed(
                _("Enter the key exactly as the payment provider shows it."),
                code=BillingErrorCode.INVALID_CREDENTIALS,
            )
        cleaned[name] = value
    return cleaned


# A payment seen on its way ("Paying") may settle this long after the invoice expired.
OPEN_CHECKOUT_GRACE = dt.timedelta(minutes=30)


def _open_checkouts_refuse(account: GatewayAccount) -> None:
    """ValidationFailed while invoices opened with `account` may still be paid: their
    callbacks and payment checks need its key, or paying customers would be stranded."""
    now = timezone.now()
    still_open = GatewayCheckout.objects.filter(account=account, closed_at__isnull=True).filter(
        Q(expires_at__isnull=True, created_at__gt=now - dt.timedelta(days=2))
        | Q(expires_at__gt=now - OPEN_CHECKOUT_GRACE)
    )
    if still_open.exists():
        raise ValidationFailed(
            _(
                "Invoices made with this key may still be paid. Change or remove the key once "
                "they have been paid or have expired."
            ),
            code=BillingErrorCode.OPEN_CHECKOUTS,
        )


def gateway_account_save(
    *, business: "Business", gateway: str, credentials: dict[str, str], actor: "Actor"
) -> None:
    """Connects (or re-keys) the business's own merchant account at `gateway`: its customers'
    checkouts go to it from now on. The callback URL (hook key) stays the same when the
    credentials change. Raises ValidationFailed (also for a new key while invoices made with
    the old one may still be paid)."""
    cleaned = _credentials_clean(gateway, credentials)
    with transaction.atomic():
        account = (
            GatewayAccount.objects.select_for_update()
            .filter(business=business, gateway=gateway)
            .first()
        )
        created = account is None
        if account is not None and account.credentials != json.dumps(cleaned):
            _open_checkouts_refuse(account)
        if account is None:
            account = GatewayAccount(
                business=business, gateway=gateway, hook_key=secrets.token_urlsafe(24)
            )
        account.credentials = json.dumps(cleaned)
        account.save()
        activity_record(
            business=business,
            actor=actor,
            action="gateway_account.connected" if created else "gateway_account.changed",
            target=account,
            data={"gateway": gateway},  # never the credentials
        )


def gateway_account_remove(*, business: "Business", gateway: str, actor: "Actor") -> bool:
    """Disconnects the business's own account: new checkouts use the platform's again.
    ValidationFailed while invoices it opened may still be paid (their callbacks need it).
    Returns False when there was none."""
    with transaction.atomic():
        account = (
            GatewayAccount.objects.select_for_update()
            .filter(business=business, gateway=gateway)
            .first()
        )
        if account is None:
            return False
        _open_checkouts_refuse(account)
        activity_record(
            business=business,
            actor=actor,
            action="gateway_account.removed",
            data={"gateway": gateway},
        )
        account.delete()
    return True


def gateway_checkout_record(
    *,
    gateway: str,
    reference: str,
    business_id: int,
    account: GatewayAccount | None,
    lifetime_minutes: int | None = None,
) -> None:
    """Remembers which account (None: the platform's) opened the checkout `reference` and until
    when it can be paid; the gateway calls it right after the provider answered. Recording
    twice changes nothing."""
    expires_at = (
        timezone.now() + dt.timedelta(minutes=lifetime_minutes) if lifetime_minutes else None
    )
    try:
        with transaction.atomic():
            GatewayCheckout.objects.create(
                gateway=gateway,
                reference=reference,
                business_id=business_id,
                account=account,
                expires_at=expires_at,
            )
    except IntegrityError:
        pass  # already recorded: a reference names one checkout
