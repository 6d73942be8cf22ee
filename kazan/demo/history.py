"""The demo's past: days of guests scanning the QR code and going through the review funnel.

Every guest who verifies goes through the same services as a real one (an OTP SMS in the outbox,
registration, a review, the welcome voucher and its SMS, a redemption when they come back) and
the rows are then dated back to the visit. Scans and details that went no further are imported
as events. The daily counters are recounted from the event rows at the end, so every figure on
the dashboard and the console agrees with the rows behind it: reviews in the chart are Review
rows, verifications are OTP SMS, vouchers are Vouchers, and returning guests are counted.

Not dated back: the SMS credit ledger and the consent ledger are append-only records of when
something was written, and the activity log records the demo being loaded.
"""

from __future__ import annotations

import random
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

COMMENTS = [
    "Best flat white in the neighbourhood!",
    "Lovely staff, cosy place.",
    "Cake was a bit dry.",
    "Great breakfast, will come back.",
    "A little slow on Sunday morning.",
    "",
]


@dataclass(frozen=True)
class Guest:
    phone: str
    name: str
    language: str
    consents: bool  # ticks the SMS-offers box on their first visit


@dataclass
class _Load:
    """What one business's history load keeps track of while it runs."""

    business: Business
    owner: User
    rng: random.Random
    started: datetime  # rows written after this are the current visit's, to be dated back
    issued: dict  # welcome voucher pk -> when it was handed out
    known: set  # phones already registered


def history_load(
    *,
    business,
    people: list[Guest],
    days: int,
    owner,
    rng: random.Random,
    busy: bool,
    quiet_days: int = 0,
) -> None:
    """`days` of history up to now. Each day some scans, a few guests who type their details,
    and of those the ones who verify their phone go through the funnel: `people` in order
    first, then any of them again (returning guests). A busy business gets more guests and
    weekend crowds. Nothing happens in the last `quiet_days` days (a business gone quiet)."""
    from kazan.analytics.enums import EventKind
    from kazan.analytics.services import events_import
    from kazan.loyalty.models import Voucher

    load = _Load(business, owner, rng, timezone.now(), {}, set())
    zone = zoneinfo.ZoneInfo(business.timezone)
    imported: list[tuple[str, datetime, dict[str, object]]] = []
    visits = 0
    for days_ago in range(days, quiet_days - 1, -1):
        day = timezone.localtime(load.started - timedelta(days=days_ago), zone)
        if busy:
            scans = rng.randint(3, 10) + (5 if day.weekday() >= 5 else 0)
            verified = rng.randint(0, 2)
        else:
            scans = rng.randint(1, 6)
            verified = int(rng.random() < 0.12)
        abandoned = rng.randint(0, 2)  # typed their details, never entered the code
        for n in range(scans):
            at = day.replace(hour=9 + n % 11, minute=(7 * n) % 60, second=0, microsecond=0)
            if at >= load.started:
                break
            imported.append((EventKind.QR_SCAN, at, {}))
            if n < abandoned:
                imported.append((EventKind.DATA_ENTERED, at + timedelta(minutes=2), {}))
            if busy and n % 4 == 1:
                network = ("instagram", "website")[n % 2]
                imported.append((EventKind.SOCIAL_CLICK, at, {"network": network}))
        for n in range(min(verified, scans)):
            at = day.replace(hour=10 + 3 * n, minute=rng.randint(0, 59), second=0, microsecond=0)
            if at >= load.started:
                break
            guest = people[visits] if visits < len(people) else rng.choice(people)
            _visit(load, guest=guest, at=at)
            visits += 1
    events_import(business=business, events=imported)  # and recounts every daily counter
    Voucher.objects.filter(business=business, kind=Voucher.Kind.WELCOME).update(
        expires_at=F("created_at") + timedelta(days=business.voucher_validity_days)
    )


