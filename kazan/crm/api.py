"""The Telegram CRM's admin API (/api/v1/crm, seed 004 §10.1 with our conventions): the
dashboard's figures (stats, trends, performance), the Telegram users (list, suspension) and
their customer profiles (list, edit, delete, CSV export). A user's token balance changes at
the wallet's route (PUT /api/v1/wallet/customers/{id}/tokens; a user's id is its customer id).
API key or session; each route checks its permission; another business's ids are 404; invalid
input is 422; phones and emails are masked; rate-limited like the other tenant routers."""

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import ConfigDict

from kazan.analytics.exports import cell_text, csv_safe
from kazan.commerce.queries.queue import token_orders_open_for_profile
from kazan.core.api import Pagination, Unprocessable, responses
from kazan.core.errors import Conflict, CoreErrorCode
from kazan.core.masking import email_mask, phone_mask
from kazan.core.schemas import InputSchema
from kazan.crm import panel_queries as queries
from kazan.crm.panel_forms import PROFILE_LABELS
from kazan.crm.panel_services import crm_profiles_exported
from kazan.customers.profile_fields import ProfileInvalid
from kazan.customers.queries.profiles import profile_address, profile_get
from kazan.customers.queries.telegram_users import profiles_of_business
from kazan.customers.services import customer_block, customer_unblock
from kazan.customers.services.profiles import profile_delete, profile_update
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth
from kazan.tenancy.api_limits import api_limits_apply

router = api_limits_apply(Router(tags=["crm"], auth=tenant_auth))
FIGURES = "queue.manage"


class StrictSchema(InputSchema):
    model_config = ConfigDict(extra="forbid")


# --- figures ---------------------------------------------------------------------------------


class PeriodIn(InputSchema):
    days: int = Field(queries.PERIOD_DEFAULT, description="7, 30 or 90 (days back, today in).")


def _days(period: PeriodIn) -> int:
    if period.days not in queries.PERIODS:
        raise Unprocessable(_("Choose a period of 7, 30 or 90 days."))
    return period.days


class MoneyOut(Schema):
    currency: str
    total_minor: int
    month_minor: int


class HealthOut(Schema):
    queue_length: int
    oldest_waiting_at: dt.datetime | None
    open_orders: int
    payments_unfinished: int
    payments_not_credited: int
    payments_amount_mismatch: int
    outbox_failed_last_hour: int
    outbox_waiting: int


class StatsOut(Schema):
    days: int
    total_users: int = Field(description="People who wrote to the bot (Telegram users).")
    total_customers: int = Field(description="Customer profiles they registered.")
    total_orders: int
    active_subscribers: int
    revenue_tokens_total: int = Field(description="Tokens of completed orders, all time.")
    revenue_tokens_month: int = Field(description="…completed since the 1st of this month.")
    revenue_tokens_period: int = Field(description="…of orders placed in the period.")
    money_received: list[MoneyOut] = Field(description="Paid for tokens and premium.")
    orders_period: int
    order_status: dict[str, int] = Field(description="Orders placed in the period by status.")
    completion_rate: float | None
    average_order_tokens: int | None
    health: HealthOut


@router.get(
    "/stats", response=responses(StatsOut, 422), summary="The panel's figures (seed §10.1 stats)"
)
def stats(request: HttpRequest, period: Query[PeriodIn]):
    business = api_require(request, FIGURES)
    days = _days(period)
    figures = queries.panel_figures(business=business, days=days)
    health = queries.panel_health(business=business)
    orders = figures.orders
    return StatsOut(
        days=days,
        total_users=figures.users,
        total_customers=figures.profiles,
        total_orders=orders.orders_total,
        active_subscribers=figures.subscribers,
        revenue_tokens_total=orders.revenue_total,
        revenue_tokens_month=orders.revenue_month,
        revenue_tokens_period=orders.revenue_period,
        money_received=[
            MoneyOut(
                currency=currency, total_minor=total, month_minor=figures.money.month[currency]
            )
            for currency, total in figures.money.total.items()
        ],
        orders_period=orders.orders_period,
        order_status=orders.by_status,
        completion_rate=orders.completion_rate,
        average_order_tokens=orders.average_tokens,
        health=HealthOut(
            queue_length=health.queue.waiting,
            oldest_waiting_at=health.queue.oldest_waiting_at,
            open_orders=health.queue.open_orders,
            payments_unfinished=health.payments.unfinished,
            payments_not_credited=health.payments.not_credited,
            payments_amount_mismatch=health.payments.amount_mismatch,
            outbox_failed_last_hour=health.outbox["failed"],
            outbox_waiting=health.outbox["waiting"],
        ),
    )


class TrendOut(Schema):
    start: dt.date
    orders: int
    completed: int
    revenue_tokens: int = Field(validation_alias="tokens")
    money_minor: int
    new_users: int


