"""Write use-cases of tenancy: businesses, the team (memberships, invitations) and API keys.

Team changes lock the business row first (SELECT FOR UPDATE), so two owners acting at once are
serialized and the "at least one owner" rule cannot be broken by a race.
Authorization (who may call these) is the caller's job: views and API routes check permissions.
"""

import logging
import re
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.accounts.models import User, email_index, email_normalize
from kazan.accounts.services import user_create
from kazan.activity.services import activity_record
from kazan.core.errors import Conflict, KazanError, NotFound, PermissionDenied, ValidationFailed
from kazan.core.ratelimit import ratelimit_hit
from kazan.tenancy.models import (
    API_KEY_PREFIX_LENGTH,
    CHAT_TEXT_FIELDS,
    ApiKey,
    Business,
    Invitation,
    Membership,
    Role,
    sha256_hex,
)

logger = logging.getLogger(__name__)

INVITATION_TTL = timedelta(days=7)
INVITATIONS_PER_HOUR = 50
API_KEYS_ACTIVE_MAX = 20
API_KEY_SECRET_LENGTH = 40
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


class InvitationUnusable(KazanError):
    """The link was real but is spent: accepted, revoked or expired."""

    code = "invitation_unusable"
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


@dataclass(frozen=True)
class IssuedApiKey:
    """A new API key and its full secret `kz_<prefix>_<secret>`, shown to its creator once."""

    api_key: ApiKey
    secret: str


def invitation_accept_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("accounts:invitation_accept", args=[token])


def _validation_failed(exc: ValidationError) -> ValidationFailed:
    if hasattr(exc, "error_dict"):
        parts = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
    else:
        parts = list(exc.messages)
    return ValidationFailed("; ".join(parts))


def _email_valid(email: str) -> str:
    email = email_normalize(email or "")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid email address."), code="invalid_email") from None
    return email


def _role_valid(role: str) -> str:
    if role not in Role.values:
        raise ValidationFailed(_("Choose a valid role."), code="invalid_role")
    return role


def _business_locked(business: Business) -> Business:
    return Business.objects.select_for_update().get(pk=business.pk)


def _actor_user(actor) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- businesses -------------------------------------------------------------------------------


def business_create(
    *, slug: str, name: str, owner_email: str, actor, **profile
) -> tuple[Business, IssuedInvitation | None]:
    """A new tenant and its first owner.

    If `owner_email` belongs to an account, that person becomes the owner at once and the second
    element is None; otherwise an owner invitation is created and emailed (on commit), and
    returned with its raw token so the caller can also show the link.
    """
    unknown = set(profile) - BUSINESS_PROFILE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown business fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    owner_email = _email_valid(owner_email)
    business = Business(slug=(slug or "").strip().lower(), name=(name or "").strip(), **profile)
    try:
        business.full_clean()
    except ValidationError as exc:
        raise _validation_failed(exc) from None
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
            owner = User.objects.filter(email_index=email_index(owner_email)).first()
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
            issued = _invitation_issue(
                business=business, email=owner_email, role=Role.OWNER, actor=actor, replaced=0
            )
    except IntegrityError:
        # Another request took the slug between full_clean and save.
        raise Conflict(_("This address is taken already."), code="slug_taken") from None
    return business, issued


