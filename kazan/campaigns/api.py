"""/api/v1/campaigns: list, create (send now, schedule or keep as a draft), send a draft and
cancel campaigns, and count an audience, through the same services and the same audience query
as the dashboard. The rules are the services': only customers of the audience who agree to
offers on the campaign's channel receive it, and a campaign to send must be payable in full."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kazan.campaigns import queries, services
from kazan.campaigns.audience import SMS, TELEGRAM_TEXT_MAX, Audience
from kazan.campaigns.chat import EMOJI_MAX, TITLE_MAX
from kazan.campaigns.models import Campaign
from kazan.core.api import Pagination, Timestamp, responses
from kazan.core.schemas import InputSchema
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth

router = Router(tags=["campaigns"], auth=tenant_auth)


class CampaignOut(Schema):
    id: int
    name: str
    body: str
    channel: str = Field(description="The channel it goes out on, e.g. sms.")
    kind: str = Field(description="offer | notice (a service notice, chat channels only)")
    title: str
    emoji: str
    test_mode: bool
    audience: Audience
    status: str = Field(description="draft | scheduled | sending | sent | cancelled | stopped")
    scheduled_at: dt.datetime | None
    voucher_discount: str
    voucher_valid_days: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    sent_at: dt.datetime | None
    recipient_count: int
    skipped_count: int
    unsent_count: int
    written: int = Field(description="Messages written to the outbox.")
    delivered: int
    failed: int
    clickers: int = Field(description="Recipients who clicked a link.")
    link_clicks: int
    vouchers_issued: int
    vouchers_redeemed: int


class CampaignIn(InputSchema):
    name: str = Field(min_length=1, max_length=services.NAME_MAX)
    body: str = Field(
        min_length=1,
        # The channel's own limit is the service's (SMS 1,200 characters, Telegram 3,900
        # UTF-16 units): 400 `invalid_body` with the number.
        max_length=2 * TELEGRAM_TEXT_MAX,
        description="The message. {name} is the customer's first name; {voucher} the voucher "
        "code (SMS only).",
    )
    voucher_discount: str = Field("", max_length=120, description="What the voucher gives.")
    voucher_valid_days: int | None = Field(None, ge=1, le=services.VOUCHER_DAYS_MAX)
    send_at: Timestamp | None = Field(None, description="With a UTC offset; omitted: now.")
    draft: bool = Field(False, description="Save without sending (send it later).")
    channel: str = Field(
        SMS.key,
        max_length=16,
        description="A channel the business can broadcast on (sms; telegram with a bot).",
    )
    audience: Audience = Field(
        default_factory=Audience, description="Who of the consenting customers get it."
    )
    kind: Literal["offer", "notice"] = Field(
        "offer", description="A service notice goes without marketing consent (Telegram only)."
    )
    title: str = Field("", max_length=TITLE_MAX, description="Telegram: the heading line.")
    emoji: str = Field("", max_length=EMOJI_MAX, description="Telegram: before the title.")


class AudienceIn(InputSchema):
    channel: str = Field(SMS.key, max_length=16)
    audience: Audience = Field(default_factory=Audience)


class AudienceCountOut(Schema):
    recipients: int = Field(description="Customers a campaign to this audience reaches now.")


class SendIn(InputSchema):
    send_at: Timestamp | None = Field(None, description="With a UTC offset; omitted: now.")


def _out(business, campaign: Campaign) -> Campaign:
    """Re-read through the list query, so the answer carries the campaign's statistics."""
    return queries.campaign_list(business=business).get(pk=campaign.pk)


@router.get("/", response=responses(list[CampaignOut], 422), summary="Campaigns, newest first")
@paginate(Pagination)
def campaigns_list(request: HttpRequest):
    business = api_require(request, "customers.view")
    return queries.campaign_list(business=business)


@router.post(
    "/audience/count",
    response=responses(AudienceCountOut, 422),
    summary="How many customers an audience reaches now",
    description="400 with code `invalid_audience` or `invalid_channel` for an unknown tag or "
    "channel; 422 for a malformed audience.",
)
def campaigns_audience_count(request: HttpRequest, payload: AudienceIn):
    business = api_require(request, "customers.view")
    audience = services.audience_validate(business=business, audience=payload.audience)
    return {
        "recipients": queries.audience_count(
            business=business, channel=payload.channel, audience=audience
        )
    }


@router.get("/{int:campaign_id}", response=responses(CampaignOut, 404), summary="One campaign")
def campaigns_get(request: HttpRequest, campaign_id: int):
    business = api_require(request, "customers.view")
    return _out(business, queries.campaign_get(business=business, campaign_id=campaign_id))


@router.post(
    "/",
    response=responses(CampaignOut, 402, 422, ok_status=201),
    summary="Create a campaign: send now, schedule it, or keep a draft",
    description=(
        "Without `send_at` and `draft` it starts sending at once. 402 when the SMS credits do "
        "not cover every consenting customer of the audience; 400 with a `code` (`invalid_body`, "
        "`invalid_voucher`, `invalid_time`, `no_recipients`...) when the services refuse it."
    ),
)
def campaigns_create(request: HttpRequest, payload: CampaignIn):
    business = api_require(request, "messaging.send")
    campaign = services.campaign_save(business=business, **api_actor(request), **payload.dict())
    return Status(201, _out(business, campaign))


@router.post(
    "/{int:campaign_id}/send",
    response=responses(CampaignOut, 402, 404, 409, 422),
    summary="Send or schedule a draft (or re-time a scheduled campaign)",
    description="409 once the campaign has started sending.",
)
def campaigns_send(request: HttpRequest, campaign_id: int, payload: SendIn):
    business = api_require(request, "messaging.send")
    campaign = queries.campaign_get(business=business, campaign_id=campaign_id)
    campaign = services.campaign_save(
        business=business,
        campaign=campaign,
        name=campaign.name,
        body=campaign.body,
        voucher_discount=campaign.voucher_discount,
        voucher_valid_days=campaign.voucher_valid_days,
        channel=campaign.channel,
        audience=campaign.audience,
        kind=campaign.kind,
        title=campaign.title,
        emoji=campaign.emoji,
        send_at=payload.send_at,
        **api_actor(request),
    )
    return _out(business, campaign)


@router.post(
    "/{int:campaign_id}/cancel",
    response=responses(CampaignOut, 404, 409),
    summary="Cancel a draft or scheduled campaign",
    description="409 once the campaign has started sending.",
)
def campaigns_cancel(request: HttpRequest, campaign_id: int):
    business = api_require(request, "messaging.send")
    campaign = queries.campaign_get(business=business, campaign_id=campaign_id)
    return _out(
        business,
        services.campaign_cancel(business=business, campaign=campaign, **api_actor(request)),
    )
