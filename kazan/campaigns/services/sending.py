"""Writing a campaign's messages (the send task), and the test a team member sends to themself.

Every message goes into the messaging outbox, whose delivery worker paces the channel; a run
only writes, in batches, under a lease, and hands over to a new task after RUN_SECONDS. See the
package docstring for exactly-once and what happens when credits run out."""

import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.campaigns import links, queries
from kazan.campaigns.audience import (
    CHANNELS,
    SMS,
    BroadcastChannel,
    broadcast_channel_get,
    broadcast_channels,
)
from kazan.campaigns.error_codes import CampaignsErrorCode
from kazan.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    SelfTestPhone,
    ShortLink,
)
from kazan.campaigns.services import broadcast, fanout
from kazan.campaigns.services.validation import _clean_text, _validate_text
from kazan.core.errors import InsufficientCredits, NotFound, PermissionDenied, ValidationFailed
from kazan.core.ratelimit import ratelimit_hit
from kazan.customers.phones import phone_is_mobile, phone_normalize
from kazan.loyalty.services import CODE_LENGTH as VOUCHER_CODE_LENGTH
from kazan.loyalty.services import voucher_campaign_issue
from kazan.messaging.models import Purpose
from kazan.messaging.services import message_send

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer
    from kazan.messaging.models import OutboundMessage
    from kazan.tenancy.models import Business, Membership

logger = logging.getLogger("kazan.campaigns")

# Recipients per batch: one transaction, one ledger entry, one delivery task.
BATCH_SIZE = 2000
LEASE_SECONDS = 300
# One task run writes for at most this long, then enqueues the next: workers stay shared and
# no run outlives the task lease (settings.TASK_LEASE_SECONDS).
RUN_SECONDS = 120
# "Send a test to yourself": at most this many per team member per hour (each costs credits).
TEST_SENDS_PER_HOUR = 5
# The voucher code a test shows in place of {voucher}: as long as a real one, so it costs the same.
TEST_VOUCHER_CODE = ("TEST" * VOUCHER_CODE_LENGTH)[:VOUCHER_CODE_LENGTH]


def _send_enqueue(campaign_id: int) -> None:
    """A failure to enqueue loses nothing: the per-minute job picks the campaign up."""
    from kazan.campaigns.tasks import campaign_send

    try:
        campaign_send.enqueue(campaign_id)
    except Exception:
        logger.exception("could not enqueue campaign %s; the scheduler will", campaign_id)


def _claim(campaign_id: int, now: datetime) -> tuple[str | None, bool]:
    """Takes the campaign for this run (a lease): (token, fresh), or (None, False) if it is not
    due or another run holds it. `fresh` is a start (or a resume) rather than taking over from
    a run that handed over or died. Conditional UPDATEs, so two runs never both hold it."""
    token = uuid.uuid4().hex
    lease = {
        "status": CampaignStatus.SENDING,
        "lease_token": token,
        "lease_expires_at": now + timedelta(seconds=LEASE_SECONDS),
        "started_at": Coalesce(F("started_at"), now),
        "updated_at": now,
    }
    campaigns = Campaign.objects.filter(pk=campaign_id)
    if campaigns.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now).update(**lease):
        return token, True
    if campaigns.filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True),
        status=CampaignStatus.SENDING,
    ).update(**lease):
        return token, False
    return None, False


def _lease_renew(campaign_id: int, token: str) -> bool:
    now = timezone.now()
    return bool(
        Campaign.objects.filter(
            pk=campaign_id, status=CampaignStatus.SENDING, lease_token=token
        ).update(lease_expires_at=now + timedelta(seconds=LEASE_SECONDS))
    )


def _links_create(*, business: "Business", urls: list[str]) -> dict[str, ShortLink]:
    """One tracked short link per distinct URL (saved by the caller); codes are random
    (55^8), and a collision fails the unique constraint instead of merging two links."""
    return {
        url: ShortLink(business=business, code=links.code_new(), target_url=url) for url in urls
    }


def _text_payload(text: str) -> dict[str, object]:
    return {"replies": [{"type": "text", "text": text}]}


