"""Console test helpers: scans and other funnel events on given days, through analytics'
own service so the daily counters move exactly as in production."""

from datetime import timedelta

from django.utils import timezone

from kazan.analytics.models import EventKind
from kazan.analytics.services import event_record


def events_on(business, *, kind=EventKind.QR_SCAN, days_ago: int = 0, count: int = 1, hour=None):
    moment = timezone.now() - timedelta(days=days_ago)
    if hour is not None:
        moment = moment.replace(hour=hour)
    for _ in range(count):
        event_record(business=business, kind=kind, at=moment)
