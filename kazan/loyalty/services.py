"""Loyalty write use-cases: in-chat reviews, vouchers (issue, redeem, undo a redemption).

The welcome voucher rewards the visit and the in-chat feedback, never a public review: Google's
policy forbids incentives for reviews, so nothing here knows whether one was left.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_record, event_retract
from kazan.core.db import insert_or_fetch
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.loyalty.error_codes import LoyaltyErrorCode
from kazan.loyalty.models import Review, Voucher

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.customers.services import Actor
    from kazan.tenancy.models import Business

# No 0/O, 1/I/L: a code is read aloud at the counter and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def voucher_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def voucher_code_normalize(raw: str) -> str:
    """What a person typed or a scanner read → the stored form (upper case, no spaces/dashes)."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:16]


def review_submit(
    *, business: Business, customer: Customer, rating: int, comment: str = "", channel: str = "web"
) -> Review:
    """Stores the in-chat feedback (1–5 stars and an optional comment)."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(_("Please choose 1 to 5 stars."))
    comment = (comment or "").replace("\x00", "").strip()[:2000]
    with transaction.atomic():
        review = Review.objects.create(
            business=business, customer=customer, rating=rating, comment=comment, channel=channel
        )
        event_record(
            business=business,
            kind=EventKind.REVIEW_SUBMITTED,
            customer=customer,
            data={"rating": rating},
        )
        activity_record(
            business=business,
            actor=None,
            actor_kind="customer",
            action="review.submitted",
            target=review,
            data={"rating": rating, "channel": channel},
        )
    return review


def _voucher_create(
    *, business: Business, customer: Customer, kind: str, discount_text: str, expires_at: datetime
) -> Voucher:
    """Inserts with a fresh code; a code collision (31^8 codes: rare) draws again."""
    while True:
        code = voucher_code_new()
        try:
            with transaction.atomic():
                return Voucher.objects.create(
                    business=business,
                    customer=customer,
                    kind=kind,
                    code=code,
                    discount_text=discount_text,
                    expires_at=expires_at,
                )
        except IntegrityError:
            if not Voucher.objects.filter(business=business, code=code).exists():
                raise


def voucher_welcome_issue(*, business: Business, customer: Customer) -> tuple[Voucher, bool]:
    """The welcome gift: one per customer per business, ever. Returns (voucher, issued_now);
    a returning customer gets their existing voucher back and issued_now=False."""
    existing = Voucher.objects.filter(
        business=business, customer=customer, kind=Voucher.Kind.WELCOME
    ).first()
    if existing:
        return existing, False
    with transaction.atomic():
        voucher, created = insert_or_fetch(
            lambda: _voucher_create(
                business=business,
                customer=customer,
                kind=Voucher.Kind.WELCOME,
                discount_text=business.voucher_discount_text,
                expires_at=timezone.now() + timedelta(days=business.voucher_validity_days),
            ),
            lambda: Voucher.objects.filter(
                business=business, customer=customer, kind=Voucher.Kind.WELCOME
            ).first(),
        )
        if created:
            _voucher_issued(voucher)
    return voucher, created


def voucher_campaign_issue(
    *, business: Business, customer: Customer, discount_text: str, valid_days: int
) -> Voucher:
    """A campaign's voucher for one recipient (any number per customer)."""
    with transaction.atomic():
        voucher = _voucher_create(
            business=business,
            customer=customer,
            kind=Voucher.Kind.CAMPAIGN,
            discount_text=discount_text,
            expires_at=timezone.now() + timedelta(days=valid_days),
        )
        _voucher_issued(voucher)
    return voucher


def _voucher_issued(voucher: Voucher) -> None:
    event_record(
        business=voucher.business,
        kind=EventKind.VOUCHER_ISSUED,
        customer=voucher.customer,
        data={"kind": voucher.kind},
    )
    activity_record(
        business=voucher.business,
        actor=None,
        actor_kind="system",
        action="voucher.issued",
        target=voucher,
        data={"kind": voucher.kind},
    )


@dataclass(frozen=True)
class VoucherCheck:
    """What the counter sees for a typed or scanned code."""

    state: str  # "valid" | "redeemed" | "expired" | "unknown"
    voucher: Voucher | None


