"""Threads as the engine leaves them for the inbox: a channel identity, a conversation in a
status, and the customer's messages logged with `last_inbound_at`/`last_message_at` set."""

import secrets
from datetime import timedelta

from django.utils import timezone

from kazan.conversations.models import Conversation, ConversationMessage, Status
from kazan.customers.identities import identity_index_for
from kazan.customers.models import ChannelIdentity
from kazan.inbox.models import CannedResponse


def thread(
    business,
    *,
    channel: str = "sms",
    status: str = Status.OPEN,
    handle: str | None = None,
    said: str = "Hello, is anyone there?",
    ago: timedelta = timedelta(minutes=5),
    **fields,
) -> Conversation:
    """A thread whose customer wrote `said` `ago` (SMS: from `handle`, an E.164 number)."""
    if handle is None:
        handle = (
            f"+49151{secrets.randbelow(10**8):08d}"
            if channel == "sms"
            else secrets.token_urlsafe(24)
        )
    index = identity_index_for(channel, handle)
    identity = ChannelIdentity.objects.create(
        business=business, channel=channel, external_id=handle, external_index=index
    )
    when = timezone.now() - ago
    conversation = Conversation.objects.create(
        business=business,
        channel=channel,
        identity=identity,
        status=status,
        last_message_at=when,
        last_inbound_at=when,
        **fields,
    )
    if said:
        ConversationMessage.objects.create(
            business=business,
            conversation=conversation,
            direction=ConversationMessage.Direction.IN,
            author_kind=ConversationMessage.Author.CUSTOMER,
            text=said,
        )
    return conversation


def canned(business, title: str = "Opening hours", text: str = "We open at 9.") -> CannedResponse:
    return CannedResponse.objects.create(business=business, title=title, text=text)
