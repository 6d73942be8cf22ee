"""/api/v1/events and /api/v1/analytics: what the website widget reports (a visitor followed a
link out of Kazan), and the widget's and FAQ bot's daily counts for the business's reports.

`POST /events` names its business by the public client id (X-Client-ID or the subdomain): it
counts, it reads nothing. Only redirects are accepted; every other widget figure is counted by
the server code that sees it happen."""

import datetime as dt
from typing import Literal, cast

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import model_validator

from kazan.analytics.enums import WIDGET_EVENT_KINDS
from kazan.analytics.queries import (
    SERIES_DAYS_MAX,
    analytics_history,
    business_today,
    series_between,
)
from kazan.analytics.services import client_event_report
from kazan.core.api import IsoDate, errors, responses
from kazan.core.http import client_ip
from kazan.core.schemas import InputSchema
from kazan.tenancy.api_auth import ClientKeyAuth, ClientPrincipal, api_require, tenant_auth

events_router = Router(tags=["analytics"])
router = Router(tags=["analytics"], auth=tenant_auth)

# Who may read the business's figures: owners and managers (and API keys, a manager's rights).
REPORT_PERMISSION = "activity.view"
DEFAULT_DAYS = 30


class EventIn(InputSchema):
    kind: Literal["redirect_whatsapp", "redirect_form", "redirect_link"] = Field(
        description="What the visitor did: followed the WhatsApp link, a third-party form's "
        "link or another link the chat offered."
    )


@events_router.post(
    "",
    auth=ClientKeyAuth(),
    response={202: None, **errors(401, 403, 422, 429)},
    summary="Count a visitor's redirect (widget)",
    description=(
        "The widget reports that a visitor followed a link out of the chat. Counted per "
        "business and day, anonymously (nothing about the visitor is kept). Only the three "
        "redirect kinds are accepted (422 otherwise): chats, FAQ answers, forms and hand-offs "
        "are counted by Kazan itself. 403 `business_unavailable` for a suspended business; 429 "
        "past the limits per caller and per business."
    ),
)
def events_post(request: HttpRequest, payload: EventIn):
    principal = cast("ClientPrincipal", getattr(request, "auth", None))
    client_event_report(business=principal.business, kind=payload.kind, ip=client_ip(request))
    return Status(202, None)


class PeriodIn(Schema):
    start: IsoDate | None = Field(
        None, alias="from", description="First local day (default: 29 days before `to`)."
    )
    end: IsoDate | None = Field(None, alias="to", description="Last local day (default: today).")

    @model_validator(mode="after")
    def _ordered(self) -> "PeriodIn":
        if self.start and self.end and self.end < self.start:
            raise ValueError("`to` must not be before `from`")
        if self.start and self.end and (self.end - self.start).days >= SERIES_DAYS_MAX:
            raise ValueError(f"at most {SERIES_DAYS_MAX} days at once")
        return self


class WidgetDayOut(Schema):
    day: dt.date
    chat_started: int
    faq_answered: int
    faq_clicked: int
    faq_unanswered: int
    redirect_whatsapp: int
    redirect_form: int
    redirect_link: int
    form_submitted: int
    handoff: int


class WidgetStatsOut(Schema):
    first_day: dt.date | None = Field(
        description="The oldest local day the business's plan shows (null: all history); "
        "`from` is moved up to it."
    )
    days: list[WidgetDayOut] = Field(description="One entry per local day, oldest first.")
    totals: dict[str, int] = Field(description="The period's sum per kind.")


@router.get(
    "/widget",
    response=responses(WidgetStatsOut, 422),
    summary="The website widget's and FAQ bot's daily counts",
    description=(
        "Chats started, FAQ answers shown, suggestions clicked, unanswered questions, redirects "
        "(WhatsApp, form, link), forms submitted and hand-offs to a person, per day in the "
        f"business's time zone. `from`/`to` are dates (at most {SERIES_DAYS_MAX} days; default "
        "the last 30 days), never before the oldest day the plan's analytics history shows "
        "(`first_day`). Owners, managers and API keys."
    ),
)
def widget_stats(request: HttpRequest, period: Query[PeriodIn]):
    business = api_require(request, REPORT_PERMISSION)
    end = period.end or (
        period.start + dt.timedelta(days=DEFAULT_DAYS - 1)
        if period.start
        else business_today(business=business)
    )
    history = analytics_history(business=business)
    start = history.clamp(period.start or end - dt.timedelta(days=DEFAULT_DAYS - 1))
    data = series_between(business=business, start=start, end=end, kinds=WIDGET_EVENT_KINDS)
    series = data["series"]
    return {
        "first_day": history.first_day,
        "days": [
            {"day": day, **{kind: series[kind][n] for kind in WIDGET_EVENT_KINDS}}
            for n, day in enumerate(data["days"])
        ],
        "totals": {str(kind): sum(series[kind]) for kind in WIDGET_EVENT_KINDS},
    }
