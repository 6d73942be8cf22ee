"""Chat broadcasts (Telegram, seed 004 §3.4.4): a campaign on a chat channel, sent at a fixed
pace, resumable without sending twice, and its test mode to the team's own chats.

Two steps, both under the campaign's send lease (services.sending holds it):

1. Fan-out, once: every customer of the audience gets a recipient row without a message, in
   batches (one INSERT each; the unique (campaign, customer) makes a rerun after a crash write
   only who is missing). When the last batch is in, `recipients_ready_at` is set and the
   audience is never read again: somebody who joins later is not added half-way.
2. Sending, paced: the rows still without a message are taken in customer order; each gets its
   message from messaging's message_send at the next slot of a Pacer (settings
   CRM_BROADCAST_PER_SECOND, 10 a second) — a notice as a transactional message, an offer as
   marketing after the customer's consent and reachability are read again, ending with the
   opt-out link (campaigns' unsubscribe page, which withdraws offers on every channel). The
   message and the
   row's link to it commit together, and the message's idempotency key is
   "campaign:<id>:<customer id>": a run that dies anywhere and runs again sends to each
   recipient exactly once. The outbox delivers each message as soon as it is written (the
   Telegram sender also holds Telegram's 30 a second per bot and 1 a second per chat), so the
   pace of writing is the pace the customers receive them.

Delivery tracking reads the outbox rows the recipients point to (queries.broadcast_stats):
sent (Telegram accepted it: that is its "delivered"), failed, and blocked (the sender's
error code "blocked": the person blocked the bot).
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.campaigns import links, queries
from kazan.campaigns.audience import (
    TELEGRAM,
    BroadcastChannel,
    broadcast_channel_get,
    broadcast_channels,
)
from kazan.campaigns.blocked_chats import blocked_indexes
from kazan.campaigns.chat import chat_text
from kazan.campaigns.error_codes import CampaignsErrorCode
from kazan.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignMemberCopy,
    CampaignRecipient,
    CampaignStatus,
)
from kazan.campaigns.queries.campaigns import BLOCKED_ERROR_CODE
from kazan.campaigns.services.validation import campaign_validate
from kazan.campaigns.team_chats import team_chats
from kazan.core.errors import NotFound, PermissionDenied, ValidationFailed
from kazan.core.ratelimit import ratelimit_hit
from kazan.customers.identities import external_id_normalize, identity_index_for
from kazan.customers.queries import customer_channel_handle
from kazan.messaging.models import Purpose
from kazan.messaging.services import message_send

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

# Recipient rows per fan-out INSERT.
FANOUT_BATCH = 2000
# Recipients read per step of the sender (consent read again for each step, lease renewed).
SEND_CHUNK = 50
# Test-mode broadcasts per sender (a person or an API key) per hour.
TEST_BROADCASTS_PER_HOUR = 10

# Why a recipient got no message when their turn came.
SKIP_CONSENT = "consent_withdrawn"
SKIP_UNREACHABLE = "unreachable"
SKIP_NO_CHAT = "no_chat"
SKIP_REFUSED = "refused"
# The preview's opt-out link: a sample, never a genuine token (which would work).
PREVIEW_UNSUBSCRIBE_TOKEN = "sample.sample.sample.sample"  # noqa: S105 (no secret)
# The person blocked the bot (channels knows): counted as blocked, never sent.
SKIP_BLOCKED = BLOCKED_ERROR_CODE

# How a run of recipients_send ended.
SEND_DONE = "done"
SEND_HANDOVER = "handover"
SEND_LEASE_LOST = "lease lost"
SEND_DISCONNECTED = "disconnected"


class Pacer:
    """Hands out send slots 1/rate seconds apart: `wait()` returns at the next slot. A caller
    a little late (less than a slot) keeps the schedule; one later than that starts a new
    schedule from now rather than catching up in a burst, so no second ever holds more than
    `rate` + 1 sends. The clock and the sleep are injectable: the tests count slots on a fake
    clock and the bench drives the real one."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self.next_at: float | None = None

    def wait(self) -> float:
        """Blocks until the next slot; returns the slot's time on the clock."""
        now = self.clock()
        if self.next_at is None or now - self.next_at > self.interval:
            self.next_at = now
        elif self.next_at > now:
            self.sleep(self.next_at - now)
        slot = self.next_at
        self.next_at = slot + self.interval
        return slot


