"""Reads of the dashboard's own pages. The overview is a fixed, small number of queries whatever
the amount of data: counters come from analytics' daily rollups, never from scanning events."""

import datetime as dt
import zoneinfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.queries import activity_list
from kazan.analytics.models import EventKind
from kazan.analytics.queries import (
    counts_month_to_date,
    series_daily,
    series_monthly,
    social_clicks_by_network,
)
from kazan.core.formatting import date_local
from kazan.customers.models import Customer
from kazan.loyalty.queries import review_stats
from kazan.messaging.queries import sms_balance, sms_usage

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


def month_start(*, business) -> dt.datetime:
    """Midnight of the 1st of this month in the business's time zone."""
    local_now = timezone.localtime(timezone=zoneinfo.ZoneInfo(business.timezone))
    return local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def chart_data(*, business) -> dict:
    """What overview.js draws, ready for json_script: labels in the business's locale, one
    dataset per kind (labels in the reader's language), by day (30 days) and by month (12)."""
    daily = series_daily(business=business, days=30, kinds=OVERVIEW_KINDS)
    monthly = series_monthly(business=business, months=12, kinds=OVERVIEW_KINDS)
    language = business.language

    def datasets(series: dict) -> list[dict]:
        return [
            {"kind": kind.value, "label": str(kind.label), "data": series[kind]}
            for kind in OVERVIEW_KINDS
        ]

    return {
        "day": {
            "labels": [date_local(day, language) for day in daily["days"]],
            "datasets": datasets(daily["series"]),
        },
        "month": {
            "labels": [
                date_local(month, language, "YEAR_MONTH_FORMAT") for month in monthly["months"]
            ],
            "datasets": datasets(monthly["series"]),
        },
    }


def overview(*, business) -> dict:
    """The numbers on the dashboard's first page."""
    this_month = month_start(business=business)
    month = counts_month_to_date(business=business, kinds=OVERVIEW_KINDS)
    return {
        "customers": Customer.objects.filter(business=business, erased_at__isnull=True).count(),
        "sms_remaining": sms_balance(business=business),
        "sms_month": sms_usage(business=business, since=this_month),
        "sms_total": sms_usage(business=business),
        "reviews": review_stats(business=business),
        "month_label": date_local(this_month.date(), business.language, "YEAR_MONTH_FORMAT"),
        "month": {kind.value: month[kind] for kind in OVERVIEW_KINDS},
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
