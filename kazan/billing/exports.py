"""The "revenue" export: billing's payments report, registered with analytics' export registry
from BillingConfig.ready(). Billing owns its columns (`revenue_report_rows`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kazan.analytics.enums import ExportKind
from kazan.analytics.exports import ExportFilters, Table, export_kind_register
from kazan.billing.revenue import revenue_report_rows

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def revenue_source(*, business: Business | None, filters: ExportFilters) -> Table:
    """Billing's payments report over the UTC days [since, until]."""
    since, until = filters.get("since"), filters.get("until")
    headers, rows = revenue_report_rows(
        since=dt.date.fromisoformat(str(since)) if since else None,
        until=dt.date.fromisoformat(str(until)) if until else None,
    )
    return Table(
        title=_("Revenue"),
        headers=[str(h) for h in headers],
        rows=rows,
        widths=[1.1, 1.1, 2.6, 1.8, 1.8, 1.2, 1, 1, 0.8, 1] if len(headers) == 10 else [],
    )


def export_kinds_register() -> None:
    export_kind_register(
        ExportKind.REVENUE, revenue_source, filters=frozenset({"since", "until"}), business="none"
    )
