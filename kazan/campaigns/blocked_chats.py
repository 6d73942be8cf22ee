"""Who blocked the business's bot: a broadcast skips them instead of sending.

The blocks belong to the channels app, above campaigns, so channels registers its reader here in
its AppConfig.ready() (`blocked_chats_source_register(channels.queries.chat_blocked_indexes)`)
and campaigns asks `blocked_indexes`. Nothing registered: nobody blocked.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

BlockedChatsSource = Callable[..., set[str]]

_sources: list[BlockedChatsSource] = []


def blocked_chats_source_register(source: BlockedChatsSource) -> None:
    """`source(business=…, channel=…)` returns the identity indexes (the customers'
    ChannelIdentity.external_index) of the people who blocked the bot."""
    if source not in _sources:
        _sources.append(source)


def blocked_indexes(*, business: "Business", channel: str) -> set[str]:
    """The identity indexes of everyone who blocked the business's bot on `channel`."""
    found: set[str] = set()
    for source in _sources:
        found |= source(business=business, channel=channel)
    return found
