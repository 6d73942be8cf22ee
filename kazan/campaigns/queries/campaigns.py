"""Campaigns, their audience and recipients, short links: every read takes the business but
the platform-wide job reads named unscoped_.

Recipients are always chosen by customers.queries.customers_consenting, the one selector of
people who currently agree to offers; a campaign's audience narrows them in audience_customers,
the one query behind the live count, the send and the API."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.campaigns.audience import (
    CHANNELS,
    SMS,
    Audience,
    BroadcastChannel,
    audience_parse,
    broadcast_channel_get,
)
from kazan.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignMemberCopy,
    CampaignRecipient,
    CampaignStatus,
    SelfTestPhone,
    ShortLink,
)
from kazan.core.errors import NotFound
from kazan.customers.queries import (
    consent_is_granted,
    consent_latest_at,
    customer_tagged,
    customers_active,
    customers_consenting,
)
from kazan.loyalty.queries import review_latest_rating_subquery
from kazan.messaging.models import Status
from kazan.tenancy.queries import unscoped_businesses_active

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business, Membership


def _day_start(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def audience_customers(
    *,
    business: Business,
    channel: BroadcastChannel,
    audience: Audience | dict[str, object],
    kind: str = CampaignKind.OFFER,
) -> QuerySet[Customer]:
    """Customers of `business` (never erased) who agree now to offers on `channel`, are
    reachable on it and match every filter of `audience`, in id order. One SQL statement: the
    tag, rating and consent filters are correlated subqueries served by indexes (the tag
    through table, reviews by customer, consent_latest_idx), so no filter multiplies rows.

    A service notice (`kind` "notice", chat channels only: validation) needs no consent: it
    goes to every customer reachable on the channel whom the team has not blocked."""
    parsed = audience_parse(audience)
    tz = zoneinfo.ZoneInfo(business.timezone)
    now = timezone.now()
    if kind == CampaignKind.NOTICE and channel.chat:
        customers = channel.reachable(customers_active(business=business))
    else:
        customers = channel.reachable(
            customers_consenting(business=business, purpose=channel.consent_purpose)
        )
    if parsed.tags:
        customers = customers.filter(customer_tagged(business=business, tag_ids=parsed.tags))
    if parsed.rating_min is not None or parsed.rating_max is not None:
        customers = customers.alias(latest_rating=review_latest_rating_subquery(business=business))
        if parsed.rating_min is not None:
            customers = customers.filter(latest_rating__gte=parsed.rating_min)
        if parsed.rating_max is not None:
            customers = customers.filter(latest_rating__lte=parsed.rating_max)
    visits = Q()
    if parsed.visited_after is not None:
        visits &= Q(last_interaction_at__gte=_day_start(parsed.visited_after, tz))
    if parsed.visited_before is not None:
        visits &= Q(last_interaction_at__lt=_day_start(parsed.visited_before, tz))
    if parsed.visited_within_days is not None:
        visits &= Q(last_interaction_at__gte=now - timedelta(days=parsed.visited_within_days))
    if parsed.not_visited_days is not None:
        cutoff = now - timedelta(days=parsed.not_visited_days)
        visits &= Q(last_interaction_at__lt=cutoff) | Q(last_interaction_at__isnull=True)
    customers = customers.filter(visits)
    if parsed.consent_after is not None or parsed.consent_before is not None:
        # The latest record of the purpose is a grant here (customers_consenting): its time is
        # when the customer (last) agreed.
        customers = customers.alias(consent_at=consent_latest_at(purpose=channel.consent_purpose))
        if parsed.consent_after is not None:
            customers = customers.filter(consent_at__gte=_day_start(parsed.consent_after, tz))
        if parsed.consent_before is not None:
            customers = customers.filter(consent_at__lt=_day_start(parsed.consent_before, tz))
    return customers.order_by("pk")


def recipients_consenting(*, business: Business) -> QuerySet[Customer]:
    """Customers an SMS offer may go to now (reminders; a campaign without filters)."""
    return audience_customers(business=business, channel=SMS, audience=Audience())


def campaign_audience(*, campaign: Campaign) -> QuerySet[Customer]:
    """The customers a campaign goes to now (consent and filters read at this moment)."""
    business = campaign.business
    return audience_customers(
        business=business,
        channel=broadcast_channel_get(business=business, key=campaign.channel),
        audience=campaign.audience,
        kind=campaign.kind,
    )


def offers_allowed(*, business: Business, customer: Customer) -> bool:
    """Does this customer currently agree to offers from this business on any channel
    campaigns send them on (what the unsubscribe link withdraws)?"""
    return any(
        consent_is_granted(business=business, customer=customer, purpose=channel.consent_purpose)
        for channel in CHANNELS.values()
    )


# --- campaigns ---------------------------------------------------------------------------------


def campaign_list(*, business: Business) -> QuerySet[Campaign]:
    """Campaigns, newest first, each with its statistics in the same query (no N+1).

    Every counted path goes through the recipients (one message and one voucher each), so the
    joins never multiply rows; link clicks are a separate correlated sum.
    """
    clicks = (
        ShortLink.objects.filter(campaign=OuterRef("pk"))
        .values("campaign")
        .annotate(total=Sum("click_count"))
        .values("total")
    )
    return (
        Campaign.objects.filter(business=business)
        .select_related("created_by")
        .annotate(
            written=Count("recipients", filter=Q(recipients__message__isnull=False)),
            delivered=Count("recipients", filter=Q(recipients__message__status=Status.DELIVERED)),
            failed=Count("recipients", filter=Q(recipients__message__status=Status.FAILED)),
            clickers=Count("recipients", filter=Q(recipients__clicked_at__isnull=False)),
            vouchers_issued=Count("recipients", filter=Q(recipients__voucher__isnull=False)),
            vouchers_redeemed=Count(
                "recipients", filter=Q(recipients__voucher__redeemed_at__isnull=False)
            ),
            link_clicks=Coalesce(Subquery(clicks, output_field=IntegerField()), Value(0)),
        )
        .order_by("-created_at", "-id")
    )


def campaign_get(*, business: Business, campaign_id: object) -> Campaign:
    """The business's campaign, or NotFound (also for another business's id)."""
    try:
        pk = int(str(campaign_id))
    except (TypeError, ValueError):
        raise NotFound() from None
    campaign = Campaign.objects.filter(business=business, pk=pk).first()
    if campaign is None:
        raise NotFound(_("This campaign does not exist."))
    return campaign


def test_phone_of(*, business: Business, membership: Membership) -> str:
    """The number this team member last sent a campaign test to, or ""."""
    row = SelfTestPhone.objects.filter(business=business, membership=membership).first()
    return row.phone if row else ""


def audience_count(
    *,
    business: Business,
    channel: str,
    audience: Audience | dict[str, object],
    kind: str = CampaignKind.OFFER,
) -> int:
    """How many customers a campaign to `audience` on `channel` would reach now (one query)."""
    return audience_customers(
        business=business,
        channel=broadcast_channel_get(business=business, key=channel),
        audience=audience,
        kind=kind,
    ).count()


@dataclass(frozen=True)
class HourRow:
    hour: int
    clicks: int
    sent_recipients: int
    sent_clickers: int

    @property
    def open_rate(self) -> float | None:
        if not self.sent_recipients:
            return None
        return 100.0 * self.sent_clickers / self.sent_recipients


def best_hours(*, business: Business) -> list[HourRow]:
    """For planning: first clicks by hour of day, and the open rate of campaigns by the hour
    they were sent, both in the business's time zone. Hours without data are left out."""
    tz = zoneinfo.ZoneInfo(business.timezone)
    recipients = CampaignRecipient.objects.filter(business=business)
    clicks = dict(
        recipients.filter(clicked_at__isnull=False)
        .annotate(hour=ExtractHour("clicked_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
    )
    sent = {
        hour: (n, clickers)
        for hour, n, clickers in recipients.filter(
            message__isnull=False, campaign__started_at__isnull=False
        )
        .annotate(hour=ExtractHour("campaign__started_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"), clickers=Count("id", filter=Q(clicked_at__isnull=False)))
        .values_list("hour", "n", "clickers")
    }
    hours = sorted(set(clicks) | set(sent))
    return [
        HourRow(
            hour=h,
            clicks=clicks.get(h, 0),
            sent_recipients=sent.get(h, (0, 0))[0],
            sent_clickers=sent.get(h, (0, 0))[1],
        )
        for h in hours
    ]


_CODE = re.compile(r"[A-Za-z0-9]{1,16}")


def unscoped_link_find(*, code: str) -> ShortLink | None:
    """The link with this code, or None (also for junk that could never be a code)."""
    if not _CODE.fullmatch(code or ""):
        return None
    return ShortLink.objects.filter(code=code).select_related("business", "recipient").first()


# --- for analytics (exports: campaigns/exports.py) ---


def campaign_recipient_exists(
    *, business: Business, campaign_id: int, customer_ref: str = "pk"
) -> Exists:
    """EXISTS(the outer customer received this campaign of the business)."""
    return Exists(
        CampaignRecipient.objects.filter(
            business=business, campaign_id=campaign_id, customer_id=OuterRef(customer_ref)
        )
    )


# --- for console ---


def campaign_choices(*, business: Business, limit: int) -> list[tuple[int, str, datetime]]:
    """(id, name, created) of the business's newest campaigns, for a picker."""
    return list(
        Campaign.objects.filter(business=business)
        .order_by("-created_at", "-id")
        .values_list("pk", "name", "created_at")[:limit]
    )


# --- platform-wide: the per-minute and hourly jobs ---------------------------------------------


def unscoped_campaigns_due(*, now: datetime, limit: int = 500) -> list[int]:
    """Ids of the campaigns due to send, and of those whose sender died (lease ran out). A
    suspended business's campaigns wait (scheduled or half-sent) until it is reactivated."""
    return list(
        Campaign.objects.filter(
            Q(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
            | Q(status=CampaignStatus.SENDING, lease_expires_at__lt=now)
            | Q(status=CampaignStatus.SENDING, lease_expires_at__isnull=True),
            business__in=unscoped_businesses_active(),
        ).values_list("pk", flat=True)[:limit]
    )


# --- chat broadcasts: delivery tracking ---------------------------------------------------------

# The Telegram sender's error code for "the person blocked the bot" (a 403 from the Bot API).
BLOCKED_ERROR_CODE = "blocked"


@dataclass(frozen=True)
class DeliveryStats:
    """Where a broadcast's messages are. `sent`: the channel accepted them (Telegram's answer,
    its only "delivered"); `blocked`: the person blocked the bot; `failed`: any other final
    failure; `pending`: written and waiting in the outbox, or not written yet; `skipped`: no
    message when their turn came (consent withdrawn, no chat)."""

    recipients: int
    sent: int
    failed: int
    blocked: int
    pending: int
    skipped: int

    @property
    def finished(self) -> int:
        return self.sent + self.failed + self.blocked

    @property
    def success_rate(self) -> float | None:
        """Percent of the finished messages that were sent (None before any finished)."""
        if not self.finished:
            return None
        return round(100.0 * self.sent / self.finished, 1)


def broadcast_stats(*, business: Business, campaign: Campaign) -> DeliveryStats:
    """One aggregate over the campaign's recipients (a test-mode campaign: its copies to the
    team's chats) and the outbox rows they point to."""
    if campaign.business_id != business.pk:
        raise NotFound()
    rows = (
        CampaignMemberCopy.objects.filter(business=business, campaign=campaign)
        if campaign.test_mode
        else CampaignRecipient.objects.filter(business=business, campaign=campaign)
    )
    sent = Q(message__status__in=[Status.SENT, Status.DELIVERED])
    failed = Q(message__status=Status.FAILED)
    blocked = failed & Q(message__error_code=BLOCKED_ERROR_CODE)
    counts = rows.aggregate(
        recipients=Count("pk"),
        sent=Count("pk", filter=sent),
        blocked=Count("pk", filter=blocked),
        failed=Count("pk", filter=failed & ~Q(message__error_code=BLOCKED_ERROR_CODE)),
    )
    skipped = skipped_blocked = 0
    if not campaign.test_mode:
        # Skipped as blocked (the bot was blocked before their turn): counted as blocked.
        reasons = (
            CampaignRecipient.objects.filter(business=business, campaign=campaign)
            .exclude(skip_reason="")
            .aggregate(
                skipped=Count("pk", filter=~Q(skip_reason=BLOCKED_ERROR_CODE)),
                blocked=Count("pk", filter=Q(skip_reason=BLOCKED_ERROR_CODE)),
            )
        )
        skipped, skipped_blocked = reasons["skipped"], reasons["blocked"]
    blocked_count = counts["blocked"] + skipped_blocked
    finished = counts["sent"] + counts["failed"] + blocked_count
    return DeliveryStats(
        recipients=counts["recipients"],
        sent=counts["sent"],
        failed=counts["failed"],
        blocked=blocked_count,
        pending=counts["recipients"] - finished - skipped,
        skipped=skipped,
    )