def _profile_clean(fields: dict) -> dict:
    """Rules the model's full_clean cannot express: ISO codes of phone regions (also inside the
    allowed_countries list) and currencies. Returns normalized values."""
    cleaned = dict(fields)
    if "country" in cleaned:
        country = str(cleaned["country"] or "").strip().upper()
        if not region_valid(country):
            raise ValidationFailed(_("Unknown country code."), code="invalid_country")
        cleaned["country"] = country
    if "allowed_countries" in cleaned:
        raw = cleaned["allowed_countries"] or []
        if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
            raise ValidationFailed(_("Allowed countries must be a list."), code="invalid_country")
        codes = sorted({str(code).strip().upper() for code in raw})
        unknown = [code for code in codes if not region_valid(code)]
        if unknown:
            raise ValidationFailed(
                _("Unknown country codes: %(codes)s") % {"codes": ", ".join(unknown[:10])},
                code="invalid_country",
            )
        cleaned["allowed_countries"] = codes
    if "currency" in cleaned:
        currency = str(cleaned["currency"] or "").strip().upper()
        if not CURRENCY_RE.match(currency):
            raise ValidationFailed(
                _("Use a three-letter currency code like EUR."), code="invalid_currency"
            )
        cleaned["currency"] = currency
    for name in CHAT_TEXT_FIELDS:
        if name in cleaned:
            texts = cleaned[name] or {}
            if not isinstance(texts, dict):
                raise ValidationFailed(
                    _("Expected one text per language."), code="invalid_chat_text"
                )
            # an emptied text means "the default again": it is not kept as ""
            cleaned[name] = {
                code: text.strip() if isinstance(text, str) else text
                for code, text in texts.items()
                if not isinstance(text, str) or text.strip()
            }
    return cleaned


def business_update(
    *, business: Business, actor, action: str = "business.updated", **fields
) -> Business:
    """Changes profile fields (validated like a form would); records only the field names
    (never the values) under `action` — the settings page says "business.settings_edited".

    A replaced or removed logo file is deleted from storage after the commit, so a rollback
    never leaves the business pointing at a missing file."""
    unknown = set(fields) - BUSINESS_PROFILE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown business fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    fields = _profile_clean(fields)
    try:
        with transaction.atomic():
            locked = _business_locked(business)
            before = {name: getattr(locked, name) for name in fields}
            old_logo = locked.logo.name if "logo" in fields else ""
            for name, value in fields.items():
                setattr(locked, name, value)
            try:
                locked.full_clean()
            except ValidationError as exc:
                raise _validation_failed(exc) from None
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
        raise Conflict(_("This address is taken already."), code="slug_taken") from None
    for name in changed:
        setattr(business, name, getattr(locked, name))
    return locked


STATUS_REASON_MAX = 500


def business_status_change(*, business: Business, status: str, reason: str, actor) -> bool:
    """Platform staff suspend or reactivate a business; nothing is deleted. While suspended its
    landing page says it is unavailable, its campaigns and reminders wait and no monthly
    allowance is granted. Returns False when the business already had that status.
    Raises PermissionDenied (not staff), ValidationFailed (unknown status, no reason)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    if status not in Business.Status.values:
        raise ValidationFailed(_("Choose a valid status."), code="invalid_status")
    reason = (reason or "").strip()
    if not reason or len(reason) > STATUS_REASON_MAX:
        raise ValidationFailed(
            _("Say why, in at most %(max)s characters.") % {"max": STATUS_REASON_MAX},
            code="reason_required",
        )
    with transaction.atomic():
        changed = (
            Business.objects.filter(pk=business.pk).exclude(status=status).update(status=status)
        )
        if not changed:
            return False
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


# --- invitations ------------------------------------------------------------------------------


def _invitation_issue(
    *, business: Business, email: str, role: str, actor, replaced: int
) -> IssuedInvitation:
    """Creates the row, the activity entry and the on-commit email. Call inside a transaction."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        business=business,
        email=email,
        email_index=email_index(email),
        role=role,
        token_hash=sha256_hex(token),
        invited_by=_actor_user(actor),
        expires_at=timezone.now() + INVITATION_TTL,
    )
    activity_record(
        business=business,
        actor=actor,
        action="invitation.created",
        target=invitation,
        data={"role": role, "replaced": replaced},
    )
    transaction.on_commit(lambda: _invitation_email_send(invitation, token))
    return IssuedInvitation(invitation=invitation, token=token)


