"""Read use-cases for campaigns, links and reminders; every one takes the business.

Recipients are always chosen by customers.queries.customers_consenting, the one selector of
people who currently agree to offers; a campaign's audience narrows them in audience_customers,
the one query behind the live count, the send and the API."""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import (
    Count,
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

from kazan.campaigns import links
from kazan.campaigns.audience import (
    SMS,
    SMS_MARKETING,
    Audience,
    BroadcastChannel,
    audience_parse,
    broadcast_channel_get,
)
from kazan.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    ReminderRule,
    ReminderSent,
    SelfTestPhone,
    ShortLink,
)
from kazan.core.errors import NotFound
from kazan.customers.queries import (
    consent_is_granted,
    consent_latest_at,
    customer_tagged,
    customers_consenting,
)
from kazan.loyalty.queries import review_latest_rating_subquery
from kazan.loyalty.services import CODE_LENGTH as VOUCHER_CODE_LENGTH
from kazan.messaging.models import Status
from kazan.messaging.queries import last_message_at_subquery, sms_balance
from kazan.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, SegmentInfo, sms_segments
from kazan.tenancy.queries import unscoped_businesses_active

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business, Membership

# A name made only of GSM-7 basic characters costs one unit per character in either encoding,
# so every such name of the same length gives the same segment count: one computation for all.
_GSM_BASIC_NAME = re.compile("[" + re.escape("".join(sorted(GSM7_BASIC))) + "]*")
SAMPLE_NAME = "Alex"
_LANGUAGE_NAMES = dict(settings.LANGUAGES)
_SAMPLE_VOUCHER = "A" * VOUCHER_CODE_LENGTH  # voucher codes use a GSM-7 alphabet


def _day_start(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def audience_customers(
    *, business: Business, channel: BroadcastChannel, audience: Audience | dict[str, object]
) -> QuerySet[Customer]:
    """Customers of `business` (never erased) who agree now to offers on `channel`, are
    reachable on it and match every filter of `audience`, in id order. One SQL statement: the
    tag, rating and consent filters are correlated subqueries served by indexes (the tag
    through table, reviews by customer, consent_latest_idx), so no filter multiplies rows."""
    parsed = audience_parse(audience)
    tz = zoneinfo.ZoneInfo(business.timezone)
    now = timezone.now()
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
    )


def offers_allowed(*, business: Business, customer: Customer) -> bool:
    """Does this customer currently agree to SMS offers from this business?"""
    return consent_is_granted(business=business, customer=customer, purpose=SMS_MARKETING)


@dataclass(frozen=True)
class EstimateGroup:
    """Recipients whose copy costs the same: one language (their opt-out line), one encoding
    (a name with, say, "ğ" makes the whole SMS Unicode) and one number of SMS parts."""

    language: str
    encoding: str
    segments: int
    customers: int

    @property
    def credits(self) -> int:
        return self.segments * self.customers

    @property
    def language_name(self) -> str:
        return str(_LANGUAGE_NAMES.get(self.language, self.language))


@dataclass(frozen=True)
class Estimate:
    """What sending a text to everyone would take, computed per recipient (their language's
    opt-out line, their name), so `credits` is what the ledger will be charged. `groups` says
    where the credits come from when they are not simply one SMS per customer."""

    recipients: int
    credits: int
    balance: int
    sample: str
    sample_info: SegmentInfo
    encodings: dict[str, int] = field(default_factory=dict)
    groups: tuple[EstimateGroup, ...] = ()

    @property
    def enough(self) -> bool:
        return self.credits <= self.balance

    @property
    def shortfall(self) -> int:
        return max(0, self.credits - self.balance)

    @property
    def balance_after(self) -> int:
        return max(0, self.balance - self.credits)

    @property
    def segments_min(self) -> int:
        return min((group.segments for group in self.groups), default=0)

    @property
    def segments_max(self) -> int:
        return max((group.segments for group in self.groups), default=0)

    @property
    def varies(self) -> bool:
        """Some customers' copies cost more than others' (longer opt-out line, Unicode name)."""
        return self.segments_min != self.segments_max


class _Costs:
    """Segments of the finished message per message shape, memoized.

    Only the shape of the variable parts changes the count: a GSM-7-basic name costs one unit
    per character in either encoding, and once a name holds any other character the whole SMS
    is UCS-2, where only astral characters (emoji) cost two. Short codes and tokens have a
    fixed alphabet and a length that only grows with the customer id. So a stand-in of the same
    shape gives exactly the real count, and 100,000 customers need a handful of computations.
    """

    def __init__(self, *, business: Business, body: str, has_voucher: bool) -> None:
        self.business = business
        self.body = body
        self.voucher = _SAMPLE_VOUCHER if has_voucher else ""
        self.link_stand_in = {
            url: links.short_url("a" * links.CODE_LENGTH) for url in links.body_urls(body)
        }
        self.stop_url_prefix = links.unsubscribe_url("T")[:-1]
        self.cache: dict[tuple[object, ...], SegmentInfo] = {}

    def text(self, *, customer_id: int, name: str, language: str) -> str:
        token = links.unsubscribe_token(business_id=self.business.pk, customer_id=customer_id)
        return links.compose(
            self.body,
            name=name,
            voucher_code=self.voucher,
            links=self.link_stand_in,
            language=language or self.business.language,
            stop_url=self.stop_url_prefix + token,
        )

    @staticmethod
    def _shape(name: str) -> tuple[tuple[object, ...], str]:
        if _GSM_BASIC_NAME.fullmatch(name):
            return ("gsm", len(name)), "a" * len(name)
        if any(ch not in GSM7_BASIC and ch not in GSM7_EXTENSION for ch in name):
            astral = tuple(i for i, ch in enumerate(name) if ord(ch) > 0xFFFF)
            stand_in = "".join(
                "\U0001f600" if i in astral else ("Ж" if i == 0 else "a") for i in range(len(name))
            )
            return ("ucs", len(name), astral), stand_in
        return ("name", name), name

    def info(self, *, customer_id: int, name: str, language: str) -> SegmentInfo:
        shape, stand_in = self._shape((name or "").strip())
        key = (language or self.business.language, shape, len(links._b36(customer_id)))
        info = self.cache.get(key)
        if info is None:
            info = sms_segments(
                self.text(customer_id=customer_id, name=stand_in, language=language)
            )
            self.cache[key] = info
        return info


