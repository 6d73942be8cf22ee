"""Reads of the Telegram CRM admin panel (seed 004 §3.4) and of its API (§10.1): the figures,
the four charts, the system's health, the alerts and the users list. Each composes the
aggregate reads of the apps that own the tables (commerce's token orders, the wallet, the
customers' Telegram users, the outbox), so a page costs a fixed number of queries whatever
the amount of data."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.analytics.queries import business_today
from kazan.commerce.queries.queue import customer_token_orders, token_status_label
from kazan.commerce.queries.token_stats import (
    TOKEN_STATUSES,
    QueueHealth,
    TokenOrderFigures,
    TokenOrderPerformance,
    package_popularity,
    queue_health,
    token_order_count_subquery,
    token_order_figures,
    token_order_performance,
    token_orders_daily,
    token_orders_waiting_before,
)
from kazan.core.errors import NotFound
from kazan.core.formatting import date_local
from kazan.core.money import minor_digits
from kazan.customers.queries.profiles import customer_profiles, profile_get
from kazan.customers.queries.telegram_users import (
    telegram_growth_daily,
    telegram_user_figures,
    telegram_user_search,
    telegram_users,
)
from kazan.messaging.queries import OutboxHealth, failed_deliveries, outbox_health
from kazan.wallet.stats import (
    PaidMoney,
    PaymentHealth,
    money_currency,
    paid_money,
    paid_money_daily,
    payment_health,
    premium_active_count,
    premium_started_daily,
    premium_until_subquery,
    token_balance_subquery,
)

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.commerce.models import Order
    from kazan.customers.models import Customer, CustomerProfile
    from kazan.messaging.models import OutboundMessage
    from kazan.tenancy.models import Business

# The period selector of the overview and the API (days back, today included).
PERIODS = (7, 30, 90)
PERIOD_DEFAULT = 30


def period_valid(raw: object) -> int:
    """A known period in days; anything else (a stale or tampered link) is the default."""
    text = str(raw or "")
    return (
        int(text)
        if text.isascii() and text.isdigit() and int(text) in PERIODS
        else (PERIOD_DEFAULT)
    )


def wait_alert_hours() -> int:
    """Hours an order may wait before the panel raises an alert (CRM_ORDER_WAIT_ALERT_HOURS)."""
    return int(getattr(settings, "CRM_ORDER_WAIT_ALERT_HOURS", 24))


def _day_start(business: Business, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(business.timezone))


def _period_days(business: Business, days: int) -> list[dt.date]:
    today = business_today(business=business)
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


@dataclass(frozen=True)
class PanelFigures:
    """The overview's numbers. Revenue is said twice on purpose: the tokens of completed
    orders (what the queue earned) and the money customers paid for tokens and premium."""

    days: int
    since: dt.datetime
    users: int
    profiles: int
    subscribers: int
    orders: TokenOrderFigures
    money: PaidMoney
    currency: str


def panel_figures(*, business: Business, days: int) -> PanelFigures:
    """Users, profiles, subscribers, orders and revenue: six queries."""
    today = business_today(business=business)
    since = _day_start(business, today - dt.timedelta(days=days - 1))
    month_start = _day_start(business, today.replace(day=1))
    people = telegram_user_figures(business=business)
    return PanelFigures(
        days=days,
        since=since,
        users=people["users"],
        profiles=people["profiles"],
        subscribers=premium_active_count(business=business),
        orders=token_order_figures(business=business, since=since, month_start=month_start),
        money=paid_money(business=business, month_start=month_start),
        currency=money_currency(business=business),
    )


@dataclass(frozen=True)
class PanelHealth:
    queue: QueueHealth
    payments: PaymentHealth
    outbox: OutboxHealth
    checked_at: dt.datetime

    @property
    def oldest_waiting_hours(self) -> float | None:
        if self.queue.oldest_waiting_at is None:
            return None
        return (self.checked_at - self.queue.oldest_waiting_at).total_seconds() / 3600


def panel_health(*, business: Business) -> PanelHealth:
    """The queue, the payments and the outbox (failures of the last hour): three queries."""
    now = timezone.now()
    return PanelHealth(
        queue=queue_health(business=business),
        payments=payment_health(business=business),
        outbox=outbox_health(business=business, since=now - dt.timedelta(hours=1)),
        checked_at=now,
    )


def panel_charts(*, business: Business, days: int, admin: bool = True) -> dict[str, object]:
    """What panel.js draws, ready for json_script: day labels in the reader's language and
    one block per chart — order status and package popularity for everyone; the revenue trend
    and user growth only for `admin` (an operator sees neither money nor people)."""
    dates = _period_days(business, days)
    since = _day_start(business, dates[0])
    status_counts = token_order_figures(business=business, since=since, month_start=since).by_status
    charts: dict[str, object] = {
        "labels": [date_local(day) for day in dates],
        "dates": [day.isoformat() for day in dates],
        "status": {
            "labels": [token_status_label(status) for status in TOKEN_STATUSES],
            "keys": [status.value for status in TOKEN_STATUSES],
            "data": [status_counts[status] for status in TOKEN_STATUSES],
        },
        "packages": [
            {"label": name, "count": count}
            for name, count in package_popularity(business=business, since=since)
        ],
    }
    if not admin:
        return charts
    orders = token_orders_daily(business=business, since=since)
    money = paid_money_daily(business=business, since=since)
    growth = telegram_growth_daily(business=business, since=since)
    premium = premium_started_daily(business=business, since=since)
    currency = money_currency(business=business)
    scale = 10 ** minor_digits(currency)
    charts["revenue"] = {
        "datasets": [
            {
                "key": "tokens",
                "label": str(_("Tokens of completed orders")),
                "data": [orders.get(day, (0, 0, 0))[2] for day in dates],
                "axis": "y",
            },
            {
                "key": "money",
                "label": str(_("Money paid (%(currency)s)") % {"currency": currency}),
                "data": [money.get(day, 0) / scale for day in dates],
                "axis": "money",
            },
        ]
    }
    charts["growth"] = {
        "datasets": [
            {
                "key": "users",
                "label": str(_("New users")),
                "data": [growth["users"].get(day, 0) for day in dates],
            },
            {
                "key": "profiles",
                "label": str(_("Registered profiles")),
                "data": [growth["profiles"].get(day, 0) for day in dates],
            },
            {
                "key": "subscribers",
                "label": str(_("New subscribers")),
                "data": [premium.get(day, 0) for day in dates],
            },
        ]
    }
    return charts


@dataclass(frozen=True)
class PanelAlert:
    """Something the team should act on (UC-003 step 5): what, how many, and where to act."""

    key: str
    severity: str  # "warning" | "danger"
    message: str
    count: int
    action_label: str
    action_url: str
    orders: tuple[Order, ...] = ()
    messages: tuple[OutboundMessage, ...] = ()


def panel_alerts(
    *, business: Business, health: PanelHealth, urls: dict[str, str]
) -> list[PanelAlert]:
    """The alerts drawn from `health` (already read) plus the rows behind them: at most two
    more queries, and only when there is something to show. `urls` names where each alert's
    action leads (the views know the URL map: "orders", "reconciliation", "users")."""
    alerts: list[PanelAlert] = []
    hours = wait_alert_hours()
    if health.queue.open_orders:
        count, late = token_orders_waiting_before(
            business=business, before=health.checked_at - dt.timedelta(hours=hours), limit=5
        )
        if count:
            alerts.append(
                PanelAlert(
                    key="orders_waiting",
                    severity="warning",
                    message=str(
                        _("%(count)s orders have waited longer than %(hours)s hours.")
                        % {"count": count, "hours": hours}
                    ),
                    count=count,
                    action_label=str(_("Open the queue")),
                    action_url=urls["orders"],
                    orders=tuple(late),
                )
            )
    problems = health.payments.problems
    if problems:
        alerts.append(
            PanelAlert(
                key="payments_mismatch",
                severity="danger",
                message=str(
                    _(
                        "%(count)s payments need checking: paid but not credited, or paid "
                        "another amount than asked."
                    )
                    % {"count": problems}
                ),
                count=problems,
                action_label=str(_("Reconcile payments")),
                action_url=urls["reconciliation"],
            )
        )
    if health.outbox["failed"]:
        failed = failed_deliveries(
            business=business, since=health.checked_at - dt.timedelta(hours=1), limit=5
        )
        alerts.append(
            PanelAlert(
                key="deliveries_failed",
                severity="warning",
                message=str(
                    _("%(count)s messages could not be delivered in the last hour.")
                    % {"count": health.outbox["failed"]}
                ),
                count=health.outbox["failed"],
                action_label=str(_("See the users concerned")),
                action_url=urls["users"],
                messages=tuple(failed),
            )
        )
    return alerts


# The users list's orders, by the `?sort=` key a column header links to ("-" = descending);
# every order ends with the primary key so a page boundary never shifts.
USER_SORTS: dict[str, tuple[object, ...]] = {
    "-last_seen": (F("last_seen").desc(nulls_last=True), "-pk"),
    "last_seen": (F("last_seen").asc(nulls_last=True), "pk"),
    "-balance": ("-balance", "-pk"),
    "balance": ("balance", "pk"),
    "-orders": ("-orders_count", "-pk"),
    "orders": ("orders_count", "pk"),
    "-profiles": ("-profiles_count", "-pk"),
    "profiles": ("profiles_count", "pk"),
    "-joined": ("-telegram_since", "-pk"),
    "joined": ("telegram_since", "pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
}
USER_SORT_DEFAULT = "-last_seen"
USER_FILTERS = {
    "premium": _("Premium"),
    "regular": _("Not premium"),
    "blocked": _("Suspended"),
    "active": _("Not suspended"),
    "no_profile": _("Without a profile"),
    "zero_balance": _("No tokens"),
}


def user_sort_valid(raw: str | None) -> str:
    return raw if raw in USER_SORTS else USER_SORT_DEFAULT


def crm_users(
    *, business: Business, search: str = "", status: str = "", sort: str = USER_SORT_DEFAULT
) -> QuerySet[Customer]:
    """The Telegram users with their token balance, premium end (`premium_until`, None when
    not premium), profiles and orders counted, last seen — one query per page whatever its
    size. `status` is a USER_FILTERS key (anything else: no filter)."""
    users = telegram_user_search(telegram_users(business=business), search).annotate(
        balance=token_balance_subquery(),
        premium_until=premium_until_subquery(),
        orders_count=token_order_count_subquery(),
    )
    if status == "premium":
        users = users.filter(premium_until__isnull=False)
    elif status == "regular":
        users = users.filter(premium_until__isnull=True)
    elif status == "blocked":
        users = users.filter(blocked_at__isnull=False)
    elif status == "active":
        users = users.filter(blocked_at__isnull=True)
    elif status == "no_profile":
        users = users.filter(Q(profiles_count=0))
    elif status == "zero_balance":
        users = users.filter(Q(balance=0))
    return users.order_by(*USER_SORTS[user_sort_valid(sort)])  # type: ignore[arg-type]


def crm_user_get(*, business: Business, customer_id: int) -> Customer:
    """One Telegram user of the business with the list's annotations; NotFound otherwise
    (another business's id, an erased customer, a customer never seen on Telegram)."""
    found = crm_users(business=business).filter(pk=customer_id).first()
    if found is None:
        raise NotFound(_("This user does not exist."))
    return found


def panel_performance(*, business: Business, days: int) -> TokenOrderPerformance:
    """The queue's performance over the last `days` days."""
    today = business_today(business=business)
    since = _day_start(business, today - dt.timedelta(days=days - 1))
    return token_order_performance(business=business, since=since)


@dataclass(frozen=True)
class TrendPoint:
    start: dt.date
    orders: int
    completed: int
    tokens: int
    money_minor: int
    new_users: int


def panel_trends(*, business: Business) -> dict[str, list[TrendPoint]]:
    """Orders, completions, tokens earned, money paid and new users per day (the last 30
    days), per week (the last 12, weeks starting on Monday) and per month (the last 12): the
    daily series of the last year read once (three grouped queries) and summed up."""
    today = business_today(business=business)
    first_month = today.replace(day=1)
    for _n in range(11):
        first_month = (first_month - dt.timedelta(days=1)).replace(day=1)
    first_week = today - dt.timedelta(days=today.weekday() + 7 * 11)
    since = _day_start(business, min(first_month, first_week, today - dt.timedelta(days=29)))
    orders = token_orders_daily(business=business, since=since)
    money = paid_money_daily(business=business, since=since)
    users = telegram_growth_daily(business=business, since=since)["users"]

    def bucket(start: dt.date, end: dt.date) -> TrendPoint:
        placed = completed = tokens = paid = new = 0
        day = start
        while day < end:
            row = orders.get(day, (0, 0, 0))
            placed, completed, tokens = placed + row[0], completed + row[1], tokens + row[2]
            paid += money.get(day, 0)
            new += users.get(day, 0)
            day += dt.timedelta(days=1)
        return TrendPoint(start, placed, completed, tokens, paid, new)

    daily = [bucket(day, day + dt.timedelta(days=1)) for day in _period_days(business, 30)]
    weekly = [
        bucket(first_week + dt.timedelta(weeks=n), first_week + dt.timedelta(weeks=n + 1))
        for n in range(12)
    ]
    monthly = []
    month = first_month
    for _n in range(12):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        monthly.append(bucket(month, following))
        month = following
    return {"daily": daily, "weekly": weekly, "monthly": monthly}


def crm_user_detail(*, business: Business, customer: Customer) -> dict[str, object]:
    """What a user's page lists besides the user's own figures: their profiles and their
    latest token orders (two queries)."""
    return {
        "profiles": customer_profiles(business=business, customer=customer),
        "orders": customer_token_orders(business=business, customer=customer, limit=10),
    }


def crm_profile_get(*, business: Business, customer: Customer, profile_id: int) -> CustomerProfile:
    """One profile of this user; NotFound for any other (another user's, another business's)."""
    profile = profile_get(business=business, pk=profile_id)
    if profile.customer_id != customer.pk:
        raise NotFound(_("This customer profile does not exist."))
    return profile


# A team member's own Telegram chat is known to the channels app, above this one: it
# registers its look-up here when the apps are ready (kazan.dashboard.apps).
_member_chat_lookup: Callable[..., str | None] | None = None


def member_chat_lookup_register(lookup: Callable[..., str | None]) -> None:
    """`lookup(business=, user=, channel=)` → the member's chat id on that channel, or None."""
    global _member_chat_lookup
    _member_chat_lookup = lookup


def member_chat(*, business: Business, user: User) -> str | None:
    """The member's linked Telegram chat, None when they linked none (or nothing registered
    a look-up: the channels app is not installed)."""
    if _member_chat_lookup is None:
        return None
    return _member_chat_lookup(business=business, user=user, channel="telegram")
