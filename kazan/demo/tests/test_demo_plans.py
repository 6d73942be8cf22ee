"""The demo's plans (issue 14): a newcomer walking /dashboard/billing/ and /console/billing/ sees
real figures — the café paying Professional by transfer (three months paid, with their PDFs, the
next invoice open), the shop on its trial, the Telegram CRM on an Enterprise contract."""

import pytest
from django.core.management import call_command

from kazan.accounts.tests.staff import staff_sign_in
from kazan.billing.models import Invoice, PlanSubscription
from kazan.demo.services import DEMO_SLUG, STAFF_EMAIL, TEAM
from kazan.demo.shop import SHOP_SLUG
from kazan.demo.telegram_crm import CRM_SLUG

pytestmark = pytest.mark.django_db


def test_the_demo_businesses_have_plans_in_meaningful_states(
    client, django_capture_on_commit_callbacks
):
    from kazan.accounts.models import User, email_index

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_load")

    cafe = PlanSubscription.objects.select_related("plan", "business").get(business__slug=DEMO_SLUG)
    assert (cafe.plan.key, cafe.status, cafe.interval, cafe.gateway) == (
        "professional",
        "active",
        "month",
        "manual",
    )
    invoices = Invoice.objects.filter(business=cafe.business).order_by("issued_at")
    assert [invoice.status for invoice in invoices] == ["paid", "paid", "paid", "open"]
    assert invoices[3].period_start == cafe.current_period_end  # the next month's, ahead
    assert all(invoice.total_minor == 14900 * 119 // 100 for invoice in invoices)  # DE VAT 19 %
    assert all(invoice.buyer_vat_id == "DE136695976" for invoice in invoices)
    assert all(invoice.pdf for invoice in invoices)  # drawn and stored after the demo's commit
    lines = {line.description for invoice in invoices[:3] for line in invoice.lines.all()}
    assert lines == {"Kazan Professional plan, monthly"}  # the renewals' like the first's
    assert all(f"-{invoice.issued_at.year}-" in invoice.number for invoice in invoices)

    shop = PlanSubscription.objects.get(business__slug=SHOP_SLUG)
    assert shop.status == "trialing" and shop.business.billing_profile.vat_id == "IT00743110157"
    crm = PlanSubscription.objects.get(business__slug=CRM_SLUG)
    assert (crm.plan.key, crm.status, crm.amount_minor, crm.currency) == (
        "enterprise",
        "active",
        39900,
        "USD",
    )

    owner = User.objects.get(email_index=email_index(TEAM[0][0]))
    client.force_login(owner)
    page = client.get("/dashboard/billing/").content.decode()
    assert "Professional" in page and invoices[0].number in page
    staff = User.objects.get(email_index=email_index(STAFF_EMAIL))
    staff_sign_in(client, staff)
    console = client.get("/console/billing/").content.decode()
    assert invoices[3].number in console


def test_back_dated_demo_invoices_stay_in_their_numbering_year():
    import datetime as dt

    from kazan.demo.plans import issued_in_numbering_year

    january = dt.datetime(2027, 1, 20, tzinfo=dt.UTC)
    autumn = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
    assert issued_in_numbering_year(autumn, now=january) == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    march = dt.datetime(2027, 3, 2, tzinfo=dt.UTC)
    assert issued_in_numbering_year(march, now=dt.datetime(2027, 6, 1, tzinfo=dt.UTC)) == march
