"""Reads of the dashboard's own pages. The overview is a fixed, small number of queries whatever
the amount of data: counters come from analytics' daily rollups, never from scanning events."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.queries import activity_list
from kazan.analytics.enums import WIDGET_EVENT_KINDS, EventKind
from kazan.analytics.queries import (
    History,
    analytics_history,
    business_today,
    counts_between,
    same_days_last_month,
    series_between,
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


def chart_data(
    *, business: Business, history: History | None = None
) -> dict[str, dict[str, object]]:
    """What overview.js draws, ready for json_script: ISO dates and their labels in the reader's
    language (Chart.js shows the labels as they are), one dataset per kind, by day (30 days) and
    by month (12), neither older than the plan's analytics history. The current month has only
    run to today, and the first may start after its 1st: their labels say so and `partial`
    lists their indexes, which the chart draws dashed."""
    history = history or analytics_history(business=business)
    today = business_today(business=business)
    start = history.clamp(today - dt.timedelta(days=29))
    daily = series_between(business=business, start=start, end=today, kinds=OVERVIEW_KINDS)
    monthly = series_monthly(
        business=business, months=12, kinds=OVERVIEW_KINDS, since=history.first_day
    )
    month_labels = [date_local(month, fmt="YEAR_MONTH_FORMAT") for month in monthly["months"]]
    partial = [len(month_labels) - 1]
    if history.first_day is not None and history.first_day.day > 1 and len(month_labels) > 1:
        month_labels[0] = _("%(month)s (from %(day)s)") % {
            "month": month_labels[0],
            "day": date_local(history.first_day),
        }
        partial.insert(0, 0)
    month_labels[-1] = _("%(month)s (to date)") % {"month": month_labels[-1]}
    return {
        "day": _daily_block(daily["days"], daily["series"], OVERVIEW_KINDS),
        "month": {
            "dates": [month.isoformat() for month in monthly["months"]],
            "labels": month_labels,
            "datasets": _datasets(monthly["series"], OVERVIEW_KINDS),
            "partial": partial,
        },
    }


def _datasets(series: dict[str, list[int]], kinds: Sequence[EventKind]) -> list[dict[str, object]]:
    return [{"kind": kind.value, "label": str(kind.label), "data": series[kind]} for kind in kinds]


def _daily_block(
    days: list[dt.date], series: dict[str, list[int]], kinds: Sequence[EventKind]
) -> dict[str, object]:
    """One period of a chart overview.js draws: ISO dates, their labels, a dataset per kind."""
    return {
        "dates": [day.isoformat() for day in days],
        "labels": [date_local(day) for day in days],
        "datasets": _datasets(series, kinds),
        "partial": [],
    }


# The website chat section's periods: this month so far (the default) or the last N days.
CHAT_PERIODS = {
    "month": _("This month"),
    "7": _("Last 7 days"),
    "30": _("Last 30 days"),
    "90": _("Last 90 days"),
}
# Its tiles, in WIDGET_EVENT_KINDS order: what each counts, said for the business.
CHAT_TILES = {
    EventKind.CHAT_STARTED: (
        _("Chats started"),
        _("Visitors who started a chat in the website widget."),
    ),
    EventKind.FAQ_ANSWERED: (_("FAQ answers shown"), _("Questions the FAQ bot answered.")),
    EventKind.FAQ_CLICKED: (
        _("FAQ suggestions clicked"),
        _("“Did you mean …?” suggestions a visitor chose."),
    ),
    EventKind.FAQ_UNANSWERED: (
        _("Unanswered questions"),
        _("Questions no FAQ matched: add FAQs for them."),
    ),
    EventKind.REDIRECT_WHATSAPP: (
        _("Redirects to WhatsApp"),
        _("Visitors who followed the chat's WhatsApp link."),
    ),
    EventKind.REDIRECT_FORM: (
        _("Redirects to a form"),
        _("Visitors who followed a link to another website's form."),
    ),
    EventKind.REDIRECT_LINK: (
        _("Redirects to a link"),
        _("Visitors who followed another link the chat offered."),
    ),
    EventKind.FORM_SUBMITTED: (_("Forms submitted"), _("Contact forms sent to you.")),
    EventKind.HANDOFF: (
        _("Hand-offs to a person"),
        _("Conversations the bot handed to your team, on any channel."),
    ),
}


def _period_start(today: dt.date, period: str) -> dt.date:
    return today.replace(day=1) if period == "month" else today - dt.timedelta(int(period) - 1)


def website_chat(
    *, business: Business, period: str = "month", history: History | None = None
) -> dict[str, object]:
    """The overview's website chat section: the period's totals per kind and a per-day chart
    for overview.js. One query whatever the period (totals are the chart's sums). Periods
    reaching further back than the plan's analytics history are not offered (the month so far
    is, clamped to it)."""
    history = history or analytics_history(business=business)
    today = business_today(business=business)
    periods = [
        (key, label)
        for key, label in CHAT_PERIODS.items()
        if key == "month" or history.shows(_period_start(today, key))
    ]
    period = period if period in dict(periods) else "month"
    start = history.clamp(_period_start(today, period))
    data = series_between(business=business, start=start, end=today, kinds=WIDGET_EVENT_KINDS)
    series = data["series"]
    return {
        "period": period,
        "periods": periods,
        "start": start,
        "tiles": [
            {
                "kind": kind.value,
                "label": CHAT_TILES[kind][0],
                "hint": CHAT_TILES[kind][1],
                "total": sum(series[kind]),
            }
            for kind in WIDGET_EVENT_KINDS
        ],
        "chart": {"day": _daily_block(data["days"], series, WIDGET_EVENT_KINDS)},
    }


def overview(*, business: Business, history: History | None = None) -> dict[str, object]:
    """The numbers on the dashboard's first page. "This month" runs from the 1st to today and
    is compared with the same days of last month, so the 5th is not set against 30 full days."""
    history = history or analytics_history(business=business)
    this_month = month_start(business=business)
    today = business_today(business=business)
    previous_start, previous_end = same_days_last_month(today)
    month = counts_between(
        business=business,
        start=history.clamp(today.replace(day=1)),
        end=today,
        kinds=OVERVIEW_KINDS,
    )
    # Last month's same days are compared only when the plan's history shows all of them.
    compared = history.shows(previous_start)
    previous = (
        counts_between(
            business=business, start=previous_start, end=previous_end, kinds=OVERVIEW_KINDS
        )
        if compared
        else {}
    )
    social_since = this_month if history.since is None else max(this_month, history.since)
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
        "previous": {str(kind): count for kind, count in previous.items()},
        "previous_start": previous_start if compared else None,
        "previous_end": previous_end if compared else None,
        "history": history,
        "reviews_month": review_stats(business=business, since=this_month),
        "social_month": [
            {"network": network, "label": NETWORK_LABELS.get(network, network), "count": count}
            for network, count in social_clicks_by_network(
                business=business, since=social_since
            ).items()
        ],
        "charts": chart_data(business=business, history=history),
        "recent_activity": list(activity_list(business=business)[:8]),
    }
