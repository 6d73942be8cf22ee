"""Reads for the console's map of all businesses: a fixed number of queries whatever their
number, the per-business figures coming from correlated subqueries rather than a query each."""

import datetime as dt

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kazan.analytics.models import DailyCount, EventKind
from kazan.customers.models import Customer
from kazan.tenancy.models import Business

SCAN_DAYS = 30

_HAS_LOCATION = Q(latitude__isnull=False, longitude__isnull=False)


def businesses_on_map(*, scan_days: int = SCAN_DAYS) -> list[dict]:
    """Every business that has both coordinates, suspended ones included, ordered by name:
    {"id", "name", "slug", "status", "address", "country", "lat", "lon", "customers",
    "scans"}. `customers` counts customers not erased; `scans` sums QR scans over the last
    `scan_days` days. One query.

    DailyCount days are each business's local days; the window is taken in the platform's time
    zone, so its edges may be off by one day for a business far from it — fine for a map."""
    since = timezone.localdate() - dt.timedelta(days=scan_days - 1)
    customers = (
        Customer.objects.filter(business=OuterRef("pk"), erased_at__isnull=True)
        .order_by()
        .values("business")
        .annotate(n=Count("pk"))
        .values("n")
    )
    scans = (
        DailyCount.objects.filter(business=OuterRef("pk"), kind=EventKind.QR_SCAN, day__gte=since)
        .order_by()
        .values("business")
        .annotate(n=Sum("count"))
        .values("n")
    )
    zero = Value(0, output_field=IntegerField())
    rows = (
        Business.objects.filter(_HAS_LOCATION)
        .annotate(
            customer_count=Coalesce(Subquery(customers, output_field=IntegerField()), zero),
            scan_count=Coalesce(Subquery(scans, output_field=IntegerField()), zero),
        )
        .order_by("name", "pk")
        .values(
            "id",
            "name",
            "slug",
            "status",
            "address",
            "country",
            "latitude",
            "longitude",
            "customer_count",
            "scan_count",
        )
    )
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "slug": row["slug"],
            "status": row["status"],
            "address": row["address"],
            "country": row["country"],
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "customers": row["customer_count"],
            "scans": row["scan_count"],
        }
        for row in rows
    ]


def businesses_without_location_count() -> int:
    """How many businesses the map cannot show: one coordinate or both missing. One query."""
    return Business.objects.exclude(_HAS_LOCATION).count()
