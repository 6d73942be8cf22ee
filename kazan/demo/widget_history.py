"""The demo café's website chat history: what its widget and FAQ bot would have counted on past
days, so the dashboard's "Website chat" section and the console's figures have something to
show. Today's figures stay the live ones (the demo's own chats, forms and hand-offs)."""

from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from kazan.analytics.enums import EventKind

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def _chat(rng: random.Random, at: datetime) -> list[tuple[str, datetime, dict[str, object]]]:
    """One visitor's chat: a question answered (sometimes after a suggestion), missed, or a
    link, a form or a person."""
    events: list[tuple[str, datetime, dict[str, object]]] = [(EventKind.CHAT_STARTED, at, {})]
    later = at + timedelta(minutes=1)
    roll = rng.random()
    if roll < 0.5:
        events.append((EventKind.FAQ_ANSWERED, later, {}))
    elif roll < 0.65:
        events += [(EventKind.FAQ_CLICKED, later, {}), (EventKind.FAQ_ANSWERED, later, {})]
    elif roll < 0.78:
        events.append((EventKind.FAQ_UNANSWERED, later, {}))
    roll = rng.random()
    if roll < 0.12:
        events.append((EventKind.REDIRECT_WHATSAPP, later, {}))
    elif roll < 0.16:
        events.append((EventKind.REDIRECT_LINK, later, {}))
    elif roll < 0.18:
        events.append((EventKind.REDIRECT_FORM, later, {}))
    elif roll < 0.26:
        events.append((EventKind.FORM_SUBMITTED, later + timedelta(minutes=2), {}))
    elif roll < 0.31:
        events.append((EventKind.HANDOFF, later, {}))
    return events


def widget_history_load(*, business: Business, days: int, rng: random.Random) -> int:
    """`days` past days of website chats (more at the weekend), imported at once with the daily
    counters recounted. Returns how many events."""
    from kazan.analytics.services import events_import

    zone = zoneinfo.ZoneInfo(business.timezone)
    now = timezone.now()
    imported: list[tuple[str, datetime, dict[str, object]]] = []
    for days_ago in range(days, 0, -1):
        day = timezone.localtime(now - timedelta(days=days_ago), zone)
        chats = rng.randint(2, 8) + (4 if day.weekday() >= 5 else 0)
        for n in range(chats):
            at = day.replace(hour=9 + n % 12, minute=(13 * n) % 60, second=0, microsecond=0)
            imported += _chat(rng, at)
    return events_import(business=business, events=imported)
