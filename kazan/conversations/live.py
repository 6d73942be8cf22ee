"""Live updates of conversations (issue 10's contract between the engine and the team inbox).

`conversation_changed` is called after every change a team member or the customer should see
at once (a new message, an assignment, a status); the inbox turns it into server-sent events.

With REDIS_URL set, the change is published on the business's pub/sub channel once the
transaction commits, so every web process's open streams hear it at once. Without Redis there
is nothing to publish: the streams poll the conversations' `updated_at` instead, so whoever
changes a conversation also saves it (the engine's turn does; the inbox's services touch it).
See docs/decisions/0016-inbox-live-updates.md.
"""

import json
import logging
from functools import cache

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

KINDS = frozenset({"message", "status", "assignment", "note"})


def live_channel(business_id: int) -> str:
    """The Redis pub/sub channel of one business's conversation changes. Pub/sub ignores
    Redis's database numbers, so the cache's key prefix keeps two deployments apart."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "kazan"
    return f"{prefix}:conversations:{business_id}"


@cache
def redis_client():
    """One client per process (it pools its connections); None without REDIS_URL."""
    if not settings.REDIS_URL:
        return None
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)


def _publish(business_id: int, conversation_id: int, kind: str) -> None:
    client = redis_client()
    if client is None:
        return
    data = json.dumps({"conversation": conversation_id, "kind": kind})
    try:
        client.publish(live_channel(business_id), data)
    except Exception:
        # A missed live update must never fail the committed change; open streams catch up
        # on their next reconnect.
        logger.warning("live update not published", extra={"business_id": business_id})


def conversation_changed(*, business_id: int, conversation_id: int, kind: str) -> None:
    """Announce a change once the current transaction commits. Kinds: "message", "status",
    "assignment", "note"."""
    if kind not in KINDS:
        raise ValueError(f"unknown conversation change {kind!r}")
    transaction.on_commit(lambda: _publish(business_id, conversation_id, kind))
