"""GDPR section of analytics: events linked to a customer."""

from kazan.analytics.models import Event


def events_export(business, customer) -> list[dict]:
    return [
        {"kind": e.kind, "occurred_at": e.occurred_at.isoformat(), "data": e.data}
        for e in Event.objects.filter(business=business, customer=customer).order_by("occurred_at")
    ]


def events_erase(business, customer) -> None:
    # Counts stay right (DailyCount is untouched); only the link to the person goes.
    Event.objects.filter(business=business, customer=customer).update(customer=None)