def _visit(load: _Load, *, guest: Guest, at: datetime) -> None:
    """One guest through the funnel at `at`, the way the chat's actions do it."""
    from kazan.analytics.enums import EventKind
    from kazan.analytics.services import event_record
    from kazan.customers.models import ConsentRecord
    from kazan.customers.queries import consent_wording_current
    from kazan.customers.services import customer_register
    from kazan.loyalty.services import review_submit, voucher_redeem, voucher_welcome_issue
    from kazan.messaging.models import Purpose
    from kazan.messaging.services import sms_send

    business, rng = load.business, load.rng
    first_visit = guest.phone not in load.known
    load.known.add(guest.phone)
    event_record(business=business, kind=EventKind.DATA_ENTERED)
    with translation.override(guest.language):
        otp = gettext(
            "%(code)s is your %(business)s verification code. It is valid for %(minutes)d minutes."
        ) % {"code": f"{rng.randint(0, 999999):06d}", "business": business.name, "minutes": 10}
    sms_send(business=business, to=guest.phone, body=otp, purpose=Purpose.OTP)
    event_record(business=business, kind=EventKind.OTP_SENT)
    event_record(business=business, kind=EventKind.OTP_VERIFIED)
    wording = None
    if first_visit and guest.consents:
        wording = consent_wording_current(
            purpose=ConsentRecord.Purpose.SMS_MARKETING, language=guest.language
        )
    customer, _created = customer_register(
        business=business,
        phone=guest.phone,
        name=guest.name,
        language=guest.language,
        channel="web",
        wording=wording,
        phone_verified=True,
        ip="203.0.113.7",
        user_agent="Mozilla/5.0 (demo)",
    )
    review_submit(
        business=business,
        customer=customer,
        rating=rng.choice([3, 4, 4, 5, 5, 5]),
        comment=rng.choice(COMMENTS),
    )
    if rng.random() < 0.4:
        event_record(business=business, kind=EventKind.GOOGLE_REVIEW_CLICK, customer=customer)
    voucher, issued = voucher_welcome_issue(business=business, customer=customer)
    validity = timedelta(days=business.voucher_validity_days)
    if issued:
        load.issued[voucher.pk] = at
        with translation.override(guest.language):
            body = gettext(
                "%(business)s: your welcome gift %(discount)s. Code %(code)s, valid until %(date)s."
            ) % {
                "business": business.name,
                "discount": voucher.discount_text,
                "code": voucher.code,
                "date": formats.date_format(at + validity, "SHORT_DATE_FORMAT"),
            }
        sms_send(
            business=business,
            to=guest.phone,
            body=body,
            purpose=Purpose.TRANSACTIONAL,
            customer=customer,
        )
    elif voucher.redeemed_at is None and at < load.issued.get(voucher.pk, at) + validity:
        voucher_redeem(business=business, code=voucher.code, actor=load.owner)  # back to use it
    _date_back(load, at)


def _date_back(load: _Load, at: datetime) -> None:
    """Moves the rows the visit just wrote (everything stamped since the load began that is not
    dated back yet) to the time of the visit."""
    from kazan.analytics.models import Event
    from kazan.customers.models import Customer
    from kazan.loyalty.models import Review, Voucher
    from kazan.messaging.models import OutboundMessage

    business, since = load.business, load.started
    Event.objects.filter(business=business, occurred_at__gte=since).update(occurred_at=at)
    Review.objects.filter(business=business, created_at__gte=since).update(created_at=at)
    Voucher.objects.filter(business=business, created_at__gte=since).update(created_at=at)
    Voucher.objects.filter(business=business, redeemed_at__gte=since).update(redeemed_at=at)
    OutboundMessage.objects.filter(business=business, created_at__gte=since).update(
        created_at=at, next_attempt_at=at
    )
    Customer.objects.filter(business=business, created_at__gte=since).update(
        created_at=at, first_interaction_at=at
    )
    Customer.objects.filter(business=business, last_interaction_at__gte=since).update(
        last_interaction_at=at
    )
