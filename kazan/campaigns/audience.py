"""Who a campaign goes to: the channels a business can broadcast on, and the audience schema.

A channel here is what a broadcast needs to know about it: which consent allows offers on it,
who is reachable on it and at which handle, how long its text may be, and how fast it goes out.
The list comes from `broadcast_channels` alone: SMS always, Telegram once the business connected
its bot (decision 0031). A chat channel (`chat`) takes a title and an emoji, allows service
notices, has no credits, tracked links or vouchers, and is paced by the campaign's own sender
(services.broadcast) rather than by the outbox.

The audience is stored on the campaign as JSON and validated by `Audience` on every save and by
the API; campaigns.queries.audience_customers is the one query that applies it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Self

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kazan.campaigns.error_codes import CampaignsErrorCode
from kazan.core.errors import ValidationFailed
from kazan.customers.models import ConsentRecord
from kazan.customers.queries import customer_channel_handle, customer_on_channel
from kazan.messaging.transports import installation_active

if TYPE_CHECKING:
    from kazan.customers.models import Customer

# The consent an SMS offer needs; what an unsubscribe link or a STOP reply withdraws.
SMS_MARKETING = ConsentRecord.Purpose.SMS_MARKETING
TELEGRAM_MARKETING = ConsentRecord.Purpose.TELEGRAM_MARKETING
# Room is left for the opt-out line, tracked links and long names within one provider message.
SMS_TEXT_MAX = 1200
# Seed 004 §3.4.4: Telegram's 4,096 minus room for the title line, in UTF-16 code units.
TELEGRAM_TEXT_MAX = 3900
DAYS_MAX = 3650
TAGS_MAX = 50


@dataclass(frozen=True)
class BroadcastChannel:
    """A channel campaigns can go out on. `reachable` narrows customers to those with a handle
    on it; `handle` is the `to` of message_send; the outbox paces it at `rate_per_second`."""

    key: str
    label: str
    consent_purpose: str
    reachable: Callable[[QuerySet[Customer]], QuerySet[Customer]]
    handle: Callable[[Customer], str]
    rate_setting: str
    text_max: int
    chat: bool = False

    @property
    def rate_per_second(self) -> float:
        return float(getattr(settings, self.rate_setting))


SMS = BroadcastChannel(
    key="sms",
    label="SMS",
    consent_purpose=SMS_MARKETING,
    reachable=lambda customers: customers.filter(phone_index__isnull=False).exclude(phone_index=""),
    handle=lambda customer: customer.phone_e164,
    rate_setting="SMS_RATE_PER_SECOND",
    text_max=SMS_TEXT_MAX,
)

TELEGRAM = BroadcastChannel(
    key="telegram",
    label="Telegram",
    consent_purpose=TELEGRAM_MARKETING,
    # A Telegram user known as a customer; the team's blocked customers are never written to.
    reachable=lambda customers: customers.filter(
        customer_on_channel(channel="telegram"), blocked_at__isnull=True
    ),
    handle=lambda customer: customer_channel_handle(
        business=customer.business, customer_id=customer.pk, channel="telegram"
    ),
    rate_setting="CRM_BROADCAST_PER_SECOND",
    text_max=TELEGRAM_TEXT_MAX,
    chat=True,
)


# Every channel campaigns know, whether or not a given business can use it now.
CHANNELS = {SMS.key: SMS, TELEGRAM.key: TELEGRAM}


def broadcast_channels(*, business) -> dict[str, BroadcastChannel]:
    """The channels this business can broadcast on, by key: the one list every form, API and
    service asks. SMS has a platform default, so every business has it; Telegram needs the
    business's own bot."""
    return {key: channel for key, channel in CHANNELS.items() if _available(business, channel)}


def _available(business, channel: BroadcastChannel) -> bool:
    """SMS always (a platform default); a chat channel with the business's own connection."""
    return (
        not channel.chat or installation_active(business=business, channel=channel.key) is not None
    )


def broadcast_channel_default(*, business) -> BroadcastChannel:
    """The channel a campaign takes when none is named: the first of the list."""
    return next(iter(broadcast_channels(business=business).values()))


def broadcast_channel_get(*, business, key: str) -> BroadcastChannel:
    """The channel named `key`, or ValidationFailed when the business cannot broadcast on it."""
    channel = CHANNELS.get(str(key or ""))
    if channel is None or not _available(business, channel):
        raise ValidationFailed(
            _("Campaigns cannot be sent on this channel."), code=CampaignsErrorCode.INVALID_CHANNEL
        )
    return channel


Days = Annotated[int, Field(ge=1, le=DAYS_MAX)]
Rating = Annotated[int, Field(ge=1, le=5)]


class Audience(BaseModel):
    """Filters on the customers reachable on the campaign's channel who agree to its offers;
    every filter left out (None, no tags) selects everyone. Dates are days of the business's
    time zone: "after" includes that day, "before" excludes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: list[int] = Field(
        default_factory=list, max_length=TAGS_MAX, description="Tag ids; any of them."
    )
    rating_min: Rating | None = Field(
        default=None, description="Latest review at least this many stars."
    )
    rating_max: Rating | None = Field(
        default=None, description="Latest review at most this many stars."
    )
    visited_after: dt.date | None = Field(
        default=None, description="Last visit on or after this day."
    )
    visited_before: dt.date | None = Field(default=None, description="Last visit before this day.")
    visited_within_days: Days | None = Field(
        default=None, description="Visited in the last N days."
    )
    not_visited_days: Days | None = Field(
        default=None, description="No visit for N days (or never)."
    )
    consent_after: dt.date | None = Field(default=None, description="Agreed to offers on or after.")
    consent_before: dt.date | None = Field(default=None, description="Agreed to offers before.")

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        if self.rating_min and self.rating_max and self.rating_min > self.rating_max:
            raise ValueError(str(_("the lowest rating is above the highest")))
        for low, high, message in (
            (
                self.visited_after,
                self.visited_before,
                _("the last visit's 'after' day is not before its 'before' day"),
            ),
            (
                self.consent_after,
                self.consent_before,
                _("the consent's 'after' day is not before its 'before' day"),
            ),
        ):
            if low is not None and high is not None and low >= high:
                raise ValueError(str(message))
        if (
            self.visited_within_days is not None
            and self.not_visited_days is not None
            and self.not_visited_days >= self.visited_within_days
        ):
            raise ValueError(str(_("'not for N days' must be fewer days than 'within N days'")))
        return self

    def stored(self) -> dict:
        """The JSON kept on the campaign: only the filters that are set."""
        return self.model_dump(mode="json", exclude_defaults=True)


def audience_parse(raw: object) -> Audience:
    """An Audience from stored or submitted data, or ValidationFailed ("invalid_audience")."""
    if isinstance(raw, Audience):
        return raw
    try:
        audience = Audience.model_validate(raw or {})
    except ValidationError as exc:
        raise ValidationFailed(
            _("The audience is not valid: %(problem)s")
            % {"problem": "; ".join(error["msg"] for error in exc.errors())},
            code=CampaignsErrorCode.INVALID_AUDIENCE,
        ) from None
    tags = sorted(set(audience.tags))
    return audience if tags == audience.tags else audience.model_copy(update={"tags": tags})