def _invitation_email_send(invitation: Invitation, token: str) -> None:
    """Runs after commit. A failed send is logged (without the address); the owner has the link.

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
    try:
        with translation.override(business.language):
            subject = gettext("You are invited to join %(business)s on Kazan") % {
                "business": business.name
            }
            body = render_to_string("tenancy/email/invitation.txt", context)
        send_mail(subject, body, None, [invitation.email])
    except Exception:
        logger.exception("invitation email #%s could not be sent", invitation.pk)


def invitation_create(*, business: Business, email: str, role: str, actor) -> IssuedInvitation:
    """Invites an email address into the team. A newer invitation replaces a pending one."""
    email = _email_valid(email)
    role = _role_valid(role)
    ratelimit_hit(f"invitation:{business.pk}", limit=INVITATIONS_PER_HOUR, window_seconds=3600)
    index = email_index(email)
    with transaction.atomic():
        _business_locked(business)
        if Membership.objects.filter(business=business, user__email_index=index).exists():
            raise Conflict(_("This person is already a member of the team."), code="already_member")
        now = timezone.now()
        replaced = Invitation.objects.filter(
            business=business,
            email_index=index,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(revoked_at=now)
        return _invitation_issue(
            business=business, email=email, role=role, actor=actor, replaced=replaced
        )


def invitation_require_usable(invitation: Invitation) -> None:
    """Raises InvitationUnusable (410) with a message that says why."""
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise InvitationUnusable(_("This invitation has been used already."), code="used")
    if status == Invitation.Status.REVOKED:
        raise InvitationUnusable(_("This invitation was withdrawn."), code="revoked")
    if status == Invitation.Status.EXPIRED:
        raise InvitationUnusable(
            _("This invitation has expired. Ask for a new one."), code="expired"
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
            raise NotFound(_("This invitation link is not valid."), code="invitation_unknown")
        invitation_require_usable(invitation)
        new_user = user is None
        if user is None:
            if not password:
                raise ValidationFailed(_("Choose a password."), code="password_missing")
            user = user_create(email=invitation.email, password=password, name=name)
        elif user.email_index != email_index(invitation.email):
            raise PermissionDenied(
                _("This invitation was sent to another email address."), code="wrong_user"
            )
        business = invitation.business
        if Membership.objects.filter(business=business, user=user).exists():
            raise Conflict(_("You are already a member of this business."), code="already_member")
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


def invitation_revoke(*, business: Business, invitation: Invitation, actor) -> Invitation:
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update()
            .filter(pk=invitation.pk, business=business)
            .first()
        )
        if locked is None:
            raise NotFound()
        if not locked.is_pending:
            raise Conflict(_("This invitation is no longer pending."), code="not_pending")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        activity_record(business=business, actor=actor, action="invitation.revoked", target=locked)
    return locked


# --- memberships ------------------------------------------------------------------------------


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
            code="last_owner",
        )


def membership_role_change(
    *, business: Business, membership: Membership, role: str, actor
) -> Membership:
    role = _role_valid(role)
    with transaction.atomic():
        _business_locked(business)
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


def membership_remove(*, business: Business, membership: Membership, actor) -> None:
    with transaction.atomic():
        _business_locked(business)
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


# --- API keys ---------------------------------------------------------------------------------

_KEY_ALPHABET = string.ascii_letters + string.digits
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


def api_key_create(*, business: Business, name: str, actor) -> IssuedApiKey:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("Give the key a name of up to 100 characters."), code="name")
    with transaction.atomic():
        _business_locked(business)
        active = ApiKey.objects.filter(business=business, revoked_at__isnull=True).count()
        if active >= API_KEYS_ACTIVE_MAX:
            raise Conflict(
                _("A business can have at most %(count)d active API keys. Revoke one first.")
                % {"count": API_KEYS_ACTIVE_MAX},
                code="too_many_keys",
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
            created_by=_actor_user(actor),
        )
        activity_record(
            business=business,
            actor=actor,
            action="api_key.created",
            target=api_key,
            data={"prefix": prefix},
        )
    return IssuedApiKey(api_key=api_key, secret=raw_key)


def api_key_revoke(*, business: Business, api_key: ApiKey, actor) -> ApiKey:
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().filter(pk=api_key.pk, business=business).first()
        if locked is None:
            raise NotFound()
        if locked.revoked_at is not None:
            raise Conflict(_("This key is revoked already."), code="revoked")
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
