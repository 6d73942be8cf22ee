"""Secure links: issued for one customer and one purpose, opened by a random token of which
only a SHA-256 hash is stored, expiring, revocable and, where it matters, used once
(docs/decisions/0023-secure-links.md). The chat carries the link; the data stays on our pages."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.errors import ValidationFailed
from kazan.links.error_codes import LinksErrorCode
from kazan.links.errors import LinksError
from kazan.links.models import Purpose, SecureLink

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

# secrets.token_urlsafe(32): 43 characters of the URL-safe alphabet (256 random bits).
TOKEN_BYTES = 32
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")

DEFAULT_TTL: dict[str, timedelta] = {
    Purpose.REGISTRATION: timedelta(hours=24),  # seed 002's dialog: "caduca en 24 horas"
    Purpose.MY_DATA: timedelta(hours=1),
    Purpose.PAYMENT: timedelta(hours=24),  # commerce passes its own setting
    Purpose.INVOICE: timedelta(days=30),
}
MAX_TTL = timedelta(days=90)
# Used up by the action they lead to (a saved registration, a payment, an erasure); an invoice
# link may be opened again until it expires.
SINGLE_USE = frozenset({Purpose.REGISTRATION, Purpose.PAYMENT, Purpose.MY_DATA})
# How long ended links are kept (for the team's questions) before the purge deletes them.
KEEP_ENDED = timedelta(days=30)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def secure_link_url(*, business: Business, token: str) -> str:
    return f"{settings.PUBLIC_URL}/{business.slug}/link/{token}"


def secure_link_issue(
    *,
    business: Business,
    customer: Customer,
    purpose: str,
    target_id: int | None = None,
    channel: str = "",
    ttl: timedelta | None = None,
) -> str:
    """A new link for `customer` to the page of `purpose`; returns its absolute URL. Earlier
    live links of the same customer, purpose and target are revoked, so only the newest works."""
    if purpose not in Purpose.values:
        raise ValidationFailed(
            _("Unknown secure link purpose."), code=LinksErrorCode.PURPOSE_UNKNOWN
        )
    if customer.business_id != business.pk or customer.erased_at is not None:
        raise ValidationFailed(_("This customer cannot receive a secure link."))
    lifetime = ttl if ttl is not None else DEFAULT_TTL[purpose]
    if lifetime <= timedelta(0) or lifetime > MAX_TTL:
        raise ValidationFailed(_("A secure link must expire within 90 days."))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    with transaction.atomic():
        _live(business=business, customer=customer, purpose=purpose, now=now).filter(
            target_id=target_id
        ).update(revoked_at=now)
        link = SecureLink.objects.create(
            business=business,
            customer=customer,
            purpose=purpose,
            target_id=target_id,
            channel=(channel or "")[:16],
            token_hash=token_hash(token),
            single_use=purpose in SINGLE_USE,
            expires_at=now + lifetime,
        )
        activity_record(
            business=business,
            actor=None,
            actor_kind="system",
            action="link.issued",
            target=customer,
            data={"link": link.pk, "purpose": purpose, "channel": link.channel},
        )
    return secure_link_url(business=business, token=token)


def _live(
    *, business: Business, customer: Customer, purpose: str, now: datetime
) -> QuerySet[SecureLink]:
    return SecureLink.objects.filter(
        business=business,
        customer=customer,
        purpose=purpose,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )


def secure_link_resolve(*, token: str) -> SecureLink:
    """The live link of `token`, with its business and customer. Raises LinksError:
    LINK_INVALID (unknown, malformed, revoked, customer erased or business inactive),
    LINK_EXPIRED, LINK_USED. Only the hash is looked up: the token never reaches the database."""
    candidate = token if isinstance(token, str) and _TOKEN_RE.match(token) else "-" * 43
    digest = token_hash(candidate)
    link = (
        SecureLink.objects.select_related("business", "customer").filter(token_hash=digest).first()
    )
    # The compare is belt and braces: the row was found by its hash's unique index.
    if link is None or not hmac.compare_digest(link.token_hash, digest) or candidate != token:
        raise LinksError(LinksErrorCode.LINK_INVALID)
    if (
        link.revoked_at is not None
        or link.customer.erased_at is not None
        or not link.business.is_active
    ):
        raise LinksError(LinksErrorCode.LINK_INVALID)
    if link.used_at is not None:
        raise LinksError(LinksErrorCode.LINK_USED)
    if link.expires_at <= timezone.now():
        raise LinksError(LinksErrorCode.LINK_EXPIRED)
    return link


def secure_link_consume(*, link: SecureLink) -> None:
    """Mark a single-use link used, once: of two racing submits exactly one gets through, the
    other gets LINK_USED (call it inside the transaction of the action the link leads to, so a
    failed action leaves the link usable). A multi-use link is not consumed."""
    if not link.single_use:
        return
    now = timezone.now()
    updated = SecureLink.objects.filter(
        pk=link.pk,
        business_id=link.business_id,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(used_at=now)
    if updated != 1:
        raise LinksError(LinksErrorCode.LINK_USED)
    link.used_at = now


def secure_link_revoke(*, business: Business, link: SecureLink, actor: Actor = None) -> None:
    """Stop a link from working (the team withdrew it, the order was cancelled). Revoking an
    ended link changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        revoked = SecureLink.objects.filter(
            business=business,
            pk=link.pk,
            revoked_at__isnull=True,
            used_at__isnull=True,
            expires_at__gt=now,
        ).update(revoked_at=now)
        if revoked:
            link.revoked_at = now
            activity_record(
                business=business,
                actor=actor,
                actor_kind=None if actor is not None else "system",
                action="link.revoked",
                target=link.customer,
                data={"link": link.pk, "purpose": link.purpose},
            )


def secure_links_revoke(
    *, business: Business, customer: Customer, purpose: str | None = None
) -> int:
    """Revoke every live link of a customer (of one purpose, or all). Returns how many."""
    links = SecureLink.objects.filter(
        business=business, customer=customer, used_at__isnull=True, revoked_at__isnull=True
    )
    if purpose:
        links = links.filter(purpose=purpose)
    return links.update(revoked_at=timezone.now())


def secure_links_purge(*, now: datetime | None = None) -> int:
    """Delete links that ended (expired, used or revoked) more than KEEP_ENDED ago."""
    cutoff = (now or timezone.now()) - KEEP_ENDED
    deleted, _by_model = SecureLink.objects.filter(
        Q(expires_at__lte=cutoff) | Q(used_at__lte=cutoff) | Q(revoked_at__lte=cutoff)
    ).delete()
    return deleted


def secure_links_erase(business: Business, customer: Customer) -> None:
    """The GDPR erasure's "secure_links" section: the customer's links are deleted."""
    SecureLink.objects.filter(business=business, customer=customer).delete()
