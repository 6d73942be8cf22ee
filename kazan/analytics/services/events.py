"""Recording countable events: the daily counters move with them in the same transaction."""

import datetime as dt
import zoneinfo
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kazan.analytics.models import DailyCount, Event
from kazan.core.db import insert_or_fetch

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


def event_record(
    *,
    business: "Business",
    kind: str,
    customer: "Customer | None" = None,
    data: dict[str, object] | None = None,
    at: datetime | None = None,
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


def events_import(
    *, business: "Business", events: list[tuple[str, datetime, dict[str, object]]]
) -> int:
    """Past events (kind, when, data) recorded at once — a history brought over from elsewhere,
    or the demo's — and the daily counters recounted to match the event rows. Returns how many."""
    with transaction.atomic():
        Event.objects.bulk_create(
            Event(business=business, kind=kind, occurred_at=at, data=data)
            for kind, at, data in events
        )
        daily_counts_rebuild(business=business)
    return len(events)


def daily_counts_rebuild(*, business: "Business") -> int:
    """Recounts the business's daily counters from its event rows (in its time zone), so every
    chart agrees with the events again after an import or a repair. Returns the number of
    counter rows."""
    zone = zoneinfo.ZoneInfo(business.timezone)
    counts: dict[tuple[str, dt.date], int] = {}
    rows = Event.objects.filter(business=business).values_list("kind", "occurred_at")
    for kind, at in rows.iterator(chunk_size=2000):
        key = (kind, at.astimezone(zone).date())
        counts[key] = counts.get(key, 0) + 1
    with transaction.atomic():
        DailyCount.objects.filter(business=business).delete()
        DailyCount.objects.bulk_create(
            DailyCount(business=business, kind=kind, day=day, count=count)
            for (kind, day), count in counts.items()
        )
    return len(counts)


def event_retract(
    *, business: "Business", kind: str, customer: "Customer | None" = None, at: datetime
) -> bool:
    """Takes back the event of `kind` recorded at exactly `at` (pass the same `at` to
    event_record), and its daily count, when the change that caused it is undone (an undone
    voucher redemption). Call inside the undoing change's transaction. False if there was none."""
    event = (
        Event.objects.filter(business=business, kind=kind, customer=customer, occurred_at=at)
        .order_by("-id")
        .first()
    )
    if event is None:
        return False
    day = at.astimezone(zoneinfo.ZoneInfo(business.timezone)).date()
    with transaction.atomic():
        event.delete()
        DailyCount.objects.filter(business=business, kind=kind, day=day, count__gt=0).update(
            count=F("count") - 1
        )
    return True
