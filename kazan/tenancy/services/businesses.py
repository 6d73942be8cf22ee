"""A business's life: created with its first owner, its profile and settings edited."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kazan.accounts.queries import user_by_email
from kazan.activity.services import activity_record
from kazan.core.errors import Conflict, ValidationFailed
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import CHAT_TEXT_FIELDS, Business, Membership, Role
from kazan.tenancy.services._shared import business_locked, email_valid, validation_failed
from kazan.tenancy.services.invitations import IssuedInvitation, invitation_issue

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kazan.accounts.models import User

# Fields of a business's profile that business_create/business_update accept. Not the status
# (suspending is the console's decision) and not client_id (generated).
BUSINESS_PROFILE_FIELDS = frozenset(
    {
        "slug",
        "name",
        "address",
        "country",
        "latitude",
        "longitude",
        "language",
        "timezone",
        "currency",
        "logo",
        "brand_color",
        "website_url",
        "instagram_url",
        "facebook_url",
        "tiktok_url",
        "google_review_url",
        "greetings",
        "thank_you_texts",
        "voucher_discount_text",
        "voucher_validity_days",
        "allowed_countries",
    }
)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def region_valid(code: str) -> bool:
    """An ISO 3166 code that phone numbers can belong to (what country/allowed_countries mean)."""
    return code in phonenumbers.SUPPORTED_REGIONS


def _unknown_fields_refuse(fields: dict[str, Any]) -> None:
    unknown = set(fields) - BUSINESS_PROFILE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown business fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )


def business_create(
    *,
    slug: str,
    name: str,
    owner_email: str,
    actor: User | AnonymousUser | None,
    **profile: Any,
) -> tuple[Business, IssuedInvitation | None]:
    """A new tenant and its first owner.

    If `owner_email` belongs to an account, that person becomes the owner at once and the second
    element is None; otherwise an owner invitation is created and emailed (on commit), and
    returned with its raw token so the caller can also show the link.
    """
    _unknown_fields_refuse(profile)
    owner_email = email_valid(owner_email)
    business = Business(slug=(slug or "").strip().lower(), name=(name or "").strip(), **profile)
    try:
        business.full_clean()
    except ValidationError as exc:
        raise validation_failed(exc) from None
    try:
        with transaction.atomic():
            business.save()
            activity_record(
                business=business,
                actor=actor,
                action="business.created",
                target=business,
                data={"slug": business.slug},
            )
            owner = user_by_email(email=owner_email)
            if owner is not None:
                membership = Membership.objects.create(
                    business=business, user=owner, role=Role.OWNER
                )
                activity_record(
                    business=business,
                    actor=actor,
                    action="membership.created",
                    target=membership,
                    data={"role": Role.OWNER, "user_id": owner.pk},
                )
                return business, None
            issued = invitation_issue(
                business=business, email=owner_email, role=Role.OWNER, actor=actor, replaced=0
            )
    except IntegrityError:
        # Another request took the slug between full_clean and save.
        raise Conflict(
            _("This address is taken already."), code=TenancyErrorCode.SLUG_TAKEN
        ) from None
    return business, issued


def _profile_clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Rules the model's full_clean cannot express: ISO codes of phone regions (also inside the
    allowed_countries list) and currencies. Returns normalized values."""
    cleaned = dict(fields)
    if "country" in cleaned:
        country = str(cleaned["country"] or "").strip().upper()
        if not region_valid(country):
            raise ValidationFailed(
                _("Unknown country code."), code=TenancyErrorCode.INVALID_COUNTRY
            )
        cleaned["country"] = country
    if "allowed_countries" in cleaned:
        raw = cleaned["allowed_countries"] or []
        if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
            raise ValidationFailed(
                _("Allowed countries must be a list."), code=TenancyErrorCode.INVALID_COUNTRY
            )
        codes = sorted({str(code).strip().upper() for code in raw})
        unknown = [code for code in codes if not region_valid(code)]
        if unknown:
            raise ValidationFailed(
                _("Unknown country codes: %(codes)s") % {"codes": ", ".join(unknown[:10])},
                code=TenancyErrorCode.INVALID_COUNTRY,
            )
        cleaned["allowed_countries"] = codes
    if "currency" in cleaned:
        currency = str(cleaned["currency"] or "").strip().upper()
        if not CURRENCY_RE.match(currency):
            raise ValidationFailed(
                _("Use a three-letter currency code like EUR."),
                code=TenancyErrorCode.INVALID_CURRENCY,
            )
        cleaned["currency"] = currency
    for name in CHAT_TEXT_FIELDS:
        if name in cleaned:
            texts = cleaned[name] or {}
            if not isinstance(texts, dict):
                raise ValidationFailed(
                    _("Expected one text per language."), code=TenancyErrorCode.INVALID_CHAT_TEXT
                )
            # an emptied text means "the default again": it is not kept as ""
            cleaned[name] = {
                code: text.strip() if isinstance(text, str) else text
                for code, text in texts.items()
                if not isinstance(text, str) or text.strip()
            }
    return cleaned


def business_update(
    *,
    business: Business,
    actor: User | AnonymousUser | None,
    action: str = "business.updated",
    **fields: Any,
) -> Business:
    """Changes profile fields (validated like a form would); records only the field names
    (never the values) under `action` — the settings page says "business.settings_edited".

    A replaced or removed logo file is deleted from storage after the commit, so a rollback
    never leaves the business pointing at a missing file."""
    _unknown_fields_refuse(fields)
    fields = _profile_clean(fields)
    try:
        with transaction.atomic():
            locked = business_locked(business)
            before = {name: getattr(locked, name) for name in fields}
            old_logo = locked.logo.name if "logo" in fields else ""
            for name, value in fields.items():
                setattr(locked, name, value)
            try:
                locked.full_clean()
            except ValidationError as exc:
                raise validation_failed(exc) from None
            changed = sorted(name for name in fields if getattr(locked, name) != before[name])
            if not changed:
                return locked
            locked.save(update_fields=changed)
            activity_record(
                business=locked,
                actor=actor,
                action=action,
                target=locked,
                data={"fields": changed},
            )
            if old_logo and "logo" in changed:
                transaction.on_commit(lambda: default_storage.delete(old_logo))
    except IntegrityError:
        raise Conflict(
            _("This address is taken already."), code=TenancyErrorCode.SLUG_TAKEN
        ) from None
    for name in changed:
        setattr(business, name, getattr(locked, name))
    return locked
