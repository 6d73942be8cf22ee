"""The demo businesses' plans (issue 14), so /dashboard/billing/ and /console/billing/ show real
figures: the café pays Professional monthly by bank transfer (three months paid, the next
invoice open), the shop is on its trial, the Telegram CRM has an Enterprise contract.

Built through billing's services (checkout, staff confirming transfers, the renewal job, custom
terms); only the dates of the café's past months are set back afterwards, like the rest of the
demo history, before the PDFs are drawn (after the demo's transaction commits).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

PAID_MONTHS = 3
# The café's current period ends in a few days, so its next invoice is out (the renewal job
# invoices BILLING_RENEWAL_INVOICE_DAYS ahead).
DAYS_LEFT = 4
CAFE_PROFILE = {
    "legal_name": "Demo Café GmbH",
    "address_line1": "Torstraße 1",
    "postal_code": "10119",
    "city": "Berlin",
    "country": "DE",
    "vat_id": "DE136695976",
    "email": "billing@demo-cafe.localhost",
}
SHOP_PROFILE = {
    "legal_name": "Delizie di Sicilia S.r.l.",
    "address_line1": "Via Vittorio Emanuele 12",
    "postal_code": "90133",
    "city": "Palermo",
    "country": "IT",
    "vat_id": "IT00743110157",
}
CRM_PROFILE = {
    "legal_name": "Site Registration Service LLC",
    "address_line1": "418 Congress Ave",
    "postal_code": "78701",
    "city": "Austin",
    "country": "US",
}
CRM_MONTHLY_USD_CENTS = 39_900


def plans_load(*, cafe: Business, shop: Business, crm: Business, staff: User) -> None:
    from kazan.billing.services.billing_profiles import billing_profile_save
    from kazan.billing.services.plan_subscriptions import plan_subscription_for

    billing_profile_save(business=cafe, data=CAFE_PROFILE, actor=staff)
    billing_profile_save(business=shop, data=SHOP_PROFILE, actor=staff)
    billing_profile_save(business=crm, data=CRM_PROFILE, actor=staff)
    _cafe_load(business=cafe, staff=staff)
    plan_subscription_for(shop)  # the trial (Professional, BILLING_TRIAL_DAYS)
    _crm_load(business=crm, staff=staff)


def _cafe_load(*, business: Business, staff: User) -> None:
    """Professional, monthly, by bank transfer: the first month through the plans page's
    checkout, two renewals, all confirmed by staff; then the renewal job's open invoice."""
    from kazan.billing.models import PlanSubscription
    from kazan.billing.queries.plans import plan_by_key
    from kazan.billing.services.manual_plans import (
        invoice_payment_confirm,
        plan_invoice_open,
        plan_renewals_run,
    )
    from kazan.billing.services.plan_state import period_add, plan_description
    from kazan.billing.services.plan_subscriptions import (
        plan_price_for,
        subscription_checkout_start,
    )

    plan = plan_by_key(key="professional")
    assert plan is not None
    current_end = timezone.now() + dt.timedelta(days=DAYS_LEFT)
    first_start = period_add(current_end, "month", -PAID_MONTHS)
    first = subscription_checkout_start(
        business=business, plan=plan, interval="month", gateway_key="manual", actor=staff
    ).invoice
    assert first is not None
    invoice_payment_confirm(invoice=first, actor=staff)
    start = first_start
    periods = []
    for _ in range(PAID_MONTHS):
        periods.append((start, period_add(start, "month")))
        start = periods[-1][1]
    subscription = PlanSubscription.objects.get(business=business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        current_period_start=periods[0][0], current_period_end=periods[0][1]
    )
    _date_back(first, *periods[0])
    for period_start, period_end in periods[1:]:
        subscription.refresh_from_db()
        price = subscription.price or plan_price_for(
            plan=plan, interval="month", currency=subscription.currency
        )
        invoice = plan_invoice_open(
            subscription=subscription,
            # The same line as the first invoice's and the renewal job's.
            description=plan_description(business=business, price=price),
            amount_minor=subscription.amount_minor,
            period_start=period_start,
            period_end=period_end,
            due_at=period_start,
        )
        invoice_payment_confirm(invoice=invoice, actor=staff)
        _date_back(invoice, period_start - dt.timedelta(days=7), None)
    plan_renewals_run()  # the next month's invoice, open until the period ends


def issued_in_numbering_year(issued_at: dt.datetime, now: dt.datetime | None = None) -> dt.datetime:
    """`issued_at`, but not before 1 January (UTC) of this year: invoice_issue numbered the
    invoice in the current year, so its date stays in that year (early in January the first
    months' invoices show 1 January rather than crossing into last year's numbering)."""
    year = (now or timezone.now()).astimezone(dt.UTC).year
    return max(issued_at, dt.datetime(year, 1, 1, tzinfo=dt.UTC))


def _date_back(invoice, issued_at: dt.datetime, period_end: dt.datetime | None) -> None:
    """Demo history: an invoice (and its payment) issued and paid back then; the first one's
    period too (its checkout started the period today)."""
    from kazan.billing.models import Invoice, Payment

    period_start = issued_at
    issued_at = issued_in_numbering_year(issued_at)
    paid_at = issued_at + dt.timedelta(days=2)
    fields = {"issued_at": issued_at, "paid_at": paid_at}
    if period_end is not None:
        fields |= {"period_start": period_start, "period_end": period_end}
    Invoice.objects.filter(pk=invoice.pk).update(**fields)
    Payment.objects.filter(invoice=invoice).update(created_at=issued_at, paid_at=paid_at)


def _crm_load(*, business: Business, staff: User) -> None:
    """An Enterprise contract: USD 399 a month by transfer, the first month confirmed."""
    from kazan.billing.models import Invoice
    from kazan.billing.queries.plans import plan_by_key
    from kazan.billing.services.manual_plans import invoice_payment_confirm
    from kazan.billing.services.plan_changes import subscription_terms_set

    plan = plan_by_key(key="enterprise")
    assert plan is not None
    subscription_terms_set(
        business=business,
        plan=plan,
        actor=staff,
        reason="Contract TK-2026-07: unlimited operators and bots, monthly by transfer",
        amount_minor=CRM_MONTHLY_USD_CENTS,
        currency="USD",
        interval="month",
    )
    for invoice in Invoice.objects.filter(business=business, status="open"):
        invoice_payment_confirm(invoice=invoice, actor=staff)
