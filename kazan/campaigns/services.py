"""Campaign and reminder write use-cases.

Channels and audiences: a campaign goes out on one broadcast channel (campaigns.audience: SMS
today) to the customers queries.audience_customers selects (that channel's consent, reachable
on it, the campaign's audience filters), each message through messaging's message_send, which
re-checks the consent when it is written.

Pacing: nothing here throttles. Every message goes into the messaging outbox, whose delivery
worker already holds all workers together to the channel's configured rate
(BroadcastChannel.rate_per_second, e.g. settings.SMS_RATE_PER_SECOND); a campaign only writes
its messages, as fast as the database takes them.

Exactly-once: each recipient's SMS carries idempotency_key "campaign:<id>:<customer id>" (a
reminder "reminder:<customer id>:<day>"), and its recipient row, voucher, links and message are
written in one savepoint. A send task that crashes and runs again skips who already has a
message and, should the row be missing, gets the first message back from message_send: nobody
gets a campaign twice, and nobody is charged twice.

Credits: a campaign that the balance cannot cover is refused before anything is written. If
credits still run out while sending (another campaign, a reminder, an OTP raced it), the
recipient whose charge failed is rolled back whole and the campaign stops ("stopped"), with
the number not sent reported; resuming sends to the rest only.
"""

import logging
import time
import unicodedata
import uuid
import zoneinfo
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.analytics.models import EventKind
from kazan.analytics.services import event_record
from kazan.campaigns import links, queries
from kazan.campaigns.audience import (
    SMS,
    Audience,
    BroadcastChannel,
    audience_parse,
    broadcast_channel_get,
)
from kazan.campaigns.models import (
    EDITABLE_STATUSES,
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    ReminderRule,
    ReminderSent,
    SelfTestPhone,
    ShortLink,
    StopReply,
)
from kazan.core.db import insert_or_fetch
from kazan.core.errors import (
    Conflict,
    InsufficientCredits,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from kazan.core.ratelimit import ratelimit_hit
from kazan.customers.models import ConsentRecord, Customer, Tag
from kazan.customers.phones import phone_is_mobile, phone_normalize
from kazan.customers.queries import consent_is_granted, customer_find_by_phone
from kazan.customers.services import consent_withdraw
from kazan.loyalty.services import CODE_LENGTH as VOUCHER_CODE_LENGTH
from kazan.loyalty.services import voucher_campaign_issue
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.phones import to_index
from kazan.messaging.services import BODY_MAX_CHARACTERS, message_send
from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.campaigns")

SMS_MARKETING = ConsentRecord.Purpose.SMS_MARKETING
NAME_MAX = 120
# Room is left for the opt-out line, tracked links and long names within one provider message.
TEXT_MAX = 1200
VOUCHER_DAYS_MAX = 365
SCHEDULE_MAX_DAYS = 365
BATCH_SIZE = 200
LEASE_SECONDS = 300
# One task run writes for at most this long, then enqueues the next: workers stay shared and
# no run outlives the task lease (settings.TASK_LEASE_SECONDS).
RUN_SECONDS = 120
# Reminders go out in the business's daytime only; the hourly job catches up within the window.
REMINDER_HOURS = range(10, 20)
REMINDER_DAYS_MAX = 365
REMINDER_CAP_MAX = 50
# "Send a test to yourself": at most this many per team member per hour (each costs credits).
TEST_SENDS_PER_HOUR = 5
# The voucher code a test shows in place of {voucher}: as long as a real one, so it costs the same.
TEST_VOUCHER_CODE = ("TEST" * VOUCHER_CODE_LENGTH)[:VOUCHER_CODE_LENGTH]


# --- validation --------------------------------------------------------------------------------


def _clean_text(value) -> str:
    return str(value or "").replace("\x00", "").strip()


def _validate_text(body: str, *, has_voucher: bool) -> str:
    body = _clean_text(body).replace("\r\n", "\n")
    if not body:
        raise ValidationFailed(_("Write the text of the SMS."), code="invalid_body")
    if len(body) > TEXT_MAX:
        raise ValidationFailed(
            _("The text is too long (at most %(max)d characters).") % {"max": TEXT_MAX},
            code="invalid_body",
        )
    if any(len(url) > 2000 for url in links.body_urls(body)):
        raise ValidationFailed(_("A link in the text is too long."), code="invalid_body")
    if has_voucher and links.PLACEHOLDER_VOUCHER not in body:
        raise ValidationFailed(
            _("Put {voucher} in the text where the voucher code should appear."),
            code="invalid_body",
        )
    if not has_voucher and links.PLACEHOLDER_VOUCHER in body:
        raise ValidationFailed(
            _("The text names {voucher}, but the campaign has no voucher."), code="invalid_body"
        )
    return body


def _validate_voucher(discount, valid_days) -> tuple[str, int | None]:
    discount = _clean_text(discount)
    if not discount and not valid_days:
        return "", None
    if not discount:
        raise ValidationFailed(_("Say what the voucher gives."), code="invalid_voucher")
    if len(discount) > 120:
        raise ValidationFailed(
            _("The voucher text is too long (at most 120 characters)."), code="invalid_voucher"
        )
    if (
        not isinstance(valid_days, int)
        or isinstance(valid_days, bool)
        or not 1 <= valid_days <= VOUCHER_DAYS_MAX
    ):
        raise ValidationFailed(
            _("A voucher is valid for 1 to %(max)d days.") % {"max": VOUCHER_DAYS_MAX},
            code="invalid_voucher",
        )
    return discount, valid_days


def _validate_when(send_at: datetime | None, now: datetime) -> datetime:
    if send_at is None:
        return now
    if timezone.is_naive(send_at):
        raise ValidationFailed(_("The sending time needs a time zone."), code="invalid_time")
    if send_at < now - timedelta(minutes=1):
        raise ValidationFailed(_("The sending time is in the past."), code="invalid_time")
    if send_at > now + timedelta(days=SCHEDULE_MAX_DAYS):
        raise ValidationFailed(
            _("Campaigns can be scheduled at most a year ahead."), code="invalid_time"
        )
    return send_at


def _credits_cover(*, business, body: str, has_voucher: bool, customers) -> queries.Estimate:
    """Refuses a campaign nobody would receive, or one the balance cannot pay for in full."""
    estimate = queries.campaign_estimate(
        business=business, body=body, has_voucher=has_voucher, customers=customers
    )
    if not estimate.recipients:
        raise ValidationFailed(
            _("No customer of this audience currently agrees to receive offers on this channel."),
            code="no_recipients",
        )
    if not estimate.enough:
        raise InsufficientCredits(
            _(
                "This campaign needs %(needed)d SMS credits for %(recipients)d customers, "
                "but the balance is %(balance)d. Buy more credits or shorten the text."
            )
            % {
                "needed": estimate.credits,
                "recipients": estimate.recipients,
                "balance": estimate.balance,
            }
        )
    if len(estimate.sample) > BODY_MAX_CHARACTERS:
        raise ValidationFailed(_("The finished message would be too long."), code="invalid_body")
    return estimate


def _send_enqueue(campaign_id: int) -> None:
    """A failure to enqueue loses nothing: the per-minute job picks the campaign up."""
    from kazan.campaigns.tasks import campaign_send

    try:
        campaign_send.enqueue(campaign_id)
    except Exception:
        logger.exception("could not enqueue campaign %s; the scheduler will", campaign_id)


# --- campaigns ---------------------------------------------------------------------------------


def audience_validate(*, business, audience) -> Audience:
    """The audience, parsed, with every tag one of this business's; ValidationFailed else."""
    audience = audience_parse(audience)
    if audience.tags:
        known = Tag.objects.filter(business=business, pk__in=audience.tags).count()
        if known != len(audience.tags):
            raise ValidationFailed(
                _("The audience names a tag that does not exist."), code="invalid_audience"
            )
    return audience


def campaign_validate(
    *,
    business,
    name: str,
    body: str,
    voucher_discount: str = "",
    voucher_valid_days: int | None = None,
    send_at: datetime | None = None,
    draft: bool = False,
    channel: str = SMS.key,
    audience: Audience | dict | None = None,
    now: datetime | None = None,
) -> dict:
    """The campaign's fields, cleaned, or ValidationFailed; the preview calls it before
    anything is saved. Credits are not checked here (see campaign_save)."""
    now = now or timezone.now()
    channel = broadcast_channel_get(business=business, key=channel).key
    audience = audience_validate(business=business, audience=audience)
    name = _clean_text(name)
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(
            _("Give the campaign a name (at most 120 characters)."), code="invalid_name"
        )
    discount, valid_days = _validate_voucher(voucher_discount, voucher_valid_days)
    return {
        "name": name,
        "body": _validate_text(body, has_voucher=bool(discount)),
        "voucher_discount": discount,
        "voucher_valid_days": valid_days,
        "scheduled_at": None if draft else _validate_when(send_at, now),
        "channel": channel,
        "audience": audience.stored(),
    }


def campaign_save(
    *,
    business,
    actor,
    name: str,
    body: str,
    voucher_discount: str = "",
    voucher_valid_days: int | None = None,
    send_at: datetime | None = None,
    draft: bool = False,
    channel: str = SMS.key,
    audience: Audience | dict | None = None,
    campaign: Campaign | None = None,
    actor_kind: str | None = None,
) -> Campaign:
    """Creates a campaign or changes one that has not started sending (`actor_kind` names a
    non-person actor, an API key, for the activity log).

    `draft` keeps it unsent; otherwise it is scheduled for `send_at` (None: now, and the send
    task is enqueued on commit). `channel` is one of campaigns.audience.broadcast_channels and
    `audience` an Audience (or its JSON); None is everyone reachable on the channel who agrees
    to its offers. A scheduled campaign must be payable in full now. A change to
    a campaign the send task already claimed is refused (Conflict): the UPDATE is conditional
    on the status, so a campaign being sent is never edited.
    """
    now = timezone.now()
    fields = campaign_validate(
        business=business,
        name=name,
        body=body,
        voucher_discount=voucher_discount,
        voucher_valid_days=voucher_valid_days,
        send_at=send_at,
        draft=draft,
        channel=channel,
        audience=audience,
        now=now,
    )
    body, discount, when = fields["body"], fields["voucher_discount"], fields["scheduled_at"]
    estimate = None
    if not draft:
        estimate = _credits_cover(
            business=business,
            body=body,
            has_voucher=bool(discount),
            customers=queries.audience_customers(
                business=business,
                channel=broadcast_channel_get(business=business, key=fields["channel"]),
                audience=fields["audience"],
            ),
        )
    fields["status"] = CampaignStatus.DRAFT if draft else CampaignStatus.SCHEDULED
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign.objects.create(business=business, created_by=_user(actor), **fields)
            action = "campaign.created" if draft else "campaign.scheduled"
        else:
            if campaign.business_id != business.pk:
                raise NotFound()
            changed = Campaign.objects.filter(
                pk=campaign.pk, business=business, status__in=EDITABLE_STATUSES
            ).update(updated_at=now, **fields)
            if not changed:
                raise Conflict(
                    _("This campaign has started sending and can no longer be changed."),
                    code="not_editable",
                )
            campaign.refresh_from_db()
            action = "campaign.updated"
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            target=campaign,
            data={
                "status": campaign.status,
                "recipients": estimate.recipients if estimate else None,
                "credits": estimate.credits if estimate else None,
            },
        )
        if not draft and when <= now:
            campaign_id = campaign.pk
            transaction.on_commit(lambda: _send_enqueue(campaign_id))
    return campaign


