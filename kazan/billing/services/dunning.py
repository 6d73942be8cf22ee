"""A past-due plan: reminders to the owners at BILLING_DUNNING_DAYS after it fell past due
(each step once: the DunningNotice row is claimed before the email goes out), and suspension by
billing once it stays unpaid longer than BILLING_GRACE_DAYS (nothing is deleted; a payment
reactivates it). Both jobs are idempotent. Decision 0034."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from kazan.activity.services import activity_record
from kazan.billing.models import DunningNotice, PlanChange, PlanSubscription, SubscriptionStatus
from kazan.billing.queries.plan_pages import never_paid
from kazan.billing.services.plan_state import plan_log, subscription_locked
from kazan.core.db import insert_or_fetch
from kazan.core.mail import email_text_queue
from kazan.tenancy.queries import owner_emails, unscoped_businesses_active
from kazan.tenancy.services import business_billing_suspend

logger = logging.getLogger("kazan.billing")

Status = SubscriptionStatus


def _due_step(since: dt.datetime, now: dt.datetime) -> int | None:
    """The latest reminder step due (index into BILLING_DUNNING_DAYS), None before the first."""
    due = [
        step
        for step, days in enumerate(settings.BILLING_DUNNING_DAYS)
        if since + dt.timedelta(days=days) <= now
    ]
    return due[-1] if due else None


def _claim(subscription: PlanSubscription, since: dt.datetime, step: int) -> bool:
    """Notes that `step` (and every earlier one: a late run sends only the latest) is sent for
    this spell of being past due; False when it was already."""

    def insert() -> DunningNotice:
        return DunningNotice.objects.create(
            subscription=subscription, past_due_since=since, step=step
        )

    def fetch() -> DunningNotice | None:
        return DunningNotice.objects.filter(
            subscription=subscription, past_due_since=since, step=step
        ).first()

    _row, inserted = insert_or_fetch(insert, fetch)
    if inserted and step:
        DunningNotice.objects.bulk_create(
            [
                DunningNotice(subscription=subscription, past_due_since=since, step=earlier)
                for earlier in range(step)
            ],
            ignore_conflicts=True,
        )
    return inserted


def _dunning_email(subscription_id: int) -> None:
    """After commit: the reminder in the business's language, its dates in its time zone
    (the mail task retries)."""
    subscription = PlanSubscription.objects.select_related("business", "plan").get(
        pk=subscription_id
    )
    business = subscription.business
    since = subscription.past_due_since or timezone.now()
    suspend_on = since + dt.timedelta(days=settings.BILLING_GRACE_DAYS)
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")
    with translation.override(business.language):
        if never_paid(subscription):
            subject = gettext("%(business)s: your free trial has ended") % {
                "business": business.name
            }
        else:
            subject = gettext("%(business)s: the payment for your Kazan plan is overdue") % {
                "business": business.name
            }
        body = render_to_string(
            "billing/email/plan_dunning.txt",
            {
                "business_name": business.name,
                "plan_name": subscription.plan.name,
                "trial_ended": never_paid(subscription),
                "since": formats.date_format(timezone.localtime(since, zone), "DATE_FORMAT"),
                "suspend_on": (
                    formats.date_format(timezone.localtime(suspend_on, zone), "DATE_FORMAT")
                    if suspend_on > timezone.now()
                    else ""
                ),
                "billing_url": settings.PUBLIC_URL + reverse("billing:overview"),
            },
        )
    email_text_queue(subject, body, owner_emails(business=business))


def dunning_run() -> int:
    """Emails the owners of past-due plans at each BILLING_DUNNING_DAYS step, once per step
    and spell of being past due. Returns how many reminders went out."""
    now = timezone.now()
    sent = 0
    due = PlanSubscription.objects.filter(status=Status.PAST_DUE, past_due_since__isnull=False)
    for pk in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                subscription = subscription_locked(pk)
                since = subscription.past_due_since
                if subscription.status != Status.PAST_DUE or since is None:
                    continue
                step = _due_step(since, now)
                if step is None or not _claim(subscription, since, step):
                    continue
                activity_record(
                    business=subscription.business,
                    actor=None,
                    action="plan.dunning_sent",
                    target=subscription,
                    data={
                        "step": step + 1,
                        "recipients": len(owner_emails(business=subscription.business)),
                    },
                )
                transaction.on_commit(partial(_dunning_email, pk))
                sent += 1
        except Exception:
            logger.exception("dunning failed for plan subscription %s", pk)
    return sent


def grace_run() -> int:
    """Suspends what stayed past due longer than BILLING_GRACE_DAYS: the subscription
    suspended, the business suspended by billing (the existing suspension rules apply,
    nothing is deleted), and suspends again a business staff reactivated while its plan stays
    suspended unpaid. Returns how many were suspended."""
    now = timezone.now()
    limit = now - dt.timedelta(days=settings.BILLING_GRACE_DAYS)
    overdue = PlanSubscription.objects.filter(status=Status.PAST_DUE, past_due_since__lte=limit)
    done = 0
    for pk in list(overdue.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                subscription = subscription_locked(pk)
                since = subscription.past_due_since
                if subscription.status != Status.PAST_DUE or since is None or since > limit:
                    continue
                subscription.status = Status.SUSPENDED
                subscription.suspended_at = now
                subscription.save(update_fields=["status", "suspended_at", "updated_at"])
                reason = f"unpaid since {since.date().isoformat()}"
                plan_log(
                    subscription=subscription,
                    kind=PlanChange.Kind.SUSPENDED,
                    action="plan.suspended",
                    old=Status.PAST_DUE,
                    new=Status.SUSPENDED,
                    reason=reason,
                )
                business_billing_suspend(business=subscription.business, reason=reason)
                done += 1
        except Exception:
            logger.exception("grace check failed for plan subscription %s", pk)
    return done + _suspension_reapply()


def _suspension_reapply() -> int:
    """A plan suspended for not paying whose business is active again with no suspension
    cause: staff reactivated it (staff's reactivation clears the cause) while the bill is
    still unpaid. Billing's suspension applies again: only a payment (or staff's custom
    terms) lifts it. A business staff suspended themselves keeps their cause."""
    reopened = PlanSubscription.objects.filter(
        status=Status.SUSPENDED,
        business__in=unscoped_businesses_active(),
        business__suspension_cause="",
    )
    done = 0
    for pk in list(reopened.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                subscription = subscription_locked(pk)
                business = subscription.business
                if subscription.status != Status.SUSPENDED or business.suspension_cause:
                    continue
                done += business_billing_suspend(
                    business=business, reason="the plan is still unpaid"
                )
        except Exception:
            logger.exception("suspension check failed for plan subscription %s", pk)
    return done
