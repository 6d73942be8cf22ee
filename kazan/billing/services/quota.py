"""The quota warning emails: the owners hear once per level (80 %, 95 %) and period."""

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kazan.activity.services import activity_record
from kazan.billing.models import QuotaNotice
from kazan.billing.queries import quota_status, unscoped_businesses_subscribed
from kazan.core.db import insert_or_fetch
from kazan.core.mail import email_text_queue
from kazan.tenancy.queries import owner_emails

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.billing")


def quota_notify(*, business: "Business") -> int | None:
    """Emails the owners when this period's use crosses 80 % or 95 % (once per level and
    period; jumping straight past 95 % sends only the 95 % one). Returns the level emailed."""
    status = quota_status(business=business)
    level = status.notice_level
    if level is None:
        return None
    with transaction.atomic():
        inserted_any = False
        for each in (80, 95):
            if each > level:
                continue
            inserted = _notice_record(
                business=business, period_start=status.period_start, level=each
            )
            inserted_any = inserted_any or (inserted and each == level)
        if not inserted_any:
            return None
        activity_record(
            business=business,
            actor=None,
            action="quota.warning_sent",
            data={"level": level, "percent_used": status.percent_used},
        )
        transaction.on_commit(lambda: _quota_email_send(business, level, status.percent_used))
    return level


def _quota_email_send(business: "Business", level: int, percent_used: int) -> None:
    """After commit; the mail task retries a failing mail server, and the banner warns anyway."""
    recipients = owner_emails(business=business)
    with translation.override(business.language):
        subject = gettext("%(business)s has used %(percent)s%% of its SMS credits") % {
            "business": business.name,
            "percent": percent_used,
        }
        body = render_to_string(
            "billing/email/quota_warning.txt",
            {
                "business_name": business.name,
                "level": level,
                "percent_used": percent_used,
                "billing_url": settings.PUBLIC_URL + reverse("billing:overview"),
            },
        )
    email_text_queue(subject, body, recipients)


def quota_notify_all() -> int:
    """The periodic job behind the warning emails; returns how many were sent."""
    sent = 0
    for business in unscoped_businesses_subscribed():
        try:
            sent += quota_notify(business=business) is not None
        except Exception:
            logger.exception("quota check for business %s failed", business.pk)
    return sent


def _notice_record(*, business: "Business", period_start: datetime, level: int) -> bool:
    """Notes that `level` was reached this period; False when it was noted already."""

    def insert() -> QuotaNotice:
        return QuotaNotice.objects.create(business=business, period_start=period_start, level=level)

    def fetch() -> QuotaNotice | None:
        return QuotaNotice.objects.filter(
            business=business, period_start=period_start, level=level
        ).first()

    _row, inserted = insert_or_fetch(insert, fetch)
    return inserted
