"""Checks a campaign's or a reminder's fields before anything is written (the preview calls
campaign_validate too)."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.campaigns import links
from kazan.campaigns.audience import (
    SMS,
    SMS_TEXT_MAX,
    Audience,
    BroadcastChannel,
    audience_parse,
    broadcast_channel_get,
)
from kazan.campaigns.chat import EMOJI_MAX, TITLE_MAX, utf16_length
from kazan.campaigns.error_codes import CampaignsErrorCode
from kazan.campaigns.models import CampaignKind
from kazan.core.errors import ValidationFailed
from kazan.customers.queries import tags_for_business

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

NAME_MAX = 120
TEXT_MAX = SMS_TEXT_MAX
VOUCHER_DAYS_MAX = 365
SCHEDULE_MAX_DAYS = 365


class CampaignFields(TypedDict):
    """A campaign's cleaned fields, as campaign_save writes them."""

    name: str
    body: str
    voucher_discount: str
    voucher_valid_days: int | None
    scheduled_at: datetime | None
    channel: str
    audience: dict[str, object]
    kind: str
    title: str
    emoji: str


def _clean_text(value: object) -> str:
    return str(value or "").replace("\x00", "").strip()


def _validate_text(body: str, *, has_voucher: bool, channel: BroadcastChannel = SMS) -> str:
    """The text, cleaned, or ValidationFailed. A chat channel's text is measured as the chat
    measures it (UTF-16 code units: an emoji is two), an SMS's in characters."""
    body = _clean_text(body).replace("\r\n", "\n")
    if not body:
        raise ValidationFailed(
            _("Write the text of the message.")
            if channel.chat
            else _("Write the text of the SMS."),
            code=CampaignsErrorCode.INVALID_BODY,
        )
    length = utf16_length(body) if channel.chat else len(body)
    if length > channel.text_max:
        raise ValidationFailed(
            _("The text is too long (at most %(max)d characters).") % {"max": channel.text_max},
            code=CampaignsErrorCode.INVALID_BODY,
        )
    if any(len(url) > 2000 for url in links.body_urls(body)):
        raise ValidationFailed(
            _("A link in the text is too long."), code=CampaignsErrorCode.INVALID_BODY
        )
    if has_voucher and links.PLACEHOLDER_VOUCHER not in body:
        raise ValidationFailed(
            _("Put {voucher} in the text where the voucher code should appear."),
            code=CampaignsErrorCode.INVALID_BODY,
        )
    if not has_voucher and links.PLACEHOLDER_VOUCHER in body:
        raise ValidationFailed(
            _("The text names {voucher}, but the campaign has no voucher."),
            code=CampaignsErrorCode.INVALID_BODY,
        )
    return body


def _validate_voucher(discount: object, valid_days: object) -> tuple[str, int | None]:
    discount = _clean_text(discount)
    if not discount and not valid_days:
        return "", None
    if not discount:
        raise ValidationFailed(
            _("Say what the voucher gives."), code=CampaignsErrorCode.INVALID_VOUCHER
        )
    if len(discount) > 120:
        raise ValidationFailed(
            _("The voucher text is too long (at most 120 characters)."),
            code=CampaignsErrorCode.INVALID_VOUCHER,
        )
    if (
        not isinstance(valid_days, int)
        or isinstance(valid_days, bool)
        or not 1 <= valid_days <= VOUCHER_DAYS_MAX
    ):
        raise ValidationFailed(
            _("A voucher is valid for 1 to %(max)d days.") % {"max": VOUCHER_DAYS_MAX},
            code=CampaignsErrorCode.INVALID_VOUCHER,
        )
    return discount, valid_days


