"""Suspending and reactivating a business: platform staff's decision, or billing's when a plan
is left unpaid past its grace period. The cause is kept (Business.suspension_cause) so a payment
lifts only billing's own suspension; staff's stays until staff lift it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
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
Cause = Business.SuspensionCause


def business_status_change(
    *, business: Business, status: str, reason: str, actor: User | AnonymousUser | None
) -> bool:
    """Platform staff suspend or reactivate a business; nothing is deleted. While suspended its
    landing page says it is unavailable, its campaigns and reminders wait and no monthly
    allowance is granted. Staff's suspension is theirs (cause "staff"): a payment never lifts
    it; suspending a business billing suspended makes it staff's. Returns False when nothing
    changed. Raises PermissionDenied (not staff), ValidationFailed (unknown status, no reason)."""
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
    suspend = status == Business.Status.SUSPENDED
    cause = Cause.STAFF if suspend else ""
    with transaction.atomic():
        changed = (
            Business.objects.filter(pk=business.pk)
            .exclude(status=status, suspension_cause=cause)
            .update(status=status, suspension_cause=cause)
        )
        if not changed:
            return False
        business_cache_forget(business.slug)  # a bare UPDATE: no signal
        activity_record(
            business=business,
            actor=actor,
            action="business.suspended" if suspend else "business.reactivated",
            target=business,
            data={"reason": reason},
        )
    business.status, business.suspension_cause = status, cause
    return True


def business_billing_suspend(*, business: Business, reason: str) -> bool:
    """Billing suspends an active business whose plan stayed unpaid past the grace period
    (cause "billing"); nothing is deleted. Call inside billing's transaction. Returns False
    when it was suspended already (by staff or billing: staff's cause is kept)."""
    changed = Business.objects.filter(pk=business.pk, status=Business.Status.ACTIVE).update(
        status=Business.Status.SUSPENDED, suspension_cause=Cause.BILLING
    )
    if changed:
        business_cache_forget(business.slug)
        activity_record(
            business=business,
            actor=None,
            action="business.suspended",
            target=business,
            data={"reason": reason, "cause": Cause.BILLING},
        )
        business.status, business.suspension_cause = Business.Status.SUSPENDED, Cause.BILLING
    return bool(changed)


def business_billing_reactivate(*, business: Business, reason: str) -> bool:
    """Lifts billing's own suspension once the plan is paid; a suspension by staff stays.
    Call inside billing's transaction. Returns False when there was none of billing's to lift."""
    changed = (
        Business.objects.filter(pk=business.pk, status=Business.Status.SUSPENDED)
        .filter(Q(suspension_cause=Cause.BILLING))
        .update(status=Business.Status.ACTIVE, suspension_cause="")
    )
    if changed:
        business_cache_forget(business.slug)
        activity_record(
            business=business,
            actor=None,
            action="business.reactivated",
            target=business,
            data={"reason": reason, "cause": Cause.BILLING},
        )
        business.status, business.suspension_cause = Business.Status.ACTIVE, ""
    return bool(changed)
