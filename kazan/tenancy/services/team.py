"""The team: changing a member's role and removing a member, never leaving a business without
an owner (checked while holding the business row lock, so two owners acting at once are
serialized)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.core.errors import Conflict, NotFound
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import Business, Membership, Role
from kazan.tenancy.services._shared import business_locked, role_valid

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kazan.accounts.models import User


def _membership_locked(business: Business, membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update().filter(pk=membership.pk, business=business).first()
    )
    if locked is None:
        raise NotFound()
    return locked


def _last_owner_guard(business: Business, membership: Membership) -> None:
    """Call while holding the business row lock."""
    if membership.role != Role.OWNER:
        return
    if Membership.objects.filter(business=business, role=Role.OWNER).count() <= 1:
        raise Conflict(
            _("A business needs at least one owner. Make someone else an owner first."),
            code=TenancyErrorCode.LAST_OWNER,
        )


def membership_role_change(
    *,
    business: Business,
    membership: Membership,
    role: str,
    actor: User | AnonymousUser | None,
) -> Membership:
    role = role_valid(role)
    with transaction.atomic():
        business_locked(business)
        locked = _membership_locked(business, membership)
        if locked.role == role:
            return locked
        if role != Role.OWNER:
            _last_owner_guard(business, locked)
        previous = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        activity_record(
            business=business,
            actor=actor,
            action="membership.role_changed",
            target=locked,
            data={"from": previous, "to": role, "user_id": locked.user_id},
        )
    return locked


def membership_remove(
    *, business: Business, membership: Membership, actor: User | AnonymousUser | None
) -> None:
    with transaction.atomic():
        business_locked(business)
        locked = _membership_locked(business, membership)
        _last_owner_guard(business, locked)
        activity_record(
            business=business,
            actor=actor,
            action="membership.removed",
            target=locked,
            data={"role": locked.role, "user_id": locked.user_id},
        )
        locked.delete()
