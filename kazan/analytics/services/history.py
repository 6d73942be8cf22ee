"""Analytics history kept no longer than the business's plan keeps it (decision 0033, "analytics
depth"): the raw events older than the plan's window go. The daily counters stay — counts
without a customer, which the platform console's figures are made of and which a business
that upgrades sees again; a business's dashboard never shows them beyond its plan's window
(analytics.queries.analytics_history). Only analytics' own rows are touched: never customers,
orders, reviews or messages."""

from typing import TYPE_CHECKING

from kazan.analytics.models import Event
from kazan.core.entitlements import analytics_since, plan_subscribed
from kazan.tenancy.queries import unscoped_businesses_active

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# Rows per DELETE: a business's first purge after a downgrade may be large.
PURGE_BATCH = 5000


def events_history_purge(*, business: "Business") -> int:
    """Deletes the business's events older than its plan's analytics history (none when the
    plan keeps all of it). Safe to run twice. Returns how many went."""
    since = analytics_since(business=business)
    if since is None:
        return 0
    old = Event.objects.filter(business=business, occurred_at__lt=since)
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:PURGE_BATCH]):
        count, _detail = Event.objects.filter(pk__in=ids).delete()
        deleted += count
    return deleted


def unscoped_events_history_purge() -> int:
    """The daily job: every active business's events past its plan's history. A suspended
    business keeps everything (nothing is deleted while it is suspended), and so does one whose
    plan subscription has not started (a business from before plans: its trial starts on its
    first use, never by this job)."""
    return sum(
        events_history_purge(business=business)
        for business in unscoped_businesses_active().order_by("pk").iterator()
        if plan_subscribed(business=business)
    )
