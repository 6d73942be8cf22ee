"""Reads of the shopping agent's tables, always scoped to one business."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.utils import timezone

from kazan.agent.models import AgentSettings, AgentToolCall
from kazan.analytics.enums import EventKind
from kazan.analytics.queries import analytics_history, business_today, series_between

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def agent_settings_get(*, business: Business) -> AgentSettings:
    """The business's agent settings; until it saves its own, the defaults (unsaved), which is
    what the agent runs with for it too: the local engine."""
    return AgentSettings.objects.filter(business=business).first() or AgentSettings(
        business=business
    )


# The chatbot analytics counters, in the order the assistant page shows them.
AGENT_EVENT_KINDS = (
    EventKind.AGENT_TURN,
    EventKind.AGENT_TOOL_CALL,
    EventKind.AGENT_FAILED,
    EventKind.HANDOFF,
)


def agent_analytics(*, business: Business, days: int = 30) -> dict[str, Any]:
    """The last `days` local days of the agent: totals and a per-day series of turns, tool
    calls, failures and hand-offs (one query on the daily counters), and the tool calls by tool
    with how many failed (one grouped query on the tool call log)."""
    history = analytics_history(business=business)  # no older than the plan shows
    today = business_today(business=business)
    start = history.clamp(today - dt.timedelta(days=days - 1))
    data = series_between(business=business, start=start, end=today, kinds=AGENT_EVENT_KINDS)
    since = timezone.now() - dt.timedelta(days=days)
    if history.since is not None:
        since = max(since, history.since)
    by_tool = (
        AgentToolCall.objects.filter(business=business, created_at__gte=since)
        .values("tool")
        .annotate(calls=Count("id"), failed=Count("id", filter=Q(ok=False)))
        .order_by("-calls", "tool")
    )
    return {
        "start": start,
        "history": history,
        "days": data["days"],
        "series": {str(kind): data["series"][kind] for kind in AGENT_EVENT_KINDS},
        "totals": {str(kind): sum(data["series"][kind]) for kind in AGENT_EVENT_KINDS},
        "tools": [
            {"tool": row["tool"], "calls": row["calls"], "failed": row["failed"]} for row in by_tool
        ],
    }
