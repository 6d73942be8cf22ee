"""A campaign's life before and after it sends: save (draft or scheduled), cancel, resume,
and the per-minute job that hands due campaigns to the send task."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.campaigns import queries
from kazan.campaigns.audience import SMS, Audience, broadcast_channel_get
from kazan.campaigns.error_codes import CampaignsErrorCode
from kazan.campaigns.models import (
    EDITABLE_STATUSES,
    Campaign,
    CampaignKind,
    CampaignRecipient,
    CampaignStatus,
)
from kazan.campaigns.services.sending import _send_enqueue
from kazan.campaigns.services.validation import campaign_validate
from kazan.core.errors import Conflict, InsufficientCredits, NotFound, ValidationFailed
from kazan.messaging.services import BODY_MAX_CHARACTERS

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kazan.accounts.types import Actor
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


def _credits_cover(
    *, business: "Business", body: str, has_voucher: bool, customers: "QuerySet[Customer]"
) -> queries.Estimate:
    """Refuses a campaign nobody would receive, or one the balance cannot pay for in full."""
    estimate = queries.campaign_estimate(
        business=business, body=body, has_voucher=has_voucher, customers=customers
    )
    if not estimate.recipients:
        raise ValidationFailed(
            _("No customer of this audience currently agrees to receive offers on this channel."),
            code=CampaignsErrorCode.NO_RECIPIENTS,
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
        raise ValidationFailed(
            _("The finished message would be too long."), code=CampaignsErrorCode.INVALID_BODY
        )
    return estimate


def _recipients_exist(customers: "QuerySet[Customer]") -> int:
    """A chat campaign costs no credits: it only needs somebody to go to."""
    count = customers.count()
    if not count:
        raise ValidationFailed(
            _("No customer of this audience can currently receive it on this channel."),
            code=CampaignsErrorCode.NO_RECIPIENTS,
        )
    return count


def campaign_save(
    *,
    business: "Business",
    actor: "Actor",
    name: str,
    body: str,
    voucher_discount: str = "",
    voucher_valid_days: int | None = None,
    send_at: datetime | None = None,
    draft: bool = False,
    channel: str = SMS.key,
    audience: Audience | dict[str, object] | None = None,
    kind: str = CampaignKind.OFFER,
    title: str = "",
    emoji: str = "",
    campaign: Campaign | None = None,
    actor_kind: str | None = None,
) -> Campaign:
    """Creates a campaign or changes one that has not started sending (`actor_kind` names a
    non-person actor, an API key, for the activity log).

    `draft` keeps it unsent; otherwise it is scheduled for `send_at` (None: now, and the send
    task is enqueued on commit). `channel` is one of campaigns.audience.broadcast_channels and
    `audience` an Audience (or its JSON); None is everyone reachable on the channel who agrees
    to its offers. `kind`, `title` and `emoji` are a chat channel's (services.broadcast): a
    service notice goes to everyone reachable without marketing consent. A scheduled campaign
    must be payable in full now (a chat channel costs nothing). A change to
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
        kind=kind,
        title=title,
        emoji=emoji,
        now=now,
    )
    body, discount, when = fields["body"], fields["voucher_discount"], fields["scheduled_at"]
    estimate = None
    recipients: int | None = None
    if not draft:
        broadcast = broadcast_channel_get(business=business, key=fields["channel"])
        customers = queries.audience_customers(
            business=business, channel=broadcast, audience=fields["audience"], kind=fields["kind"]
        )
        if broadcast.chat:
            recipients = _recipients_exist(customers)
        else:
            estimate = _credits_cover(
                business=business, body=body, has_voucher=bool(discount), customers=customers
            )
            recipients = estimate.recipients
    status = CampaignStatus.DRAFT if draft else CampaignStatus.SCHEDULED
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign.objects.create(
                business=business, created_by=actor_user(actor), status=status, **fields
            )
            action = "campaign.created" if draft else "campaign.scheduled"
        else:
            if campaign.business_id != business.pk:
                raise NotFound()
            changed = Campaign.objects.filter(
                pk=campaign.pk, business=business, status__in=EDITABLE_STATUSES
            ).update(updated_at=now, status=status, **fields)
            if not changed:
                raise Conflict(
                    _("This campaign has started sending and can no longer be changed."),
                    code=CampaignsErrorCode.NOT_EDITABLE,
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
                "recipients": recipients,
                "credits": estimate.credits if estimate else None,
            },
        )
        if when is not None and when <= now:
            campaign_id = campaign.pk
            transaction.on_commit(lambda: _send_enqueue(campaign_id))
    return campaign


def campaign_cancel(
    *,
    business: "Business",
    campaign: Campaign,
    actor: "Actor",
    actor_kind: str | None = None,
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
                code=CampaignsErrorCode.NOT_EDITABLE,
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


def campaign_resume(*, business: "Business", campaign: Campaign, actor: "Actor") -> Campaign:
    """A stopped campaign (credits ran out) goes on to the customers it has not reached yet,
    once the balance covers them."""
    if campaign.business_id != business.pk:
        raise NotFound()
    if campaign.status != CampaignStatus.STOPPED:
        raise Conflict(
            _("Only a stopped campaign can be resumed."), code=CampaignsErrorCode.NOT_STOPPED
        )
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
            raise Conflict(
                _("Only a stopped campaign can be resumed."), code=CampaignsErrorCode.NOT_STOPPED
            )
        activity_record(business=business, actor=actor, action="campaign.resumed", target=campaign)
        transaction.on_commit(lambda: _send_enqueue(campaign.pk))
    campaign.refresh_from_db()
    return campaign


def campaigns_due_enqueue(*, now: datetime | None = None) -> int:
    """The per-minute job: enqueue the send of every campaign that is due, and of every one
    whose sender died (its lease ran out). The send task's claim stops double runs."""
    now = now or timezone.now()
    due = queries.unscoped_campaigns_due(now=now)
    for campaign_id in due:
        _send_enqueue(campaign_id)
    return len(due)
