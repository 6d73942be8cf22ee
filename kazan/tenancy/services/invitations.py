"""Invitations into a team: issued (and emailed) by an owner, accepted once by the invited
address, withdrawn while pending. Only the hash of an invitation's token is kept."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.accounts.emails import email_index
from kazan.accounts.services import user_create
from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.core.entitlements import Limit, plan_allows
from kazan.core.errors import (
    Conflict,
    ErrorCode,
    KazanError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from kazan.core.mail import email_text_queue
from kazan.core.ratelimit import ratelimit_hit
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import Business, Invitation, Membership, sha256_hex
from kazan.tenancy.services._shared import business_locked, email_valid, role_valid

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kazan.accounts.models import User

INVITATION_TTL = timedelta(days=7)
INVITATIONS_PER_HOUR = 50


class InvitationUnusable(KazanError):
    """The link was real but is spent: accepted, revoked or expired."""

    code: ErrorCode = TenancyErrorCode.INVITATION_UNUSABLE
    status = 410
    default_message = _("This invitation can no longer be used.")


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its raw token, which exists nowhere else (only its hash is kept)."""

    invitation: Invitation
    token: str

    @property
    def accept_url(self) -> str:
        return invitation_accept_url(self.token)


def invitation_accept_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("accounts:invitation_accept", args=[token])


def invitation_issue(
    *,
    business: Business,
    email: str,
    role: str,
    actor: User | AnonymousUser | None,
    replaced: int,
) -> IssuedInvitation:
    """Creates the row, the activity entry and the on-commit email. Call inside a transaction."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        business=business,
        email=email,
        email_index=email_index(email),
        role=role,
        token_hash=sha256_hex(token),
        invited_by=actor_user(actor),
        expires_at=timezone.now() + INVITATION_TTL,
    )
    activity_record(
        business=business,
        actor=actor,
        action="invitation.created",
        target=invitation,
        data={"role": role, "replaced": replaced},
    )
    # robust: a template that fails to render is logged; the owner has the link on screen anyway.
    transaction.on_commit(lambda: _invitation_email_queue(invitation, token), robust=True)
    return IssuedInvitation(invitation=invitation, token=token)


def _invitation_email_queue(invitation: Invitation, token: str) -> None:
    """Runs after commit and hands the email to the mail task (which retries a failing server).

    An invitation that was accepted or withdrawn inside the same transaction (the demo adds its
    team that way, with accounts it made itself) gets no email: its link would be dead already.
    """
    still_open = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if not still_open.exists():
        return
    business = invitation.business
    context = {
        "business_name": business.name,
        "role": invitation.get_role_display(),
        "accept_url": invitation_accept_url(token),
        "expires_at": invitation.expires_at,
    }
    with translation.override(business.language):
        subject = gettext("You are invited to join %(business)s on Kazan") % {
            "business": business.name
        }
        body = render_to_string("tenancy/email/invitation.txt", context)
    email_text_queue(subject, body, [invitation.email])


def invitation_create(
    *, business: Business, email: str, role: str, actor: User | AnonymousUser | None
) -> IssuedInvitation:
    """Invites an email address into the team. A newer invitation replaces a pending one.
    PlanLimitReached when the plan's team seats (members and open invitations) are taken; the
    first owner's invitation (business_create) is never refused, and accepting one takes no
    new seat (the invitation held it)."""
    email = email_valid(email)
    role = role_valid(role)
    ratelimit_hit(f"invitation:{business.pk}", limit=INVITATIONS_PER_HOUR, window_seconds=3600)
    index = email_index(email)
    with transaction.atomic():
        # The plan subscription is locked first, then the business, as billing locks them:
        # the other order could deadlock with a plan change (PostgreSQL).
        plan_allows(business=business, key=Limit.TEAM_MEMBERS, adding=0)
        business_locked(business)
        if Membership.objects.filter(business=business, user__email_index=index).exists():
            raise Conflict(
                _("This person is already a member of the team."),
                code=TenancyErrorCode.ALREADY_MEMBER,
            )
        now = timezone.now()
        replaced = Invitation.objects.filter(
            business=business,
            email_index=index,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(revoked_at=now)
        plan_allows(business=business, key=Limit.TEAM_MEMBERS)
        return invitation_issue(
            business=business, email=email, role=role, actor=actor, replaced=replaced
        )


def invitation_require_usable(invitation: Invitation) -> None:
    """Raises InvitationUnusable (410) with a message that says why."""
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise InvitationUnusable(
            _("This invitation has been used already."), code=TenancyErrorCode.USED
        )
    if status == Invitation.Status.REVOKED:
        raise InvitationUnusable(_("This invitation was withdrawn."), code=TenancyErrorCode.REVOKED)
    if status == Invitation.Status.EXPIRED:
        raise InvitationUnusable(
            _("This invitation has expired. Ask for a new one."), code=TenancyErrorCode.EXPIRED
        )


def invitation_accept(
    *, token: str, user: User | None = None, name: str = "", password: str | None = None
) -> Membership:
    """Turns an invitation into a membership, once.

    `user` is the signed-in person, who must own the invited email; without `user` a new account
    is made for the invited email with `name` and `password`.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("business")
            .filter(token_hash=sha256_hex(token or ""))
            .first()
        )
        if invitation is None:
            raise NotFound(
                _("This invitation link is not valid."), code=TenancyErrorCode.INVITATION_UNKNOWN
            )
        invitation_require_usable(invitation)
        new_user = user is None
        if user is None:
            if not password:
                raise ValidationFailed(
                    _("Choose a password."), code=TenancyErrorCode.PASSWORD_MISSING
                )
            user = user_create(email=invitation.email, password=password, name=name)
        elif user.email_index != email_index(invitation.email):
            raise PermissionDenied(
                _("This invitation was sent to another email address."),
                code=TenancyErrorCode.WRONG_USER,
            )
        business = invitation.business
        if Membership.objects.filter(business=business, user=user).exists():
            raise Conflict(
                _("You are already a member of this business."),
                code=TenancyErrorCode.ALREADY_MEMBER,
            )
        membership = Membership.objects.create(business=business, user=user, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        activity_record(
            business=business,
            actor=user,
            action="invitation.accepted",
            target=invitation,
            data={"role": invitation.role, "membership_id": membership.pk, "new_user": new_user},
        )
    return membership


def invitation_revoke(
    *, business: Business, invitation: Invitation, actor: User | AnonymousUser | None
) -> Invitation:
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update()
            .filter(pk=invitation.pk, business=business)
            .first()
        )
        if locked is None:
            raise NotFound()
        if not locked.is_pending:
            raise Conflict(
                _("This invitation is no longer pending."), code=TenancyErrorCode.NOT_PENDING
            )
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        activity_record(business=business, actor=actor, action="invitation.revoked", target=locked)
    return locked