def broadcast_pacer(
    channel: BroadcastChannel = TELEGRAM,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Pacer:
    """The pacer of a chat channel at its configured rate (CRM_BROADCAST_PER_SECOND): what the
    send task uses, and what the bench drives with the real clock."""
    return Pacer(channel.rate_per_second, clock=clock, sleep=sleep)


# --- 1. fan-out --------------------------------------------------------------------------------


def recipients_materialise(*, campaign: Campaign, lease_alive: Callable[[], bool]) -> bool:
    """Writes a recipient row (no message yet) for every customer of the audience who has none,
    FANOUT_BATCH at a time, each batch in its own transaction; then marks the campaign ready.
    Returns False when the lease was lost on the way (another run goes on). A campaign marked
    ready is left as it is."""
    if campaign.recipients_ready_at is not None:
        return True
    after_pk = 0
    while True:
        if not lease_alive():
            return False
        written = CampaignRecipient.objects.filter(campaign=campaign, customer_id=OuterRef("pk"))
        batch = list(
            queries.campaign_audience(campaign=campaign)
            .filter(pk__gt=after_pk)
            .filter(~Exists(written))
            .values_list("pk", flat=True)[:FANOUT_BATCH]
        )
        if not batch:
            break
        with transaction.atomic():
            CampaignRecipient.objects.bulk_create(
                [
                    CampaignRecipient(
                        business_id=campaign.business_id, campaign=campaign, customer_id=pk
                    )
                    for pk in batch
                ],
                ignore_conflicts=True,
            )
        after_pk = batch[-1]
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk, recipients_ready_at__isnull=True).update(
        recipients_ready_at=now, updated_at=now
    )
    campaign.recipients_ready_at = now
    return True


# --- 2. paced sending --------------------------------------------------------------------------


def _message_text(campaign: Campaign, *, name: str, stop_line: str = "") -> str:
    return _text(
        body=campaign.body,
        title=campaign.title,
        emoji=campaign.emoji,
        name=name,
        stop_line=stop_line,
    )


def _text(*, body: str, title: str, emoji: str, name: str, stop_line: str) -> str:
    """The chat text: {name} filled in, the opt-out line (if any) after a blank line."""
    personal = links.personalize(body, name=name)
    if stop_line:
        personal = f"{personal}\n\n{stop_line}"
    return chat_text(body=personal, title=title, emoji=emoji)


def broadcast_preview(
    *, business: "Business", body: str, title: str = "", emoji: str = "", kind: str
) -> str:
    """The message as a sample customer's chat shows it: their name, and an offer's opt-out
    line in the business's language."""
    stop_line = ""
    if kind == CampaignKind.OFFER:
        # A placeholder of a real token's shape: no working link for anyone in a preview.
        stop_line = links.stop_line(
            language=business.language, url=links.unsubscribe_url(PREVIEW_UNSUBSCRIBE_TOKEN)
        )
    return _text(body=body, title=title, emoji=emoji, name=queries.SAMPLE_NAME, stop_line=stop_line)


def _stop_line(campaign: Campaign, customer: "Customer") -> str:
    """An offer ends with the opt-out link in the customer's language (a notice does not)."""
    if campaign.kind != CampaignKind.OFFER:
        return ""
    token = links.unsubscribe_token(business_id=campaign.business_id, customer_id=customer.pk)
    return links.stop_line(
        language=customer.language or campaign.business.language,
        url=links.unsubscribe_url(token),
    )


def _skip(recipient: CampaignRecipient, reason: str) -> None:
    CampaignRecipient.objects.filter(pk=recipient.pk, message__isnull=True).update(
        skip_reason=reason
    )


def _recipient_send(
    campaign: Campaign,
    channel: BroadcastChannel,
    recipient: CampaignRecipient,
    *,
    allowed: bool,
    blocked: frozenset[str] = frozenset(),
) -> bool:
    """Writes one recipient's message and links it to the row, in one transaction; or marks
    why not. Returns whether a message was written."""
    business = campaign.business
    offer = campaign.kind == CampaignKind.OFFER
    if not allowed:
        _skip(recipient, SKIP_CONSENT if offer else SKIP_UNREACHABLE)
        return False
    handle = customer_channel_handle(
        business=business, customer_id=recipient.customer_id, channel=channel.key
    )
    if not handle:
        _skip(recipient, SKIP_NO_CHAT)
        return False
    if blocked and identity_index_for(channel.key, external_id_normalize(handle)) in blocked:
        _skip(recipient, SKIP_BLOCKED)
        return False
    try:
        with transaction.atomic():
            message = message_send(
                business=business,
                channel=channel.key,
                to=handle,
                payload={
                    "replies": [
                        {
                            "type": "text",
                            "text": _message_text(
                                campaign,
                                name=recipient.customer.name,
                                stop_line=_stop_line(campaign, recipient.customer),
                            ),
                        }
                    ]
                },
                purpose=Purpose.MARKETING if offer else Purpose.TRANSACTIONAL,
                customer=recipient.customer,
                idempotency_key=f"campaign:{campaign.pk}:{recipient.customer_id}",
                actor_kind="system",
            )
            CampaignRecipient.objects.filter(pk=recipient.pk, message__isnull=True).update(
                message=message
            )
    except (PermissionDenied, ValidationFailed, NotFound):
        _skip(recipient, SKIP_REFUSED)
        return False
    return True


