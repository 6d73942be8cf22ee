"""Reads of the dashboard's own pages. The overview is a fixed, small number of queries whatever
the amount of data: counters come from analytics' daily rollups, never from scanning events."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.queries import activity_list
from kazan.analytics.enums import EventKind
from kazan.analytics.queries import (
    business_today,
    counts_between,
    same_days_last_month,
    series_daily,
    series_monthly,
    social_clicks_by_network,
)
from kazan.core.formatting import date_local
from kazan.customers.queries import unscoped_customer_counts_by_business
from kazan.loyalty.queries import review_stats
from kazan.messaging.queries import sms_balance, sms_usage

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# What the overview counts this month and charts, in this order.
OVERVIEW_KINDS = [
    EventKind.QR_SCAN,
    EventKind.OTP_VERIFIED,
    EventKind.REVIEW_SUBMITTED,
    EventKind.GOOGLE_REVIEW_CLICK,
    EventKind.VOUCHER_ISSUED,
    EventKind.VOUCHER_REDEEMED,
    EventKind.SOCIAL_CLICK,
]

NETWORK_LABELS = {
    "website": _("Website"),
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "other": _("Other"),
}


def month_start(*, business: Business) -> dt.datetime:
    """Midnight of the 1st of this month in the business's time zone."""
    local_now = timezone.localtime(timezone=zoneinfo.ZoneInfo(business.timezone))
    return local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def chart_data(*, business: Business) -> dict[str, dict[str, object]]:
    """What overview.js draws, ready for json_script: ISO dates and their labels in the reader's
    language (Chart.js shows the labels as they are), one dataset per kind, by day (30 days) and
    by month (12). The current month has only run to today: its label says so and `partial`
    lists its index, which the chart draws dashed."""
    daily = series_daily(business=business, days=30, kinds=OVERVIEW_KINDS)
    monthly = series_monthly(business=business, months=12, kinds=OVERVIEW_KINDS)

    def datasets(series: dict[str, list[int]]) -> list[dict[str, object]]:
        return [
            {"kind": kind.value, "label": str(kind.label), "data": series[kind]}
            for kind in OVERVIEW_KINDS
        ]

    month_labels = [date_local(month, fmt="YEAR_MONTH_FORMAT") for month in monthly["months"]]
    month_labels[-1] = _("%(month)s (to date)") % {"month": month_labels[-1]}
    return {
        "day": {
            "dates": [day.isoformat() for day in daily["days"]],
            "labels": [date_local(day) for day in daily["days"]],
            "datasets": datasets(daily["series"]),
            "partial": [],
        },
        "month": {
            "dates": [month.isoformat() for month in monthly["months"]],
            "labels": month_labels,
            "datasets": datasets(monthly["series"]),
            "partial": [len(month_labels) - 1],
        },
    }


def overview(*, business: Business) -> dict[str, object]:
    """The numbers on the dashboard's first page. "This month" runs from the 1st to today and
    is compared with the same days of last month, so the 5th is not set against 30 full days."""
    this_month = month_start(business=business)
    today = business_today(business=business)
    previous_start, previous_end = same_days_last_month(today)
    month = counts_between(
        business=business, start=today.replace(day=1), end=today, kinds=OVERVIEW_KINDS
    )
    previous = counts_between(
        business=business, start=previous_start, end=previous_end, kinds=OVERVIEW_KINDS
    )
    return {
        "customers": unscoped_customer_counts_by_business(business_ids=[business.pk]).get(
            business.pk, 0
        ),
        "sms_remaining": sms_balance(business=business),
        "sms_month": sms_usage(business=business, since=this_month),
        "sms_total": sms_usage(business=business),
        "reviews": review_stats(business=business),
        "month_label": date_local(this_month.date(), fmt="YEAR_MONTH_FORMAT"),
        "month": {kind.value: month[kind] for kind in OVERVIEW_KINDS},
        "previous": {kind.value: previous[kind] for kind in OVERVIEW_KINDS},
        "previous_start": previous_start,
        "previous_end": previous_end,
        "reviews_month": review_stats(business=business, since=this_month),
        "social_month": [
            {"network": network, "label": NETWORK_LABELS.get(network, network), "count": count}
            for network, count in social_clicks_by_network(
                business=business, since=this_month
            ).items()
        ],
        "charts": chart_data(business=business),
        "recent_activity": list(activity_list(business=business)[:8]),
    }
