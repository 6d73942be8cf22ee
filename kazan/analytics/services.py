"""Recording countable events; the daily counters move with them in the same transaction."""

import zoneinfo
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kazan.analytics.models import DailyCount, Event
from kazan.core.db import insert_or_fetch


def event_record(
    *, business, kind: str, customer=None, data: dict | None = None, at: datetime | None = None
) -> Event:
    """Call inside the causing change's transaction. `data` holds no personal data."""
    at = at or timezone.now()
    day = at.astimezone(zoneinfo.ZoneInfo(business.timezone)).date()
    with transaction.atomic():
        event = Event.objects.create(
            business=business, kind=kind, customer=customer, data=data or {}, occurred_at=at
        )
        counter = DailyCount.objects.filter(business=business, kind=kind, day=day)
        if not counter.update(count=F("count") + 1):
            _row, inserted = insert_or_fetch(
                lambda: DailyCount.objects.create(business=business, kind=kind, day=day, count=1),
                lambda: DailyCount.objects.filter(business=business, kind=kind, day=day).first(),
            )
            if not inserted:
                counter.update(count=F("count") + 1)
    return event
