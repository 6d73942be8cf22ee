"""Where a test-mode broadcast goes: the team members' own chats with the business's bot.

The chats belong to the channels app, above campaigns, so channels registers its reader here in
its AppConfig.ready() (`team_chats_source_register(channels.queries.member_chats)`) and
campaigns asks `team_chats`. Nothing registered: no team chats.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

TeamChatsSource = Callable[..., list[tuple[int, str]]]

_sources: list[TeamChatsSource] = []


def team_chats_source_register(source: TeamChatsSource) -> None:
    """`source(business=…, channel=…)` returns (user id, chat id) of the linked chats."""
    if source not in _sources:
        _sources.append(source)


def team_chats(*, business: "Business", channel: str) -> list[tuple[int, str]]:
    """(user id, chat id) of every team member's linked chat on `channel`, one per member."""
    chats: dict[int, str] = {}
    for source in _sources:
        for user_id, chat_id in source(business=business, channel=channel):
            chats.setdefault(user_id, chat_id)
    return sorted(chats.items())