class TrendsOut(Schema):
    currency: str
    daily: list[TrendOut] = Field(description="The last 30 days.")
    weekly: list[TrendOut] = Field(description="The last 12 weeks (Monday to Sunday).")
    monthly: list[TrendOut] = Field(description="The last 12 months.")


@router.get(
    "/analytics/trends",
    response=responses(TrendsOut),
    summary="Orders, revenue and new users per day, week and month",
)
def trends(request: HttpRequest):
    business = api_require(request, FIGURES)
    found = queries.panel_trends(business=business)
    return {"currency": queries.money_currency(business=business), **found}


class PerformanceOut(Schema):
    days: int
    placed: int
    completed: int
    cancelled: int
    reruns: int
    completion_rate: float | None = Field(description="Completed / placed in the period.")
    cancellation_rate: float | None
    avg_processing_seconds: float | None = Field(description="Placed → completed.")
    avg_assignment_seconds: float | None = Field(description="Placed → assigned.")


def _seconds(value: dt.timedelta | None) -> float | None:
    return round(value.total_seconds(), 1) if value is not None else None


@router.get(
    "/analytics/performance",
    response=responses(PerformanceOut, 422),
    summary="The queue's completion rate and processing times",
)
def performance(request: HttpRequest, period: Query[PeriodIn]):
    business = api_require(request, FIGURES)
    days = _days(period)
    found = queries.panel_performance(business=business, days=days)
    placed = found.placed
    return PerformanceOut(
        days=days,
        placed=placed,
        completed=found.completed,
        cancelled=found.cancelled,
        reruns=found.reruns,
        completion_rate=found.completed / placed if placed else None,
        cancellation_rate=found.cancelled / placed if placed else None,
        avg_processing_seconds=_seconds(found.avg_processing),
        avg_assignment_seconds=_seconds(found.avg_to_assignment),
    )


# --- users -----------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    name: str
    telegram_name: str | None
    balance: int
    premium_until: dt.datetime | None
    profiles: int = Field(validation_alias="profiles_count")
    orders: int = Field(validation_alias="orders_count")
    suspended: bool
    since: dt.datetime | None = Field(validation_alias="telegram_since")
    last_seen: dt.datetime | None

    @staticmethod
    def resolve_suspended(obj: Any) -> bool:
        return obj.blocked_at is not None


class UserFilters(InputSchema):
    q: str = Field("", max_length=120, description="Name, a profile's name or @username.")
    status: str = Field("", description="premium, regular, blocked, active, no_profile, …")
    sort: str = Field(queries.USER_SORT_DEFAULT, description="balance, orders, last_seen, …")


@router.get("/users", response=responses(list[UserOut], 422), summary="List Telegram users")
@paginate(Pagination)
def users_list(request: HttpRequest, filters: Query[UserFilters]):
    business = api_require(request, FIGURES)
    if filters.status and filters.status not in queries.USER_FILTERS:
        raise Unprocessable(_("Choose a known status filter."))
    return queries.crm_users(
        business=business, search=filters.q, status=filters.status, sort=filters.sort
    )


@router.post(
    "/users/{int:customer_id}/block",
    response=responses(UserOut, 404),
    summary="Suspend a user (the bot ignores them)",
)
def user_block(request: HttpRequest, customer_id: int):
    business = api_require(request, "customers.edit")
    user = queries.crm_user_get(business=business, customer_id=customer_id)
    customer_block(business=business, customer=user, actor=api_actor(request)["actor"])
    return queries.crm_user_get(business=business, customer_id=customer_id)


@router.post(
    "/users/{int:customer_id}/unblock", response=responses(UserOut, 404), summary="Reactivate"
)
def user_unblock(request: HttpRequest, customer_id: int):
    business = api_require(request, "customers.edit")
    user = queries.crm_user_get(business=business, customer_id=customer_id)
    customer_unblock(business=business, customer=user, actor=api_actor(request)["actor"])
    return queries.crm_user_get(business=business, customer_id=customer_id)


# --- customer profiles -----------------------------------------------------------------------


class ProfileOut(Schema):
    id: int
    user_id: int = Field(validation_alias="customer_id")
    first_name: str
    middle_name: str
    last_name: str
    phone_masked: str
    email_masked: str
    city: str
    state: str
    country: str
    telegram_username: str
    instagram_username: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_phone_masked(obj: Any) -> str:
        return phone_mask(obj.phone_e164)

    @staticmethod
    def resolve_email_masked(obj: Any) -> str:
        return email_mask(obj.email)

    @staticmethod
    def resolve_city(obj: Any) -> str:
        return profile_address(obj)["city"]

    @staticmethod
    def resolve_state(obj: Any) -> str:
        return profile_address(obj)["state"]

    @staticmethod
    def resolve_country(obj: Any) -> str:
        return profile_address(obj)["country"]