def _offer_write(
    *,
    business: "Business",
    channel: BroadcastChannel,
    customer: "Customer",
    text: str,
    idempotency_key: str,
    voucher_code: str = "",
) -> tuple["OutboundMessage", list[ShortLink]]:
    """Personalizes `text` for `customer`, tracks its links, appends the opt-out line and
    writes the marketing message on `channel` (consent re-checked by message_send, credits
    charged where the channel costs them) — inside the caller's
    savepoint, so a refusal leaves nothing behind. Returns the message and its links, still
    to be saved by the caller (who knows what they belong to)."""
    personal = links.personalize(text, name=customer.name, voucher_code=voucher_code)
    tracked = _links_create(business=business, urls=links.body_urls(personal))
    token = links.unsubscribe_token(business_id=business.pk, customer_id=customer.pk)
    body = links.compose(
        personal,
        name=customer.name,
        voucher_code=voucher_code,
        links={url: links.short_url(link.code) for url, link in tracked.items()},
        language=customer.language or business.language,
        stop_url=links.unsubscribe_url(token),
    )
    message = message_send(
        business=business,
        channel=channel.key,
        to=channel.handle(customer),
        payload=_text_payload(body),
        purpose=Purpose.MARKETING,
        customer=customer,
        idempotency_key=idempotency_key,
        actor_kind="system",
    )
    return message, list(tracked.values())


def _recipient_write(campaign: Campaign, customer: "Customer") -> None:
    business = campaign.business
    voucher = None
    # has_voucher, spelled out so the type checker sees the days are set.
    if campaign.voucher_discount and campaign.voucher_valid_days:
        voucher = voucher_campaign_issue(
            business=business,
            customer=customer,
            discount_text=campaign.voucher_discount,
            valid_days=campaign.voucher_valid_days,
        )
    message, tracked = _offer_write(
        business=business,
        channel=broadcast_channel_get(business=business, key=campaign.channel),
        customer=customer,
        text=campaign.body,
        idempotency_key=f"campaign:{campaign.pk}:{customer.pk}",
        voucher_code=voucher.code if voucher else "",
    )
    recipient = CampaignRecipient.objects.create(
        business=business, campaign=campaign, customer=customer, voucher=voucher, message=message
    )
    for link in tracked:
        link.campaign = campaign
        link.recipient = recipient
    ShortLink.objects.bulk_create(tracked)


