"""The inbox's server-sent events: one stream per open inbox page, bounded in time and in
number by the dashboard's live streams (kazan.core.sse). Decision record:
docs/decisions/0016-inbox-live-updates.md.

Events come from Redis pub/sub where REDIS_URL is set (conversations.live publishes on commit,
and a slow sweep of the database catches what was not announced) and otherwise from polling
the business's conversations' `updated_at`.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings

from kazan.conversations.live import live_channel, redis_client
from kazan.conversations.queries import threads_changed_since
from kazan.core.sse import STREAM_SECONDS, Change, LiveSource, live_events

# A burst of changes (a campaign's answers) is sent as this many events at most per poll.
POLL_BATCH = 50


def inbox_source(business_id: int, *, client: Any = None) -> LiveSource:
    """The business's thread changes: Redis announcements (with `client`, by default the
    conversations' client when REDIS_URL is set) and the threads' `updated_at`. Polling sees
    that a thread changed, not how: the page refetches what it shows of it."""

    def changed_since(since: datetime) -> list[Change]:
        return [
            Change(key=conversation_id, data={"conversation": conversation_id}, at=updated_at)
            for conversation_id, updated_at in threads_changed_since(
                business_id=business_id, since=since, limit=POLL_BATCH
            )
        ]

    return LiveSource(
        changed_since=changed_since,
        channel=live_channel(business_id),
        client=client if client is not None else redis_client(),
        key_of=lambda data: data["conversation"],
        stream_seconds=getattr(settings, "INBOX_STREAM_SECONDS", STREAM_SECONDS),
    )


def inbox_events(*, business_id: int, last_event_id: str = "") -> Iterator[str]:
    """The stream's text: `ready` at once, then a `change` event ({"conversation": id}) for
    every change of one of the business's threads, comments as heartbeats, until the time is
    up (see kazan.core.sse.live_events)."""
    return live_events(source=inbox_source(business_id), last_event_id=last_event_id)
