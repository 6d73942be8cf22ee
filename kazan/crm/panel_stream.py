"""The Telegram CRM panel's live updates: a bounded server-sent event stream (kazan.core.sse)
that says "the figures changed" when a token order or a payment of the business changed, so
the open overview refetches its figures. See docs/decisions/0032-crm-admin-panel.md.

The writers (the queue's services, the wallet's payment listener, the gateways' callbacks)
live in apps below this one and all save the row they change, so the stream looks at the
rows themselves — two indexed aggregates per poll — rather than at announcements each writer
would have to remember to make."""

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings

from kazan.commerce.queries.token_stats import token_orders_changed_at
from kazan.core.sse import STREAM_SECONDS, Change, LiveSource, live_events
from kazan.wallet.stats import purchases_changed_at

# The figures are a page of aggregates: a refresh every few seconds at most is plenty.
POLL_SECONDS = 3.0


def panel_source(business_id: int) -> LiveSource:
    """Changes of the business's token orders ("orders") and payments ("payments")."""

    def changed_since(since: datetime) -> list[Change]:
        found = [
            ("orders", token_orders_changed_at(business_id=business_id, since=since)),
            ("payments", purchases_changed_at(business_id=business_id, since=since)),
        ]
        return sorted(
            (Change(key=kind, data={"kind": kind}, at=at) for kind, at in found if at),
            key=lambda change: change.at,
        )

    return LiveSource(
        changed_since=changed_since,
        poll_seconds=POLL_SECONDS,
        stream_seconds=getattr(settings, "CRM_STREAM_SECONDS", STREAM_SECONDS),
    )


def panel_events(*, business_id: int, last_event_id: str = "") -> Iterator[str]:
    """The panel's stream: `ready`, then a `change` event ({"kind": "orders" | "payments"})
    whenever one of them changed, until the stream's time is up."""
    return live_events(source=panel_source(business_id), last_event_id=last_event_id)
