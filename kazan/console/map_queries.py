"""Reads for the console's map of all businesses: a fixed number of queries whatever their
number, the per-business figures coming from correlated subqueries rather than a query each."""

import datetime as dt
from typing import TypedDict

from django.db.models import Q
from django.utils import timezone

from kazan.analytics.queries import unscoped_scan_count_subquery
from kazan.customers.queries import unscoped_customer_count_subquery
from kazan.tenancy.queries import unscoped_businesses

SCAN_DAYS = 30


class MapBusiness(TypedDict):
    id: int
    name: str
    slug: str
    status: str
    address: str
    country: str
    lat: float
    lon: float
    customers: int
    scans: int


_HAS_LOCATION = Q(latitude__isnull=False, longitude__isnull=False)


def businesses_on_map(*, scan_days: int = SCAN_DAYS) -> list[MapBusiness]:
    """Every business that has both coordinates, suspended ones included, ordered by name:
    {"id", "name", "slug", "status", "address", "country", "lat", "lon", "customers",
    "scans"}. `customers` counts customers not erased; `scans` sums QR scans over the last
    `scan_days` days. One query.

    DailyCount days are each business's local days; the window is taken in the platform's time
    zone, so its edges may be off by one day for a business far from it — fine for a map."""
    since = timezone.localdate() - dt.timedelta(days=scan_days - 1)
    rows = (
        unscoped_businesses()
        .filter(_HAS_LOCATION)
        .annotate(
            customer_count=unscoped_customer_count_subquery(),
            scan_count=unscoped_scan_count_subquery(since=since),
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
            "lat": float(row["latitude"] or 0),  # never None: _HAS_LOCATION
            "lon": float(row["longitude"] or 0),
            "customers": row["customer_count"],
            "scans": row["scan_count"],
        }
        for row in rows
    ]


def businesses_without_location_count() -> int:
    """How many businesses the map cannot show: one coordinate or both missing. One query."""
    return unscoped_businesses().exclude(_HAS_LOCATION).count()