def campaign_estimate(
    *,
    business: Business,
    body: str,
    has_voucher: bool,
    customers: QuerySet[Customer] | None = None,
) -> Estimate:
    """Recipients, exact credits, balance and a sample of the finished message.

    One query for the recipients' (id, name, language); 100,000 customers take well under a
    second because equal-shaped messages are counted once.
    """
    rows = customers if customers is not None else recipients_consenting(business=business)
    costs = _Costs(business=business, body=body, has_voucher=has_voucher)
    total = 0
    count = 0
    encodings: Counter[str] = Counter()
    groups: Counter[tuple[str, str, int]] = Counter()
    for customer_id, name, language in rows.values_list("pk", "name", "language").iterator(
        chunk_size=5000
    ):
        info = costs.info(customer_id=customer_id, name=name, language=language)
        total += info.segments
        encodings[info.encoding] += 1
        groups[(language or business.language, info.encoding, info.segments)] += 1
        count += 1
    sample = costs.text(customer_id=1, name=SAMPLE_NAME, language=business.language)
    return Estimate(
        recipients=count,
        credits=total,
        balance=sms_balance(business=business),
        sample=sample,
        sample_info=sms_segments(sample),
        encodings=dict(encodings),
        groups=tuple(
            sorted(
                (
                    EstimateGroup(language=lang, encoding=enc, segments=seg, customers=n)
                    for (lang, enc, seg), n in groups.items()
                ),
                key=lambda g: (-g.segments, -g.customers, g.language, g.encoding),
            )
        ),
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
    *, business: Business, channel: str, audience: Audience | dict[str, object]
) -> int:
    """How many customers a campaign to `audience` on `channel` would reach now (one query)."""
    return audience_customers(
        business=business,
        channel=broadcast_channel_get(business=business, key=channel),
        audience=audience,
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


# --- reminders ---------------------------------------------------------------------------------


def reminder_rule_get(*, business: Business) -> ReminderRule:
    """The business's rule, or an unsaved disabled default (nothing is written by reading)."""
    return ReminderRule.objects.filter(business=business).first() or ReminderRule(business=business)


def reminder_candidates(*, rule: ReminderRule, now: datetime) -> QuerySet[Customer]:
    """Consenting customers who got no SMS from this business for `days_without_sms` days
    (never counts from when they became a customer) and fewer than `cap_per_customer`
    reminders since their last visit."""
    business = rule.business
    cutoff = now - timedelta(days=rule.days_without_sms)
    reminders = (
        ReminderSent.objects.filter(
            business=business, customer=OuterRef("pk"), created_at__gt=OuterRef("since")
        )
        .values("customer")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        recipients_consenting(business=business)
        .annotate(
            quiet_since=Coalesce(last_message_at_subquery(business=business), "created_at"),
            since=Coalesce("last_interaction_at", "created_at"),
        )
        .filter(quiet_since__lt=cutoff)
        .annotate(reminded=Coalesce(Subquery(reminders, output_field=IntegerField()), Value(0)))
        .filter(reminded__lt=rule.cap_per_customer)
        .order_by("pk")
    )


class RemindersOfDay(TypedDict):
    day: date
    n: int


def reminders_recent(*, business: Business, limit: int = 20) -> list[RemindersOfDay]:
    """Reminders sent per day, latest days first (counts only)."""
    rows = (
        ReminderSent.objects.filter(business=business)
        .values("day")
        .annotate(n=Count("id"))
        .order_by("-day")[:limit]
    )
    return [RemindersOfDay(day=row["day"], n=row["n"]) for row in rows]


def reminded_on(*, business: Business, day: date) -> QuerySet[ReminderSent, int]:
    """The ids of the customers already reminded on `day` (for an `__in` filter)."""
    return ReminderSent.objects.filter(business=business, day=day).values_list(
        "customer_id", flat=True
    )


_CODE = re.compile(r"[A-Za-z0-9]{1,16}")


def unscoped_link_find(*, code: str) -> ShortLink | None:
    """The link with this code, or None (also for junk that could never be a code)."""
    if not _CODE.fullmatch(code or ""):
        return None
    return ShortLink.objects.filter(code=code).select_related("business", "recipient").first()


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


def unscoped_reminder_rules_enabled() -> QuerySet[ReminderRule]:
    """Every enabled reminder rule of an active (not suspended) business, with its business."""
    return ReminderRule.objects.filter(
        enabled=True, business__in=unscoped_businesses_active()
    ).select_related("business")
