"""Reads of tenancy. Everything about a team is scoped to one business; an id from another
business raises NotFound, so naming someone else's object looks the same as naming nothing.
The `unscoped_` lookups search every business: the credential they are given (an invitation's
token, an API key) is what says which business it is."""

from __future__ import annotations

import hmac
import re
import zlib
from typing import TYPE_CHECKING, cast

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from kazan.core.errors import NotFound
from kazan.core.rediscache import cache_get_fast
from kazan.tenancy.models import ApiKey, Business, Invitation, Membership, Role, sha256_hex

if TYPE_CHECKING:
    from kazan.accounts.models import User

_ROLE_ORDER = Case(
    When(role=Role.OWNER, then=Value(0)),
    When(role=Role.MANAGER, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
_API_KEY = re.compile(r"^kz_([a-z0-9]{8})_([A-Za-z0-9]{40})$")


def team_members(*, business: Business) -> QuerySet[Membership]:
    """Owners first, then managers, then agents; by name within a role."""
    return (
        Membership.objects.filter(business=business)
        .select_related("user")
        .annotate(role_order=_ROLE_ORDER)
        .order_by("role_order", "user__name", "id")
    )


def invitations_pending(*, business: Business) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        business=business,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at")


def team_seats_count(business: Business) -> int:
    """Members and open invitations: the seats the plan's team limit counts (an invitation holds
    its seat until it is accepted, withdrawn or expires)."""
    members = Membership.objects.filter(business=business).count()
    return members + invitations_pending(business=business).count()


def api_keys_active(*, business: Business) -> QuerySet[ApiKey]:
    return (
        ApiKey.objects.filter(business=business, revoked_at__isnull=True)
        .select_related("created_by")
        .order_by("-created_at")
    )


def membership_get(*, business: Business, membership_id: int) -> Membership:
    membership = (
        Membership.objects.filter(business=business, pk=membership_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def invitation_get(*, business: Business, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(business=business, pk=invitation_id).first()
    if invitation is None:
        raise NotFound()
    return invitation


def api_key_get(*, business: Business, api_key_id: int) -> ApiKey:
    api_key = ApiKey.objects.filter(business=business, pk=api_key_id).first()
    if api_key is None:
        raise NotFound()
    return api_key


def unscoped_invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation a link names (in any state), or None. Not business-scoped: the token is
    the credential, and its holder is not a member yet."""
    return (
        Invitation.objects.filter(token_hash=sha256_hex(token or ""))
        .select_related("business")
        .first()
    )


def unscoped_api_key_find(*, raw_key: str) -> ApiKey | None:
    """The active key a raw `kz_<prefix>_<secret>` names, or None (unknown, revoked, malformed).

    Looked up by its public prefix, then the hash compared in constant time."""
    raw_key = (raw_key or "").strip()
    match = _API_KEY.match(raw_key) if len(raw_key) <= 64 else None
    if not match:
        return None
    api_key = ApiKey.objects.filter(prefix=match.group(1)).select_related("business").first()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not hmac.compare_digest(api_key.secret_hash, sha256_hex(raw_key)):
        return None
    return api_key


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    """The businesses a person belongs to, by name; scoped to that person."""
    return (
        Membership.objects.filter(user=user).select_related("business").order_by("business__name")
    )


# --- for inbox ---


def memberships_by_name(*, business: Business) -> QuerySet[Membership]:
    """The business's members by their users' names (users loaded): whom a thread can be
    assigned to."""
    return (
        Membership.objects.filter(business=business)
        .select_related("user")
        .order_by("user__name", "user_id")
    )


def is_member(*, business: Business, user_id: int) -> bool:
    return Membership.objects.filter(business=business, user_id=user_id).exists()


# --- for analytics ---


def membership_of(*, business: Business, user: User) -> Membership | None:
    """The user's membership in the business, or None."""
    return Membership.objects.filter(business=business, user=user).first()


def membership_is_owner(membership: Membership) -> bool:
    return membership.role == Role.OWNER


# --- for console ---


def unscoped_businesses() -> QuerySet[Business]:
    """Every business on the platform (no order): the console's lists, map and reports build
    on it. Platform-wide by purpose: staff-only callers."""
    return Business.objects.all()


# --- for the website widget ---


def business_for_client_id(client_id: str) -> Business | None:
    """The business whose publishable client id this is (the widget's frame and loader name
    it in the URL); a rotated id names nobody. Read from the database each time, so a rotation
    takes effect at once."""
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 40:
        return None
    return Business.objects.filter(client_id=client_id).first()


# --- for campaigns ---


def unscoped_businesses_by_id(*, ids: list[int]) -> QuerySet[Business]:
    """These businesses, in id order."""
    return Business.objects.filter(pk__in=ids).order_by("pk")


def unscoped_businesses_active() -> QuerySet[Business]:
    """Every active (not suspended) business: the platform's jobs work for these only."""
    return Business.objects.filter(status=Business.Status.ACTIVE)


# --- for billing ---


def owner_emails(*, business: Business) -> list[str]:
    """The addresses of the business's active owners (billing emails go to them)."""
    return [
        m.user.email
        for m in team_members(business=business).filter(role=Role.OWNER, user__is_active=True)
        if m.user.email
    ]


# --- the business behind a public address, cached (landing page, chat, widget by slug) --------

# Seconds a cached business may outlive a change that missed its invalidation (a row changed by
# a bare UPDATE, or a request that read the row just before another committed a change).
BUSINESS_CACHE_SECONDS = 300
# Part of the key: a deploy that changes the model's fields never unpickles an older shape.
_BUSINESS_CACHE_SHAPE = zlib.crc32(
    ",".join(field.attname for field in Business._meta.concrete_fields).encode()
)


def _business_cache_key(slug: str) -> str:
    return f"tenancy:business:{_BUSINESS_CACHE_SHAPE}:{slug}"


def business_for_slug(slug: str) -> Business | None:
    """The business at /<slug>/ (or <slug>.BASE_DOMAIN), from the cache when it is there. Only
    the business's own profile is cached (no customer data), under its exact slug; saving or
    deleting a business forgets it (`business_cache_forget`, tenancy.signals). An unknown slug
    is not cached, so a business created under it is found at once."""
    key = _business_cache_key(slug)
    business = cast("Business | None", cache_get_fast(key))
    if business is None:
        business = Business.objects.filter(slug=slug).first()
        if business is not None:
            cache.set(key, business, BUSINESS_CACHE_SECONDS)
    return business


def business_cache_forget(*slugs: str) -> None:
    """Forget the cached business under these slugs, now and again after the transaction
    commits (so a request that read the old row meanwhile cannot put it back for long)."""
    keys = [_business_cache_key(slug) for slug in slugs if slug]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))
