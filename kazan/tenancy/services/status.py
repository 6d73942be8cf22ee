"""Suspending and reactivating a business: platform staff's decision, never the business's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import Business
from kazan.tenancy.queries import business_cache_forget

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kazan.accounts.models import User

STATUS_REASON_MAX = 500


def business_status_change(
    *, business: Business, status: str, reason: str, actor: User | AnonymousUser | None
) -> bool:
    """Platform staff suspend or reactivate a business; nothing is deleted. While suspended its
    landing page says it is unavailable, its campaigns and reminders wait and no monthly
    allowance is granted. Returns False when the business already had that status.
    Raises PermissionDenied (not staff), ValidationFailed (unknown status, no reason)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    if status not in Business.Status.values:
        raise ValidationFailed(_("Choose a valid status."), code=TenancyErrorCode.INVALID_STATUS)
    reason = (reason or "").strip()
    if not reason or len(reason) > STATUS_REASON_MAX:
        raise ValidationFailed(
            _("Say why, in at most %(max)s characters.") % {"max": STATUS_REASON_MAX},
            code=TenancyErrorCode.REASON_REQUIRED,
        )
    with transaction.atomic():
        changed = (
            Business.objects.filter(pk=business.pk).exclude(status=status).update(status=status)
        )
        if not changed:
            return False
        business_cache_forget(business.slug)  # a bare UPDATE: no signal
        activity_record(
            business=business,
            actor=actor,
            action=(
                "business.suspended"
                if status == Business.Status.SUSPENDED
                else "business.reactivated"
            ),
            target=business,
            data={"reason": reason},
        )
    business.status = status
    return True