def voucher_check(*, business: Business, code: str) -> VoucherCheck:
    """The state of a typed or scanned code of this business; another business's code is
    "unknown" like a made-up one."""
    normalized = voucher_code_normalize(code)
    if not normalized:
        return VoucherCheck("unknown", None)
    voucher = (
        Voucher.objects.filter(business=business, code=normalized)
        .select_related("redeemed_by", "customer")
        .first()
    )
    if voucher is None:
        return VoucherCheck("unknown", None)
    if voucher.redeemed_at:
        return VoucherCheck("redeemed", voucher)
    if voucher.expires_at <= timezone.now():
        return VoucherCheck("expired", voucher)
    return VoucherCheck("valid", voucher)


def voucher_redeem(
    *, business: Business, code: str, actor: Actor, actor_kind: str | None = None
) -> VoucherCheck:
    """Marks a valid voucher redeemed, once: a conditional UPDATE, so two tills pressing at the
    same moment cannot both redeem it. Returns the state the code had ("valid" = redeemed now).
    `actor_kind` names a non-person actor (an API key) for the activity log."""
    normalized = voucher_code_normalize(code)
    now = timezone.now()
    with transaction.atomic():
        updated = Voucher.objects.filter(
            business=business, code=normalized, redeemed_at__isnull=True, expires_at__gt=now
        ).update(redeemed_at=now, redeemed_by=actor)
        if not updated:
            check = voucher_check(business=business, code=normalized)
            if check.state == "unknown":
                raise NotFound(_("No voucher with this code."))
            return check
        voucher = (
            Voucher.objects.filter(business=business, code=normalized)
            .select_related("redeemed_by", "customer")
            .get()
        )
        event_record(
            business=business,
            kind=EventKind.VOUCHER_REDEEMED,
            customer=voucher.customer,
            data={"kind": voucher.kind},
            at=now,  # the redemption's own time, so an undo retracts exactly this event
        )
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="voucher.redeemed",
            target=voucher,
            data={"kind": voucher.kind},
        )
    return VoucherCheck("valid", voucher)


def voucher_undo_window() -> timedelta:
    """How long after a redemption the counter may still undo it (VOUCHER_UNDO_MINUTES)."""
    return timedelta(minutes=settings.VOUCHER_UNDO_MINUTES)


def voucher_redemption_undo(
    *, business: Business, voucher_id: int, redeemed_at: datetime, actor: Actor
) -> Voucher:
    """Makes a voucher valid again after a redemption by mistake, within voucher_undo_window().

    `redeemed_at` is the redemption time the counter showed: the conditional UPDATE matches only
    that redemption, so a double click, two tills undoing at once, or a stale page after the
    voucher was redeemed anew undo nothing more (the loser gets Conflict). The redemption's
    analytics event is taken back with it. NotFound for another business's voucher.
    """
    now = timezone.now()
    voucher = Voucher.objects.filter(business=business, pk=voucher_id).first()
    if voucher is None:
        raise NotFound(_("No voucher with this code."))
    gone = Conflict(
        _("This redemption can no longer be undone."), code=LoyaltyErrorCode.UNDO_NOT_POSSIBLE
    )
    if voucher.redeemed_at != redeemed_at:
        raise gone
    redeemed_by_id = voucher.redeemed_by_id
    with transaction.atomic():
        undone = Voucher.objects.filter(
            business=business,
            pk=voucher.pk,
            redeemed_at=redeemed_at,
            redeemed_at__gt=now - voucher_undo_window(),
        ).update(redeemed_at=None, redeemed_by=None)
        if not undone:
            raise gone
        event_retract(
            business=business,
            kind=EventKind.VOUCHER_REDEEMED,
            customer=voucher.customer,
            at=redeemed_at,
        )
        activity_record(
            business=business,
            actor=actor,
            action="voucher.redemption_undone",
            target=voucher,
            data={"kind": voucher.kind, "redeemed_by": redeemed_by_id},
        )
    voucher.redeemed_at = None
    voucher.redeemed_by = None
    return voucher
