"""Platform revenue for the staff console (spec §1.3.1 "Financial Overview", §1.6.1): revenue
by month and year with comparisons, MRR (plan subscriptions), payment defaults and
cancellations, revenue per business and the payments report behind the exports.

These are platform-wide reads: they aggregate over every business (or list payments across
businesses for staff), so they take no `business` and carry no `unscoped_` prefix — that prefix
marks an escape from tenant scoping inside tenant code, while this whole module is, by purpose,
the platform's own view. Only platform staff may see any of it: the console's views check that.

The definitions (what counts as revenue, MRR, a default, a cancellation) are written down in
docs/decisions/0007-revenue-model.md; keep the two in step. In short: money is never summed
across currencies; months and years are UTC calendar months and years; revenue is a paid
payment's amount, counted at its `paid_at`.
"""

from kazan.billing.revenue.overview import (
    mrr_by_currency,
    paying_subscriptions,
    payments_defaulted,
    revenue_overview,
    subscriptions_by_plan,
)
from kazan.billing.revenue.report import BusinessRevenue, revenue_by_business, revenue_report_rows
from kazan.billing.revenue.values import (
    DEFAULT_LOOKBACK_DAYS,
    LOSS_REASONS,
    OVERDUE_GATEWAYS,
    Comparison,
    CurrencyRevenue,
    LossBucket,
    Money,
    MonthLosses,
    MonthRevenue,
    PlanCount,
    RevenueOverview,
    YearRevenue,
)

__all__ = [
    "DEFAULT_LOOKBACK_DAYS",
    "LOSS_REASONS",
    "OVERDUE_GATEWAYS",
    "BusinessRevenue",
    "Comparison",
    "CurrencyRevenue",
    "LossBucket",
    "Money",
    "MonthLosses",
    "MonthRevenue",
    "PlanCount",
    "RevenueOverview",
    "YearRevenue",
    "mrr_by_currency",
    "paying_subscriptions",
    "payments_defaulted",
    "revenue_by_business",
    "revenue_overview",
    "revenue_report_rows",
    "subscriptions_by_plan",
]
