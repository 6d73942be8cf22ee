"""Reminders: the business's one rule, and the hourly job that texts customers who have been
quiet for a while (same consent and credit rules as campaigns)."""

import logging
import zoneinfo
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.campaigns import queries
from kazan.campaigns.audience import SMS
from kazan.campaigns.error_codes import CampaignsErrorCode
from kazan.campaigns.models import ReminderRule, ReminderSent, ShortLink
from kazan.campaigns.services.sending import BATCH_SIZE, _offer_write
from kazan.campaigns.services.validation import _clean_text, _validate_text
from kazan.core.db import insert_or_fetch
from kazan.core.errors import InsufficientCredits, NotFound, PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.customers.models import Customer
    from kazan.messaging.models import OutboundMessage
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.campaigns")

# Reminders go out in the business's daytime only; the hourly job catches up within the window.
REMINDER_HOURS = range(10, 20)
REMINDER_DAYS_MAX = 365
REMINDER_CAP_MAX = 50


def reminder_rule_save(
    *,
    business: "Business",
    actor: "Actor",
    enabled: bool,
    days_without_sms: int,
    template: str,
    cap_per_customer: int,
) -> ReminderRule:
    """Sets the business's reminder rule (one per business)."""
    template = _clean_text(template).replace("\r\n", "\n")
    if enabled or template:
        template = _validate_text(template, has_voucher=False)
    for value, low, high, message in (
        (days_without_sms, 1, REMINDER_DAYS_MAX, _("Days without SMS: 1 to %(max)d.")),
        (cap_per_customer, 1, REMINDER_CAP_MAX, _("Reminders per customer: 1 to %(max)d.")),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(message % {"max": high}, code=CampaignsErrorCode.INVALID_RULE)
    with transaction.atomic():
        rule, _created = ReminderRule.objects.update_or_create(
            business=business,
            defaults={
                "enabled": bool(enabled),
                "days_without_sms": days_without_sms,
                "template": template,
                "cap_per_customer": cap_per_customer,
            },
        )
        activity_record(
            business=business,
            actor=actor,
            action="reminders.updated",
            target=rule,
            data={"enabled": rule.enabled, "days": days_without_sms, "cap": cap_per_customer},
        )
    return rule


def reminders_send_for(*, rule: ReminderRule, now: datetime | None = None) -> int:
    """Today's reminders of one business (its local day). Same rules as campaigns: consent
    re-checked, refused if the balance cannot cover them all, a clean stop if credits run out.
    Idempotent per customer per day."""
    now = now or timezone.now()
    business = rule.business
    day = now.astimezone(zoneinfo.ZoneInfo(business.timezone)).date()
    candidates = queries.reminder_candidates(rule=rule, now=now).exclude(
        pk__in=queries.reminded_on(business=business, day=day)
    )
    estimate = queries.campaign_estimate(
        business=business, body=rule.template, has_voucher=False, customers=candidates
    )
    if not estimate.recipients:
        return 0
    if not estimate.enough:
        logger.info("reminders of business %s wait for credits", business.pk)
        return 0
    sent = 0
    for customer in candidates.iterator(chunk_size=BATCH_SIZE):
        try:
            with transaction.atomic():
                message, tracked = _offer_write(
                    business=business,
                    channel=SMS,
                    customer=customer,
                    text=rule.template,
                    idempotency_key=f"reminder:{customer.pk}:{day.isoformat()}",
                )
                ShortLink.objects.bulk_create(tracked)
                inserted = _reminder_sent_record(
                    business=business, customer=customer, day=day, message=message
                )
        except InsufficientCredits:
            break
        except (PermissionDenied, ValidationFailed, NotFound):
            continue
        sent += int(inserted)
    if sent:
        with transaction.atomic():
            activity_record(
                business=business,
                actor=None,
                actor_kind="system",
                action="reminders.sent",
                target=rule,
                data={"count": sent, "day": day.isoformat()},
            )
    return sent


def reminders_send_due(*, now: datetime | None = None) -> int:
    """The hourly job: every enabled rule of an active (not suspended) business that is in its
    daytime window."""
    now = now or timezone.now()
    total = 0
    for rule in queries.unscoped_reminder_rules_enabled():
        local = now.astimezone(zoneinfo.ZoneInfo(rule.business.timezone))
        if local.hour in REMINDER_HOURS and rule.template:
            total += reminders_send_for(rule=rule, now=now)
    return total


def _reminder_sent_record(
    *, business: "Business", customer: "Customer", day: date, message: "OutboundMessage"
) -> bool:
    """Notes today's reminder of `customer`; False when another run already did."""

    def insert() -> ReminderSent:
        return ReminderSent.objects.create(
            business=business, customer=customer, day=day, message=message
        )

    def fetch() -> ReminderSent | None:
        return ReminderSent.objects.filter(business=business, customer=customer, day=day).first()

    _row, inserted = insert_or_fetch(insert, fetch)
    return inserted
