"""What console/overview.js draws, ready for json_script: labels in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from kazan.analytics.enums import EventKind

if TYPE_CHECKING:
    from kazan.billing.revenue import RevenueOverview
    from kazan.console.queries import OverviewStats


def _month_label(value) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def overview_charts(*, stats: OverviewStats, money: RevenueOverview) -> dict[str, object]:
    weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return {
        "revenue": {
            "type": "bar",
            "labels": [_month_label(month.month) for month in money.platform.last_12_months],
            "datasets": [
                {
                    "label": _("Revenue (%(currency)s)") % {"currency": money.currency},
                    "data": money.platform.chart_data()["values"],
                }
            ],
        },
        "interactions": {
            "type": "line",
            "labels": [_month_label(month) for month in stats["monthly"]["months"]],
            "datasets": [
                {"label": str(EventKind(kind).label), "data": values}
                for kind, values in stats["monthly"]["series"].items()
            ],
        },
        "weekday": {
            "type": "bar",
            "labels": weekdays,
            "datasets": [{"label": _("QR scans"), "data": stats["usage_by_weekday"]}],
        },
        "hour": {
            "type": "bar",
            "labels": [f"{hour:02d}" for hour in range(24)],
            "datasets": [{"label": _("QR scans"), "data": stats["usage_by_hour"]}],
        },
    }