def campaign_cancel(
    *, business, campaign: Campaign, actor, actor_kind: str | None = None
) -> Campaign:
    """Deletes a campaign that has not started sending; it stays in the history as cancelled."""
    if campaign.business_id != business.pk:
        raise NotFound()
    with transaction.atomic():
        changed = Campaign.objects.filter(
            pk=campaign.pk, business=business, status__in=EDITABLE_STATUSES
        ).update(status=CampaignStatus.CANCELLED, updated_at=timezone.now())
        if not changed:
            raise Conflict(
                _("This campaign has started sending and can no longer be deleted."),
                code="not_editable",
            )
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="campaign.cancelled",
            target=campaign,
        )
    campaign.refresh_from_db()
    return campaign


def campaign_resume(*, business, campaign: Campaign, actor) -> Campaign:
    """A stopped campaign (credits ran out) goes on to the customers it has not reached yet,
    once the balance covers them."""
    if campaign.business_id != business.pk:
        raise NotFound()
    if campaign.status != CampaignStatus.STOPPED:
        raise Conflict(_("Only a stopped campaign can be resumed."), code="not_stopped")
    done = CampaignRecipient.objects.filter(campaign=campaign, message__isnull=False)
    rest = queries.campaign_audience(campaign=campaign).exclude(pk__in=done.values("customer_id"))
    estimate = queries.campaign_estimate(
        business=business, body=campaign.body, has_voucher=campaign.has_voucher, customers=rest
    )
    if not estimate.enough:
        raise InsufficientCredits(
            _(
                "The rest of this campaign needs %(needed)d SMS credits, but the balance is "
                "%(balance)d."
            )
            % {"needed": estimate.credits, "balance": estimate.balance}
        )
    now = timezone.now()
    with transaction.atomic():
        changed = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.STOPPED).update(
            status=CampaignStatus.SCHEDULED, scheduled_at=now, stop_reason="", updated_at=now
        )
        if not changed:
            raise Conflict(_("Only a stopped campaign can be resumed."), code="not_stopped")
        activity_record(business=business, actor=actor, action="campaign.resumed", target=campaign)
        transaction.on_commit(lambda: _send_enqueue(campaign.pk))
    campaign.refresh_from_db()
    return campaign