def _recipient_write_retrying(campaign: Campaign, customer: "Customer") -> None:
    """One savepoint per recipient; a short-code collision (about 1 in 10^8 per link) is drawn
    again once rather than failing the whole batch."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _recipient_write(campaign, customer)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _batch_write_each(campaign: Campaign, batch: list["Customer"]) -> int | None:
    """The careful path (a voucher campaign, or a batch whose bulk write met a taken key): one
    savepoint per recipient, message_send for each. Returns the customer the credits stopped
    at, if they ran out."""
    done = set(
        CampaignRecipient.objects.filter(
            campaign=campaign, customer_id__in=[c.pk for c in batch], message__isnull=False
        ).values_list("customer_id", flat=True)
    )
    skipped = 0
    stopped_at: int | None = None
    with transaction.atomic():
        for customer in batch:
            if customer.pk in done:
                continue
            try:
                _recipient_write_retrying(campaign, customer)
            except InsufficientCredits:
                stopped_at = customer.pk
                break
            except (PermissionDenied, ValidationFailed, NotFound):
                # Consent withdrawn a moment ago, or a number that no longer parses.
                skipped += 1
        if skipped:
            Campaign.objects.filter(pk=campaign.pk).update(
                skipped_count=F("skipped_count") + skipped
            )
    return stopped_at


def _campaign_finish(campaign: Campaign, token: str, *, status: str, **fields: int | str) -> bool:
    now = timezone.now()
    written = CampaignRecipient.objects.filter(campaign=campaign, message__isnull=False).count()
    with transaction.atomic():
        finished = Campaign.objects.filter(pk=campaign.pk, lease_token=token).update(
            status=status,
            sent_at=now if status == CampaignStatus.SENT else None,
            recipient_count=written,
            lease_token="",
            lease_expires_at=None,
            updated_at=now,
            **fields,
        )
        if finished:
            campaign.refresh_from_db()
            activity_record(
                business=campaign.business,
                actor=None,
                actor_kind="system",
                action=f"campaign.{status}",
                target=campaign,
                data={
                    "recipients": written,
                    "skipped": campaign.skipped_count,
                    "unsent": campaign.unsent_count,
                },
            )
    return bool(finished)


def _hand_over(campaign: Campaign, token: str) -> str:
    Campaign.objects.filter(pk=campaign.pk, lease_token=token).update(
        lease_token="", lease_expires_at=None
    )
    _send_enqueue(campaign.pk)
    return "handed over to the next run"


def _chat_send_run(
    campaign: Campaign,
    token: str,
    *,
    run_seconds: float,
    pacer: broadcast.Pacer | None,
) -> str:
    """A chat broadcast's run (services.broadcast): the fan-out once, then paced sending;
    after `run_seconds` it hands over. A channel gone (the bot disconnected)
    stops the campaign with the number not sent."""
    started = time.monotonic()
    channel = broadcast_channels(business=campaign.business).get(campaign.channel)
    pending = CampaignRecipient.objects.filter(
        campaign=campaign, message__isnull=True, skip_reason=""
    )
    outcome = broadcast.SEND_DISCONNECTED
    if channel is not None:
        if not broadcast.recipients_materialise(
            campaign=campaign, lease_alive=lambda: _lease_renew(campaign.pk, token)
        ):
            return "lease lost"
        outcome = broadcast.recipients_send(
            campaign=campaign,
            channel=channel,
            pacer=pacer or broadcast.broadcast_pacer(channel),
            lease_alive=lambda: _lease_renew(campaign.pk, token),
            deadline=started + run_seconds,
        )
    skipped = CampaignRecipient.objects.filter(campaign=campaign).exclude(skip_reason="").count()
    if outcome == broadcast.SEND_LEASE_LOST:
        return "lease lost"
    if outcome == broadcast.SEND_HANDOVER:
        return _hand_over(campaign, token)
    if outcome == broadcast.SEND_DISCONNECTED:
        unsent = pending.count() if campaign.recipients_ready_at else 0
        _campaign_finish(
            campaign,
            token,
            status=CampaignStatus.STOPPED,
            skipped_count=skipped,
            unsent_count=unsent,
            stop_reason=str(_("The channel was disconnected while sending.")),
        )
        return f"stopped: {unsent} not sent"
    _campaign_finish(
        campaign, token, status=CampaignStatus.SENT, skipped_count=skipped, unsent_count=0
    )
    return f"sent to {campaign.recipient_count}"


def campaign_send_run(
    *,
    campaign_id: int,
    run_seconds: float | None = None,
    pacer: broadcast.Pacer | None = None,
) -> str:
    """The send task: claims the campaign; on a fresh start checks that the balance covers
    everyone left; then writes one SMS per consenting customer in customer-id order, in
    batches of BATCH_SIZE (one transaction and a fixed number of queries per batch: fanout).
    After `run_seconds` (None: RUN_SECONDS) it hands over to a new task, so no task runs for
    long. Safe to run again at any point; see the module docstring. A chat channel's campaign
    is paced instead (services.broadcast; `pacer` for the tests and the bench, and
    `run_seconds=math.inf` to run it through in one go)."""
    started = time.monotonic()
    run_seconds = RUN_SECONDS if run_seconds is None else run_seconds
    token, fresh = _claim(campaign_id, timezone.now())
    if token is None:
        return "not due or already being sent"
    campaign = Campaign.objects.select_related("business").get(pk=campaign_id)
    business = campaign.business
    definition = CHANNELS.get(campaign.channel)
    if definition is not None and definition.chat:
        return _chat_send_run(campaign, token, run_seconds=run_seconds, pacer=pacer)
    written = CampaignRecipient.objects.filter(campaign=campaign, message__isnull=False)
    if fresh:
        estimate = queries.campaign_estimate(
            business=business,
            body=campaign.body,
            has_voucher=campaign.has_voucher,
            customers=queries.campaign_audience(campaign=campaign).exclude(
                pk__in=written.values("customer_id")
            ),
        )
        if not estimate.enough:
            _campaign_finish(
                campaign,
                token,
                status=CampaignStatus.STOPPED,
                unsent_count=estimate.recipients,
                stop_reason=str(
                    _("Not enough SMS credits to start: %(needed)d needed, %(balance)d available.")
                    % {"needed": estimate.credits, "balance": estimate.balance}
                ),
            )
            return "stopped before starting: not enough credits"
    # Customers are taken in id order, so everyone below the last one written is done (or was
    # skipped for a reason that still holds): a later run goes on from there.
    last_pk = written.aggregate(last=Max("customer_id"))["last"] or 0
    stopped_at: int | None = None
    while stopped_at is None:
        if not _lease_renew(campaign.pk, token):
            return "lease lost"
        batch = fanout.batch_candidates(campaign=campaign, after_pk=last_pk, limit=BATCH_SIZE)
        if not batch:
            break
        outcome = None
        if not campaign.has_voucher:
            outcome = fanout.batch_write_safely(campaign=campaign, customers=batch)
        if outcome is not None:
            stopped_at = outcome.stopped_at
        else:
            stopped_at = _batch_write_each(campaign, batch)
        last_pk = batch[-1].pk
        if stopped_at is None and time.monotonic() - started > run_seconds:
            return _hand_over(campaign, token)
    if stopped_at is not None:
        unsent = (
            queries.campaign_audience(campaign=campaign)
            .filter(pk__gte=stopped_at)
            .exclude(pk__in=written.values("customer_id"))
            .count()
        )
        _campaign_finish(
            campaign,
            token,
            status=CampaignStatus.STOPPED,
            unsent_count=unsent,
            stop_reason=str(_("The SMS credits ran out while sending.")),
        )
        return f"stopped: {unsent} not sent"
    _campaign_finish(campaign, token, status=CampaignStatus.SENT, unsent_count=0)
    return f"sent to {campaign.recipient_count}"


def campaign_test_send(
    *,
    business: "Business",
    actor: "User",
    membership: "Membership",
    phone: str,
    body: str,
    voucher_discount: str = "",
    channel: str = SMS.key,
    campaign: Campaign | None = None,
) -> "OutboundMessage":
    """ "Send a test to yourself": the text as typed goes once to the team member's own mobile
    number, marked as a test. It is transactional (they asked for it; no consent ledger), not
    a recipient of any campaign, charged like any SMS, and limited to TEST_SENDS_PER_HOUR per
    team member (each costs credits). The number is remembered on the membership."""
    if membership.business_id != business.pk or membership.user_id != actor.pk:
        raise NotFound()
    if campaign is not None and campaign.business_id != business.pk:
        raise NotFound()
    channel_key = broadcast_channel_get(business=business, key=channel).key
    discount = _clean_text(voucher_discount)
    body = _validate_text(body, has_voucher=bool(discount))
    number = phone_normalize(phone, region=business.country)
    if not phone_is_mobile(number):
        raise ValidationFailed(
            _("Enter a mobile number: a landline cannot receive the test."),
            code=CampaignsErrorCode.INVALID_PHONE,
        )
    ratelimit_hit(
        f"campaign-test:{business.pk}:{actor.pk}", limit=TEST_SENDS_PER_HOUR, window_seconds=3600
    )
    personal = links.personalize(
        body,
        name=getattr(actor, "name", "") or queries.SAMPLE_NAME,
        voucher_code=TEST_VOUCHER_CODE if discount else "",
    )
    text = _("[Test] %(text)s") % {"text": personal}
    with transaction.atomic():
        SelfTestPhone.objects.update_or_create(
            membership=membership, defaults={"business": business, "phone": number}
        )
        message = message_send(
            business=business,
            channel=channel_key,
            to=number,
            payload=_text_payload(text),
            purpose=Purpose.TRANSACTIONAL,
            actor=actor,
        )
        activity_record(
            business=business,
            actor=actor,
            action="campaign.test_sent",
            target=campaign if campaign is not None else message,
            data={"channel": channel_key, "credits": message.credits},
        )
    return message