class ProfileFilters(InputSchema):
    q: str = Field("", max_length=120, description="First, last or Telegram user name.")


@router.get("/customers", response=responses(list[ProfileOut], 422), summary="List profiles")
@paginate(Pagination)
def customers_list(request: HttpRequest, filters: Query[ProfileFilters]):
    business = api_require(request, "customers.view")
    return profiles_of_business(business=business, search=filters.q)


class ProfileIn(StrictSchema):
    """The fields to change (the others stay); each is checked by the bot's own rules."""

    first_name: str | None = Field(None, max_length=200)
    middle_name: str | None = Field(None, max_length=200)
    last_name: str | None = Field(None, max_length=200)
    phone_e164: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=200)
    gender: str | None = Field(None, max_length=20)
    date_of_birth: str | None = Field(None, max_length=40)
    street: str | None = Field(None, max_length=200)
    apartment: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=200)
    state: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=20)
    country: str | None = Field(None, max_length=200)
    telegram_username: str | None = Field(None, max_length=64)
    instagram_username: str | None = Field(None, max_length=64)


@router.put(
    "/customers/{int:profile_id}",
    response=responses(ProfileOut, 404, 422),
    summary="Edit a customer profile",
    description="422 `invalid_profile` with `errors` naming each bad field.",
)
def customer_update(request: HttpRequest, profile_id: int, payload: ProfileIn):
    business = api_require(request, "customers.edit")
    profile = profile_get(business=business, pk=profile_id)
    data = {key: value for key, value in payload.dict().items() if value is not None}
    actor = api_actor(request)
    try:
        return profile_update(
            business=business,
            profile=profile,
            data=data,
            actor=actor["actor"],
            actor_kind=actor["actor_kind"] or "member",
        )
    except ProfileInvalid as exc:
        errors = [
            {"loc": ["body", "payload", field], "msg": str(message)}
            for field, message in exc.errors.items()
        ]
        raise Unprocessable(exc.message, code=exc.code, errors=errors) from None


@router.delete(
    "/customers/{int:profile_id}",
    response=responses(None, 404, 409, ok_status=204),
    summary="Delete a customer profile",
    description="409 when an open token order (pending, processing, assigned) is for it.",
)
def customer_delete(request: HttpRequest, profile_id: int):
    business = api_require(request, "customers.edit")
    profile = profile_get(business=business, pk=profile_id)
    if token_orders_open_for_profile(business=business, profile=profile):
        raise Conflict(
            _(
                "This profile has open orders in the queue (pending, processing or assigned): "
                "complete or cancel them before deleting it."
            ),
            code=CoreErrorCode.CONFLICT,
        )
    profile_delete(business=business, profile=profile, actor=api_actor(request)["actor"])
    return Status(204, None)


class _Echo:
    """A file-like that hands back what csv.writer writes (for a streamed CSV)."""

    def write(self, value: str) -> str:
        return value


EXPORT_COLUMNS = (
    "first_name",
    "middle_name",
    "last_name",
    "phone_e164",
    "email",
    "city",
    "state",
    "country",
    "telegram_username",
    "instagram_username",
)


def _export_rows(business, search: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(
        ["id", "user_id", *(str(PROFILE_LABELS[key]) for key in EXPORT_COLUMNS), "created_at"]
    )
    for profile in profiles_of_business(business=business, search=search).iterator(2000):
        address = profile_address(profile)
        values = {
            **{key: getattr(profile, key, "") for key in EXPORT_COLUMNS if key not in address},
            "phone_e164": phone_mask(profile.phone_e164),
            "email": email_mask(profile.email),
            "city": address["city"],
            "state": address["state"],
            "country": address["country"],
        }
        yield writer.writerow(
            [
                profile.pk,
                profile.customer_id,
                *(csv_safe(cell_text(values[key])) for key in EXPORT_COLUMNS),
                profile.created_at.isoformat(),
            ]
        )


@router.get(
    "/customers/export",
    url_name="crm_profiles_export",
    response=responses(None, 422),
    summary="Export the customer profiles as CSV",
    description="UTF-8 CSV (with a byte-order mark for Excel); phones and emails masked.",
)
def customers_export(request: HttpRequest, filters: Query[ProfileFilters]):
    business = api_require(request, "customers.export")
    actor = api_actor(request)
    crm_profiles_exported(
        business=business,
        actor=actor["actor"],
        actor_kind=actor["actor_kind"],
        searched=bool(filters.q.strip()),
    )
    response = StreamingHttpResponse(
        _export_rows(business, filters.q), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="customer-profiles.csv"'
    return response
