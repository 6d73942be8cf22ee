"""Write use-cases of the console: the staff's alert settings and the automatic alerts.

Authorization is checked here as well as in the views (staff only), because the alert settings
and resolutions are platform decisions that no business member may make through any route.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.accounts.queries import unscoped_staff_emails
from kazan.activity.services import activity_record
from kazan.console import queries
from kazan.console.error_codes import ConsoleErrorCode
from kazan.console.models import Alert, ConsoleSettings
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.core.mail import email_text_queue

if TYPE_CHECKING:
    from kazan.accounts.models import User


class DefaultData(TypedDict):
    """What a payment-default alert records about a business's unpaid payments."""

    payment_ids: list[int]
    amount_minor: int
    currency: str


def _staff_only(actor: User | AnonymousUser) -> User:
    if isinstance(actor, AnonymousUser) or not actor.is_staff:
        raise PermissionDenied()
    return actor


def console_settings_update(
    *, inactive_after_days: int, actor: User | AnonymousUser
) -> ConsoleSettings:
    staff = _staff_only(actor)
    if (
        not isinstance(inactive_after_days, int)
        or isinstance(inactive_after_days, bool)
        or not 1 <= inactive_after_days <= 365
    ):
        raise ValidationFailed(
            _("Enter a number of days from 1 to 365."), code=ConsoleErrorCode.INVALID_DAYS
        )
    with transaction.atomic():
        row = ConsoleSettings.objects.select_for_update().filter(pk=1).first()
        row = row or ConsoleSettings.objects.create(pk=1)
        old = row.inactive_after_days
        if old == inactive_after_days:
            return row
        row.inactive_after_days = inactive_after_days
        row.updated_by = staff
        row.save(update_fields=["inactive_after_days", "updated_by", "updated_at"])
        activity_record(
            business=None,
            actor=staff,
            action="console.settings_edited",
            data={"inactive_after_days": [old, inactive_after_days]},
        )
    return row


def alert_resolve(*, alert: Alert, actor: User | AnonymousUser) -> bool:
    """A staff member marks an alert as handled. If its condition still holds, the next check
    opens a new one. Returns False when it was resolved already."""
    staff = _staff_only(actor)
    with transaction.atomic():
        changed = Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=staff
        )
        if changed:
            activity_record(
                business=alert.business,
                actor=staff,
                action="alert.resolved",
                target=alert,
                data={"kind": alert.kind},
            )
    return bool(changed)


def _alerts_sync(
    *, kind: str, wanted: Mapping[int, Mapping[str, object]], now: datetime
) -> list[Alert]:
    """Opens an alert of `kind` for every business in `wanted` (business id → data) that has
    none open, and resolves the open ones whose business is no longer in `wanted`."""
    open_alerts = Alert.objects.filter(kind=kind, resolved_at__isnull=True)
    ended = open_alerts.exclude(business_id__in=list(wanted))
    for alert in ended.select_related("business"):
        if Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(resolved_at=now):
            activity_record(
                business=alert.business,
                actor=None,
                action="alert.ended",
                target=alert,
                data={"kind": kind},
            )
    have = set(open_alerts.values_list("business_id", flat=True))
    opened = []
    for business_id, data in wanted.items():
        if business_id in have:
            continue
        try:
            with transaction.atomic():
                alert = Alert.objects.create(business_id=business_id, kind=kind, data=data)
                activity_record(
                    business=alert.business,
                    actor=None,
                    action="alert.opened",
                    target=alert,
                    data={"kind": kind, **data},
                )
        except IntegrityError:
            continue  # a concurrent check opened it
        opened.append(alert)
    return opened


def _defaulting_businesses() -> dict[int, DefaultData]:
    from kazan.billing.revenue import payments_defaulted

    wanted: dict[int, DefaultData] = {}
    for payment in payments_defaulted():
        entry = wanted.setdefault(
            payment.business_id,
            {"payment_ids": [], "amount_minor": 0, "currency": payment.currency},
        )
        entry["payment_ids"].append(payment.pk)
        if payment.currency == entry["currency"]:
            entry["amount_minor"] += payment.amount_minor
    return wanted


def alerts_check(*, now: datetime | None = None) -> list[Alert]:
    """The hourly job: inactive businesses (no scans for the staff's number of days) and payment
    defaults. New alerts are emailed to the staff once, after the commit."""
    now = now or timezone.now()
    days = queries.inactive_after_days()
    with transaction.atomic():
        opened = _alerts_sync(
            kind=Alert.Kind.INACTIVE_BUSINESS,
            wanted=queries.businesses_inactive(days=days, now=now),
            now=now,
        )
        opened += _alerts_sync(
            kind=Alert.Kind.PAYMENT_DEFAULT, wanted=_defaulting_businesses(), now=now
        )
        if opened:
            ids = [alert.pk for alert in opened]
            transaction.on_commit(lambda: alerts_email(alert_ids=ids))
    return opened


def alerts_email(*, alert_ids: list[int]) -> int:
    """One email to every active staff member listing the new alerts (queued: the mail task
    retries a failing server); marks them emailed. The alerts stay visible in the console."""
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids, emailed_at__isnull=True)
        .select_related("business")
        .order_by("kind", "business__name")
    )
    recipients = unscoped_staff_emails()
    if not alerts or not recipients:
        return 0
    subject = gettext("Kazan console: %(count)s new alerts") % {"count": len(alerts)}
    body = render_to_string(
        "console/email/alerts.txt",
        {"alerts": alerts, "console_url": settings.PUBLIC_URL + reverse("console:alerts")},
    )
    email_text_queue(subject, body, recipients)
    Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(emailed_at=timezone.now())
    return len(alerts)