def campaign_test_send(
    *,
    business,
    actor,
    membership,
    phone: str,
    body: str,
    voucher_discount: str = "",
    channel: str = SMS.key,
    campaign: Campaign | None = None,
) -> OutboundMessage:
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
            _("Enter a mobile number: a landline cannot receive the test."), code="invalid_phone"
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


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def campaigns_due_enqueue(*, now: datetime | None = None) -> int:
    """The per-minute job: enqueue the send of every campaign that is due, and of every one
    whose sender died (its lease ran out). The send task's claim stops double runs."""
    now = now or timezone.now()
    # A suspended business's campaigns wait (scheduled or half-sent) until it is reactivated.
    due = list(
        Campaign.objects.filter(
            Q(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
            | Q(status=CampaignStatus.SENDING, lease_expires_at__lt=now)
            | Q(status=CampaignStatus.SENDING, lease_expires_at__isnull=True),
            business__status=Business.Status.ACTIVE,
        ).values_list("pk", flat=True)[:500]
    )
    for campaign_id in due:
        _send_enqueue(campaign_id)
    return len(due)


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


def _links_create(*, business, urls: list[str]) -> dict[str, ShortLink]:
    """One tracked short link per distinct URL (saved by the caller); codes are random
    (55^8), and a collision fails the unique constraint instead of merging two links."""
    return {
        url: ShortLink(business=business, code=links.code_new(), target_url=url) for url in urls
    }


def _text_payload(text: str) -> dict:
    return {"replies": [{"type": "text", "text": text}]}


def _offer_write(
    *,
    business,
    channel: BroadcastChannel,
    customer: Customer,
    text: str,
    idempotency_key: str,
    voucher_code: str = "",
) -> tuple[OutboundMessage, list[ShortLink]]:
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


def _recipient_write(campaign: Campaign, customer: Customer) -> None:
    business = campaign.business
    voucher = None
    if campaign.has_voucher:
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


def _recipient_write_retrying(campaign: Campaign, customer: Customer) -> None:
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


def _campaign_finish(campaign: Campaign, token: str, *, status: str, **fields) -> bool:
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


def campaign_send_run(*, campaign_id: int) -> str:
    """The send task: claims the campaign; on a fresh start checks that the balance covers
    everyone left; then writes one SMS per consenting customer in customer-id order, in
    batches (one transaction per batch, a savepoint per recipient). After RUN_SECONDS it hands
    over to a new task, so no task runs for long. Safe to run again at any point; see the
    module docstring."""
    started = time.monotonic()
    token, fresh = _claim(campaign_id, timezone.now())
    if token is None:
        return "not due or already being sent"
    campaign = Campaign.objects.select_related("business").get(pk=campaign_id)
    business = campaign.business
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
        batch = list(
            queries.campaign_audience(campaign=campaign)
            .filter(pk__gt=last_pk)
            .order_by("pk")[:BATCH_SIZE]
        )
        if not batch:
            break
        done = set(
            written.filter(customer_id__in=[c.pk for c in batch]).values_list(
                "customer_id", flat=True
            )
        )
        skipped = 0
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
        last_pk = batch[-1].pk
        if stopped_at is None and time.monotonic() - started > RUN_SECONDS:
            Campaign.objects.filter(pk=campaign.pk, lease_token=token).update(
                lease_token="", lease_expires_at=None
            )
            _send_enqueue(campaign.pk)
            return "handed over to the next run"
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


# --- links -------------------------------------------------------------------------------------


def link_click(*, code: str) -> str | None:
    """Counts a click on /l/<code> and returns where to go; None for an unknown code."""
    link = queries.link_find(code=code)
    if link is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        ShortLink.objects.filter(pk=link.pk).update(click_count=F("click_count") + 1)
        customer = None
        if link.recipient_id:
            CampaignRecipient.objects.filter(pk=link.recipient_id, clicked_at__isnull=True).update(
                clicked_at=now
            )
            customer = link.recipient.customer
        event_record(
            business=link.business,
            kind=EventKind.LINK_CLICK,
            customer=customer,
            data={"link": link.pk, "campaign": link.campaign_id},
            at=now,
        )
    return link.target_url


# --- opting out --------------------------------------------------------------------------------


def unsubscribe_target(*, token: str) -> tuple[Business, Customer]:
    """The business and customer a genuine token names; links.TokenInvalid or NotFound."""
    business_id, customer_id = links.unsubscribe_token_read(token)
    customer = (
        Customer.objects.filter(pk=customer_id, business_id=business_id, erased_at__isnull=True)
        .select_related("business")
        .first()
    )
    if customer is None:
        raise NotFound(_("We no longer hold any data about you for this business."))
    return customer.business, customer


def unsubscribe_confirm(*, token: str, ip: str = "", user_agent: str = "") -> Business:
    """The unsubscribe link's POST: withdraws SMS marketing consent (once; a second click
    changes nothing)."""
    business, customer = unsubscribe_target(token=token)
    with transaction.atomic():
        if consent_is_granted(business=business, customer=customer, purpose=SMS_MARKETING):
            consent_withdraw(
                business=business,
                customer=customer,
                purpose=SMS_MARKETING,
                channel="sms-link",
                ip=ip,
                user_agent=user_agent,
                actor_kind="customer",
            )
    return business


# Whole-message opt-out words (Twilio's own list, and the usual ones in our other languages).
STOP_WORDS = frozenset(
    {
        "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke",
        # German
        "stopp", "abmelden", "abbestellen", "austragen", "ende", "kundigen",
        # Turkish
        "dur", "iptal", "durdur", "ret", "abonelikiptal",
        # Italian
        "basta", "annulla", "cancella", "disiscrivi", "fine",
        # Spanish
        "baja", "parar", "alto", "cancelar", "detener", "fin",
    }
)  # fmt: skip


def stop_word(body: str) -> bool:
    """Is this SMS an opt-out? The whole text, case, accents, spaces and final dots ignored."""
    text = unicodedata.normalize("NFKD", (body or "").strip().casefold()[:40])
    text = "".join(ch for ch in text if ch.isalnum())
    return text in STOP_WORDS


def stop_reply_receive(*, provider: str, provider_message_id: str, from_phone: str, body: str):
    """An inbound SMS: if it is a STOP word, withdraws SMS marketing consent for that number in
    every business that has messaged it. Returns how many customers opted out, or None when
    the SMS is not an opt-out. Idempotent by the provider's message id."""
    if not stop_word(body):
        return None
    number = phone_normalize(from_phone, region="")
    with transaction.atomic():
        reply, inserted = insert_or_fetch(
            lambda: StopReply.objects.create(
                provider=provider, provider_message_id=provider_message_id
            ),
            lambda: StopReply.objects.filter(
                provider=provider, provider_message_id=provider_message_id
            ).first(),
        )
        if not inserted:
            return reply.withdrawn
        business_ids = (
            OutboundMessage.objects.filter(to_index=to_index(number))
            .values_list("business_id", flat=True)
            .distinct()
        )
        withdrawn = 0
        for business in Business.objects.filter(pk__in=list(business_ids)).order_by("pk"):
            customer = customer_find_by_phone(business=business, phone=number)
            if customer is None:
                continue
            consent_withdraw(
                business=business,
                customer=customer,
                purpose=SMS_MARKETING,
                channel="sms-stop",
                actor_kind="customer",
            )
            withdrawn += 1
        StopReply.objects.filter(pk=reply.pk).update(withdrawn=withdrawn)
    return withdrawn


# --- reminders ---------------------------------------------------------------------------------


def reminder_rule_save(
    *,
    business,
    actor,
    enabled: bool,
    days_without_sms: int,
    template: str,
    cap_per_customer: int,
) -> ReminderRule:
    """Sets the business's reminder rule (one per business)."""
    template = _clean_text(template).replace("\r\n", "\n")
    if enabled or template:
        template = _validate_text(template, has_voucher=False)
    for value, low, high, message in (
        (days_without_sms, 1, REMINDER_DAYS_MAX, _("Days without SMS: 1 to %(max)d.")),
        (cap_per_customer, 1, REMINDER_CAP_MAX, _("Reminders per customer: 1 to %(max)d.")),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(message % {"max": high}, code="invalid_rule")
    with transaction.atomic():
        rule, _created = ReminderRule.objects.update_or_create(
            business=business,
            defaults={
                "enabled": bool(enabled),
                "days_without_sms": days_without_sms,
                "template": template,
                "cap_per_customer": cap_per_customer,
            },
        )
        activity_record(
            business=business,
            actor=actor,
            action="reminders.updated",
            target=rule,
            data={"enabled": rule.enabled, "days": days_without_sms, "cap": cap_per_customer},
        )
    return rule


def reminders_send_for(*, rule: ReminderRule, now: datetime | None = None) -> int:
    """Today's reminders of one business (its local day). Same rules as campaigns: consent
    re-checked, refused if the balance cannot cover them all, a clean stop if credits run out.
    Idempotent per customer per day."""
    now = now or timezone.now()
    business = rule.business
    day = now.astimezone(zoneinfo.ZoneInfo(business.timezone)).date()
    candidates = queries.reminder_candidates(rule=rule, now=now).exclude(
        pk__in=ReminderSent.objects.filter(business=business, day=day).values("customer_id")
    )
    estimate = queries.campaign_estimate(
        business=business, body=rule.template, has_voucher=False, customers=candidates
    )
    if not estimate.recipients:
        return 0
    if not estimate.enough:
        logger.info("reminders of business %s wait for credits", business.pk)
        return 0
    sent = 0
    for customer in candidates.iterator(chunk_size=BATCH_SIZE):
        try:
            with transaction.atomic():
                message, tracked = _offer_write(
                    business=business,
                    channel=SMS,
                    customer=customer,
                    text=rule.template,
                    idempotency_key=f"reminder:{customer.pk}:{day.isoformat()}",
                )
                ShortLink.objects.bulk_create(tracked)
                _row, inserted = insert_or_fetch(
                    lambda c=customer, m=message: ReminderSent.objects.create(
                        business=business, customer=c, day=day, message=m
                    ),
                    lambda c=customer: ReminderSent.objects.filter(
                        business=business, customer=c, day=day
                    ).first(),
                )
        except InsufficientCredits:
            break
        except (PermissionDenied, ValidationFailed, NotFound):
            continue
        sent += int(inserted)
    if sent:
        with transaction.atomic():
            activity_record(
                business=business,
                actor=None,
                actor_kind="system",
                action="reminders.sent",
                target=rule,
                data={"count": sent, "day": day.isoformat()},
            )
    return sent


def reminders_send_due(*, now: datetime | None = None) -> int:
    """The hourly job: every enabled rule of an active (not suspended) business that is in its
    daytime window."""
    now = now or timezone.now()
    total = 0
    rules = ReminderRule.objects.filter(enabled=True, business__status=Business.Status.ACTIVE)
    for rule in rules.select_related("business"):
        local = now.astimezone(zoneinfo.ZoneInfo(rule.business.timezone))
        if local.hour in REMINDER_HOURS and rule.template:
            total += reminders_send_for(rule=rule, now=now)
    return total