def _validate_heading(
    *, channel: BroadcastChannel, kind: str, title: object, emoji: object
) -> tuple[str, str, str]:
    """(kind, title, emoji) cleaned: a title and an emoji only on a chat channel, one line
    each; a service notice only where notices are allowed (a chat channel, decision 0031)."""
    if kind not in CampaignKind.values:
        raise ValidationFailed(
            _("Choose whether this is an offer or a service notice."),
            code=CampaignsErrorCode.INVALID_KIND,
        )
    title = " ".join(_clean_text(title).split())
    emoji = _clean_text(emoji)
    if not channel.chat:
        if kind != CampaignKind.OFFER:
            raise ValidationFailed(
                _("Service notices can only be sent on a chat channel such as Telegram."),
                code=CampaignsErrorCode.INVALID_KIND,
            )
        if title or emoji:
            raise ValidationFailed(
                _("A title and an emoji can only be sent on a chat channel such as Telegram."),
                code=CampaignsErrorCode.INVALID_TITLE,
            )
    if utf16_length(title) > TITLE_MAX:
        raise ValidationFailed(
            _("The title is too long (at most %(max)d characters).") % {"max": TITLE_MAX},
            code=CampaignsErrorCode.INVALID_TITLE,
        )
    if utf16_length(emoji) > EMOJI_MAX or any(c.isalnum() or c.isspace() for c in emoji):
        raise ValidationFailed(
            _("The emoji field takes an emoji or two, without letters or spaces."),
            code=CampaignsErrorCode.INVALID_TITLE,
        )
    return kind, title, emoji


def _validate_when(send_at: datetime | None, now: datetime) -> datetime:
    if send_at is None:
        return now
    if timezone.is_naive(send_at):
        raise ValidationFailed(
            _("The sending time needs a time zone."), code=CampaignsErrorCode.INVALID_TIME
        )
    if send_at < now - timedelta(minutes=1):
        raise ValidationFailed(
            _("The sending time is in the past."), code=CampaignsErrorCode.INVALID_TIME
        )
    if send_at > now + timedelta(days=SCHEDULE_MAX_DAYS):
        raise ValidationFailed(
            _("Campaigns can be scheduled at most a year ahead."),
            code=CampaignsErrorCode.INVALID_TIME,
        )
    return send_at


def audience_validate(*, business: "Business", audience: object) -> Audience:
    """The audience, parsed, with every tag one of this business's; ValidationFailed else."""
    parsed = audience_parse(audience)
    if parsed.tags:
        known = tags_for_business(business=business).filter(pk__in=parsed.tags).count()
        if known != len(parsed.tags):
            raise ValidationFailed(
                _("The audience names a tag that does not exist."),
                code=CampaignsErrorCode.INVALID_AUDIENCE,
            )
    return parsed


def campaign_validate(
    *,
    business: "Business",
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
    now: datetime | None = None,
) -> CampaignFields:
    """The campaign's fields, cleaned, or ValidationFailed; the preview calls it before
    anything is saved. Credits are not checked here (see campaign_save). A chat channel
    takes no voucher (its messages carry no tracked codes)."""
    now = now or timezone.now()
    broadcast = broadcast_channel_get(business=business, key=channel)
    kind, title, emoji = _validate_heading(channel=broadcast, kind=kind, title=title, emoji=emoji)
    parsed = audience_validate(business=business, audience=audience)
    name = _clean_text(name)
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(
            _("Give the campaign a name (at most 120 characters)."),
            code=CampaignsErrorCode.INVALID_NAME,
        )
    discount, valid_days = _validate_voucher(voucher_discount, voucher_valid_days)
    if discount and broadcast.chat:
        raise ValidationFailed(
            _("Vouchers can only be sent by SMS."), code=CampaignsErrorCode.INVALID_VOUCHER
        )
    return {
        "name": name,
        "body": _validate_text(body, has_voucher=bool(discount), channel=broadcast),
        "voucher_discount": discount,
        "voucher_valid_days": valid_days,
        "scheduled_at": None if draft else _validate_when(send_at, now),
        "channel": broadcast.key,
        "audience": parsed.stored(),
        "kind": kind,
        "title": title,
        "emoji": emoji,
    }
