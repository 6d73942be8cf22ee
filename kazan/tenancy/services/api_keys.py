"""API keys: a business's programs call the API with one (`kz_<prefix>_<secret>`). Only the
key's hash is stored; its full text is shown to its creator once."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.core.entitlements import Capability, plan_require
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import API_KEY_PREFIX_LENGTH, ApiKey, Business, sha256_hex
from kazan.tenancy.services._shared import business_locked

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kazan.accounts.models import User

API_KEYS_ACTIVE_MAX = 20
API_KEY_SECRET_LENGTH = 40
_KEY_ALPHABET = string.ascii_letters + string.digits
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class IssuedApiKey:
    """A new API key and its full secret `kz_<prefix>_<secret>`, shown to its creator once."""

    api_key: ApiKey
    secret: str


def api_key_create(
    *, business: Business, name: str, actor: User | AnonymousUser | None
) -> IssuedApiKey:
    """PlanFeatureUnavailable when the business's plan has no API access (a key could not be
    used anyway: ApiKeyAuth refuses it)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            _("Give the key a name of up to 100 characters."), code=TenancyErrorCode.NAME
        )
    plan_require(business=business, key=Capability.API_ACCESS)
    with transaction.atomic():
        business_locked(business)
        active = ApiKey.objects.filter(business=business, revoked_at__isnull=True).count()
        if active >= API_KEYS_ACTIVE_MAX:
            raise Conflict(
                _("A business can have at most %(count)d active API keys. Revoke one first.")
                % {"count": API_KEYS_ACTIVE_MAX},
                code=TenancyErrorCode.TOO_MANY_KEYS,
            )
        while True:
            prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(API_KEY_PREFIX_LENGTH))
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        secret = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(API_KEY_SECRET_LENGTH))
        raw_key = f"kz_{prefix}_{secret}"
        api_key = ApiKey.objects.create(
            business=business,
            name=name,
            prefix=prefix,
            secret_hash=sha256_hex(raw_key),
            created_by=actor_user(actor),
        )
        activity_record(
            business=business,
            actor=actor,
            action="api_key.created",
            target=api_key,
            data={"prefix": prefix},
        )
    return IssuedApiKey(api_key=api_key, secret=raw_key)


def api_key_revoke(
    *, business: Business, api_key: ApiKey, actor: User | AnonymousUser | None
) -> ApiKey:
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().filter(pk=api_key.pk, business=business).first()
        if locked is None:
            raise NotFound()
        if locked.revoked_at is not None:
            raise Conflict(_("This key is revoked already."), code=TenancyErrorCode.REVOKED)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        activity_record(
            business=business,
            actor=actor,
            action="api_key.revoked",
            target=locked,
            data={"prefix": locked.prefix},
        )
    return locked


def api_key_touch(*, api_key: ApiKey) -> None:
    """Stamps last_used_at at most once a minute, so busy integrations do not write every call."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= timedelta(minutes=1):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
