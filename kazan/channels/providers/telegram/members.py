"""Team members' own Telegram chats and the people who blocked the bot.

A member links their chat from the Channels page: `member_link_start` makes a one-time deep link
https://t.me/<bot>?start=m_<token> (the token's SHA-256 is stored, it expires after
TELEGRAM_MEMBER_LINK_MINUTES and a newer link replaces an older one). Telegram sends
"/start m_<token>" from the chat that opened it; `member_link_consume` uses the token up in one
conditional UPDATE (of two racing /starts exactly one wins) and stores the chat as the member's
MemberChat — that /start never starts the customer flow. Where admin test broadcasts and
operator notices go: queries.member_chats / member_chat_for.

`chat_block_set` records Telegram's my_chat_member: "kicked" (the person blocked the bot) adds a
ChatBlock row, "member" (started again) removes it.
"""

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.channels.error_codes import ChannelsErrorCode
from kazan.channels.models import ChatBlock, MemberChat, MemberLinkToken
from kazan.channels.queries import installation_active, member_chat_index
from kazan.core.errors import ValidationFailed
from kazan.customers.identities import external_id_normalize, identity_index_for
from kazan.links.services import token_hash

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

LINK_PREFIX = "m_"
CHANNEL = "telegram"


def member_link_start(*, business: "Business", user: "User") -> str:
    """A new one-time link for `user` to link their own chat with the business's bot; the
    user's earlier unused links stop working. Raises ValidationFailed without a connected bot."""
    installation = installation_active(business=business, channel=CHANNEL)
    username = str((installation.config or {}).get("bot_username") or "") if installation else ""
    if not username:
        raise ValidationFailed(
            _("Connect a Telegram bot first."), code=ChannelsErrorCode.MEMBER_LINK_INVALID
        )
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with transaction.atomic():
        MemberLinkToken.objects.filter(
            business=business, user=user, channel=CHANNEL, used_at__isnull=True
        ).delete()
        MemberLinkToken.objects.create(
            business=business,
            user=user,
            channel=CHANNEL,
            token_hash=token_hash(token),
            expires_at=now + timedelta(minutes=int(settings.TELEGRAM_MEMBER_LINK_MINUTES)),
        )
    return f"https://t.me/{username}?start={LINK_PREFIX}{token}"


def member_link_consume(*, business: "Business", token: str, chat_id: str) -> MemberChat | None:
    """Links the chat that sent "/start m_<token>" to the token's member; None when the token
    is unknown, used, expired or another business's. Call inside the worker's transaction."""
    now = timezone.now()
    link = (
        MemberLinkToken.objects.select_for_update()
        .filter(business=business, channel=CHANNEL, token_hash=token_hash(token))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    used = MemberLinkToken.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    if not used:
        return None
    index = member_chat_index(chat_id)
    # One chat belongs to one member of the business: a chat linked before moves over.
    MemberChat.objects.filter(business=business, channel=CHANNEL, external_index=index).exclude(
        user_id=link.user_id
    ).delete()
    chat, _created = MemberChat.objects.update_or_create(
        business=business,
        user_id=link.user_id,
        channel=CHANNEL,
        defaults={"external_id": chat_id, "external_index": index},
    )
    activity_record(
        business=business,
        actor=link.user,
        action="channel.member_linked",
        data={"channel": CHANNEL},
    )
    return chat


def member_unlink(*, business: "Business", user: "User") -> None:
    """Forgets the member's own chat with the bot."""
    with transaction.atomic():
        deleted, _detail = MemberChat.objects.filter(
            business=business, user=user, channel=CHANNEL
        ).delete()
        if deleted:
            activity_record(
                business=business,
                actor=user,
                action="channel.member_unlinked",
                data={"channel": CHANNEL},
            )


def chat_block_set(*, business: "Business", handle: str, blocked: bool) -> None:
    """The person behind `handle` blocked the bot (or started it again)."""
    index = identity_index_for(CHANNEL, external_id_normalize(handle))
    if blocked:
        ChatBlock.objects.update_or_create(
            business=business,
            channel=CHANNEL,
            external_index=index,
            defaults={"blocked_at": timezone.now()},
        )
    else:
        ChatBlock.objects.filter(business=business, channel=CHANNEL, external_index=index).delete()
