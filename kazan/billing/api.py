"""/api/v1/billing: the business's plan, its status and limits with today's usage, and its
invoices (seed 003 "wrap Task 1 APIs": the tenant's plan, expiry and limits are visible in the
API). Read-only; any member's session or the business's API key; the business is the caller's
own (another business's invoice id is a 404)."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from kazan.billing.models import Invoice
from kazan.billing.queries.invoices import invoice_get, invoices_for
from kazan.billing.queries.limits import plan_usage
from kazan.billing.queries.plans import subscription_terms
from kazan.billing.services.invoice_pdf import invoice_pdf
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.core.api import Pagination, responses
from kazan.tenancy.api_auth import tenant_auth

router = Router(tags=["billing"], auth=tenant_auth)


class UsageOut(Schema):
    key: str = Field(description="faqs, products, channels, team_members, messages, ai_messages")
    used: int = Field(description="Now (kept things) or this calendar month (messages).")
    limit: int | None = Field(description="null: unlimited")


class PlanOut(Schema):
    key: str
    name: str


class SubscriptionOut(Schema):
    plan: PlanOut
    status: str = Field(description="trialing, active, past_due, suspended or cancelled")
    interval: str = Field(description='"month", "year" or "" (trial, custom terms)')
    trial_ends_at: dt.datetime | None
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool
    pending_plan: PlanOut | None = Field(description="A downgrade waiting for the period's end.")
    limits: dict[str, int | bool | None] = Field(
        description="What the plan allows, by key (null: unlimited), with custom terms applied;"
        " analytics_days is the history kept and shown."
    )
    usage: list[UsageOut]


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str = Field(description="invoice or credit_note")
    status: str = Field(description="open, paid, void or credited")
    issued_at: dt.datetime
    due_at: dt.datetime | None
    paid_at: dt.datetime | None
    currency: str
    subtotal_minor: int = Field(description="Net, in minor units (cents).")
    tax_minor: int
    total_minor: int
    pdf_url: str

    @staticmethod
    def resolve_pdf_url(invoice: Invoice) -> str:
        return f"/api/v1/billing/invoices/{invoice.pk}/pdf"


def _business(request: HttpRequest):
    return request.auth.business  # type: ignore[attr-defined]  # the principal of tenant_auth


def _plan(plan) -> PlanOut | None:
    return PlanOut(key=plan.key, name=plan.name) if plan is not None else None


@router.get(
    "/subscription",
    response=responses(SubscriptionOut),
    summary="The business's plan, status, renewal date, limits and usage",
)
def subscription_get(request: HttpRequest):
    business = _business(request)
    subscription = plan_subscription_for(business)
    return SubscriptionOut(
        plan=PlanOut(key=subscription.plan.key, name=subscription.plan.name),
        status=subscription.status,
        interval=subscription.interval,
        trial_ends_at=subscription.trial_ends_at,
        current_period_end=subscription.current_period_end,
        cancel_at_period_end=subscription.cancel_at_period_end,
        pending_plan=_plan(subscription.pending_plan),
        limits=subscription_terms(subscription=subscription),
        usage=[
            UsageOut(key=usage.key, used=usage.used, limit=usage.limit)
            for usage in plan_usage(business=business)
        ],
    )


@router.get(
    "/invoices",
    response=responses(list[InvoiceOut], 422),
    summary="The business's invoices, receipts and credit notes, newest first",
)
@paginate(Pagination)
def invoices(request: HttpRequest):
    return invoices_for(business=_business(request))


@router.get(
    "/invoices/{int:invoice_id}/pdf",
    response=responses(None, 404),
    summary="An invoice or credit note as PDF",
    description="`application/pdf`; another business's id is a 404.",
)
def invoice_pdf_get(request: HttpRequest, invoice_id: int):
    invoice = invoice_get(business=_business(request), invoice_id=invoice_id)
    response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response