def recipients_send(
    *,
    campaign: Campaign,
    channel: BroadcastChannel,
    pacer: Pacer,
    lease_alive: Callable[[], bool],
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Sends to the recipients who have neither a message nor a reason to be skipped, one per
    slot of `pacer`, in customer order. Returns SEND_DONE when nobody is left, SEND_LEASE_LOST,
    SEND_HANDOVER once `deadline` (on `clock`) passed, or SEND_DISCONNECTED when the business
    no longer has the channel (its bot was disconnected): the caller decides what follows."""
    pending = CampaignRecipient.objects.filter(
        campaign=campaign, message__isnull=True, skip_reason=""
    )
    while True:
        if not lease_alive():
            return SEND_LEASE_LOST
        if channel.key not in broadcast_channels(business=campaign.business):
            return SEND_DISCONNECTED
        chunk = list(pending.select_related("customer").order_by("customer_id")[:SEND_CHUNK])
        if not chunk:
            return SEND_DONE
        allowed = set(
            queries.campaign_audience(campaign=campaign)
            .filter(pk__in=[r.customer_id for r in chunk])
            .values_list("pk", flat=True)
        )
        blocked = frozenset(blocked_indexes(business=campaign.business, channel=channel.key))
        for recipient in chunk:
            recipient.customer.business = campaign.business
            pacer.wait()
            _recipient_send(
                campaign,
                channel,
                recipient,
                allowed=recipient.customer_id in allowed,
                blocked=blocked,
            )
        if deadline is not None and clock() > deadline:
            return SEND_HANDOVER


# --- test mode ---------------------------------------------------------------------------------


def broadcast_test_send(
    *,
    business: "Business",
    actor: "User | None",
    body: str,
    title: str = "",
    emoji: str = "",
    kind: str = CampaignKind.OFFER,
    channel: str = TELEGRAM.key,
    actor_kind: str | None = None,
) -> Campaign:
    """Test mode (seed 004 §3.4.4, "admin-only"): the broadcast goes to the team members' own
    linked chats with the bot, never to a customer, marked as a test. It is kept as a sent
    test-mode campaign whose copies are tracked like recipients (the API polls it), and is
    limited to TEST_BROADCASTS_PER_HOUR per sender. ValidationFailed (code `no_team_chats`)
    when no team member has linked a chat."""
    fields = campaign_validate(
        business=business,
        name=str(_("Test: %(text)s") % {"text": title or body.strip()[:60]})[:120],
        body=body,
        channel=channel,
        kind=kind,
        title=title,
        emoji=emoji,
    )
    if not broadcast_channel_get(business=business, key=fields["channel"]).chat:
        raise ValidationFailed(
            _("Test mode needs a chat channel such as Telegram."),
            code=CampaignsErrorCode.INVALID_CHANNEL,
        )
    chats = team_chats(business=business, channel=fields["channel"])
    if not chats:
        raise ValidationFailed(
            _("No team member has linked their Telegram chat with the bot yet."),
            code=CampaignsErrorCode.NO_TEAM_CHATS,
        )
    sender = f"user:{actor.pk}" if actor is not None else str(actor_kind or "system")
    ratelimit_hit(
        f"broadcast-test:{business.pk}:{sender}",
        limit=TEST_BROADCASTS_PER_HOUR,
        window_seconds=3600,
    )
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            business=business,
            created_by=actor,
            status=CampaignStatus.SENT,
            test_mode=True,
            scheduled_at=now,
            started_at=now,
            sent_at=now,
            recipients_ready_at=now,
            recipient_count=len(chats),
            **{k: v for k, v in fields.items() if k != "scheduled_at"},
        )
        text = str(
            _("[Test] %(text)s")
            % {"text": _message_text(campaign, name=getattr(actor, "name", "") or "")}
        )
        for user_id, chat_id in chats:
            message = message_send(
                business=business,
                channel=campaign.channel,
                to=chat_id,
                payload={"replies": [{"type": "text", "text": text}]},
                purpose=Purpose.TRANSACTIONAL,
                idempotency_key=f"campaign:{campaign.pk}:member:{user_id}",
                actor=actor,
                actor_kind=actor_kind,
            )
            CampaignMemberCopy.objects.create(
                business=business, campaign=campaign, user_id=user_id, message=message
            )
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="campaign.test_broadcast",
            target=campaign,
            data={"channel": campaign.channel, "chats": len(chats)},
        )
    return campaign
