"""/api/v1/broadcasts: seed 004 §10.1's `POST /api/admin/broadcast` ({title, message, emoji,
testMode} → {success, sent, failed, successRate}) over the campaigns mechanism. Sending is paced
(10 messages a second), so the answer is 202 with what was queued and the broadcast's id; `GET
/api/v1/broadcasts/{id}` gives the delivery counts as they move (sent, failed, blocked, success
rate). Rate-limited like the other business routers."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from kazan.campaigns import queries, services
from kazan.campaigns.audience import TELEGRAM, TELEGRAM_TEXT_MAX, Audience
from kazan.campaigns.chat import EMOJI_MAX, TITLE_MAX
from kazan.campaigns.models import Campaign
from kazan.core.api import responses
from kazan.core.errors import NotFound
from kazan.core.schemas import InputSchema
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth
from kazan.tenancy.api_limits import api_limits_apply

router = api_limits_apply(Router(tags=["broadcasts"], auth=tenant_auth))


class BroadcastIn(InputSchema):
    title: str = Field("", max_length=TITLE_MAX, description="Shown bold-less above the text.")
    # The schema lets a little more through than the limit: the service counts UTF-16 code
    # units as Telegram does and answers 400 `invalid_body` with a clear message.
    message: str = Field(
        min_length=1,
        max_length=2 * TELEGRAM_TEXT_MAX,
        description="At most 3,900 characters as Telegram counts them (UTF-16 code units). "
        "{name} becomes the customer's name.",
    )
    emoji: str = Field("", max_length=EMOJI_MAX, description="Put before the title.")
    test_mode: bool = Field(
        False, alias="testMode", description="Send only to the team's linked Telegram chats."
    )
    kind: Literal["offer", "notice"] = Field(
        "offer",
        description="offer: to customers who agreed to Telegram offers; notice: a service "
        "notice (maintenance…) to every Telegram user of the business.",
    )
    audience: Audience = Field(
        default_factory=Audience, description="Who of them get it (tags, visits…)."
    )


class BroadcastOut(Schema):
    success: bool = Field(description="The broadcast was accepted (queued or sent).")
    id: int
    url: str = Field(description="Where to poll its delivery.")
    status: str = Field(description="scheduled | sending | sent | stopped")
    test_mode: bool = Field(serialization_alias="testMode")
    kind: str
    title: str
    emoji: str
    message: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    recipients: int = Field(description="Recipients so far (the fan-out writes them first).")
    queued: int = Field(description="Not delivered yet: waiting for their turn or in the outbox.")
    sent: int = Field(description="Accepted by Telegram (its only delivery report).")
    failed: int
    blocked: int = Field(description="The person blocked the bot.")
    skipped: int = Field(description="Consent withdrawn or no chat when their turn came.")
    success_rate: float | None = Field(
        serialization_alias="successRate",
        description="Percent of the finished messages that were sent; null before any finished.",
    )


def _out(business, campaign: Campaign) -> dict:
    stats = queries.broadcast_stats(business=business, campaign=campaign)
    return {
        "success": True,
        "id": campaign.pk,
        "url": f"/api/v1/broadcasts/{campaign.pk}",
        "status": campaign.status,
        "test_mode": campaign.test_mode,
        "kind": campaign.kind,
        "title": campaign.title,
        "emoji": campaign.emoji,
        "message": campaign.body,
        "created_at": campaign.created_at,
        "sent_at": campaign.sent_at,
        "recipients": stats.recipients,
        "queued": stats.pending,
        "sent": stats.sent,
        "failed": stats.failed,
        "blocked": stats.blocked,
        "skipped": stats.skipped,
        "success_rate": stats.success_rate,
    }


@router.post(
    "/",
    response=responses(BroadcastOut, 422, ok_status=202),
    by_alias=True,
    summary="Broadcast a message to the business's Telegram users (or, in test mode, the team)",
    description=(
        "202: accepted; it goes out at 10 messages a second, so poll `url`. 400 with a `code`: "
        "`invalid_channel` (no Telegram bot connected), `invalid_body` (over 3,900 characters), "
        "`invalid_title`, `no_recipients` (nobody to send to), `no_team_chats` (test mode, and "
        "no team member linked their chat). 429 `rate_limited` for too many tests."
    ),
)
def broadcasts_create(request: HttpRequest, payload: BroadcastIn):
    business = api_require(request, "messaging.send")
    actor = api_actor(request)
    if payload.test_mode:
        campaign = services.broadcast_test_send(
            business=business,
            actor=actor["actor"],
            actor_kind=actor["actor_kind"],
            body=payload.message,
            title=payload.title,
            emoji=payload.emoji,
            kind=payload.kind,
        )
    else:
        heading = payload.title or payload.message.strip()[:60]
        campaign = services.campaign_save(
            business=business,
            actor=actor["actor"],
            actor_kind=actor["actor_kind"],
            name=str(_("Broadcast: %(heading)s") % {"heading": heading})[:120],
            body=payload.message,
            title=payload.title,
            emoji=payload.emoji,
            kind=payload.kind,
            channel=TELEGRAM.key,
            audience=payload.audience,
        )
    out = _out(business, campaign)
    if not payload.test_mode:
        # The fan-out has not run yet: who it is going to is the audience now.
        out["queued"] = out["recipients"] = queries.audience_count(
            business=business, channel=TELEGRAM.key, audience=campaign.audience, kind=campaign.kind
        )
    return Status(202, out)


@router.get(
    "/{int:campaign_id}",
    response=responses(BroadcastOut, 404),
    by_alias=True,
    summary="A broadcast's delivery: sent, failed, blocked, success rate",
)
def broadcasts_get(request: HttpRequest, campaign_id: int):
    business = api_require(request, "customers.view")
    campaign = queries.campaign_get(business=business, campaign_id=campaign_id)
    if campaign.channel != TELEGRAM.key:
        raise NotFound(_("This broadcast does not exist."))
    return _out(business, campaign)
