"""Issue 14's "Done when", by bank transfer confirmed by staff: a new business on its Basic
trial is refused its 51st FAQ (the page links the plans, the API answers 402 with the code),
chooses Professional by bank transfer on the plans page and gets an open invoice (a PDF with the
platform's bank details and the reference); staff confirm the transfer on the console's
business page and the FAQ can be added. The renewal job invoices the next month ahead; unpaid
at the period's end it is past due, the dunning job reminds the owner, the grace job suspends
the business after the grace period, and staff confirming the late transfer reactivate it."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from kazan.accounts.tests.staff import staff_sign_in
from kazan.billing.models import Invoice, PlanChange, PlanSubscription
from kazan.billing.services import bank_details_update
from kazan.billing.services.dunning import dunning_run
from kazan.billing.services.manual_plans import plan_renewals_run
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.plans_e2e import (
    PLANS_PATH,
    assert_faq_page_refused,
    assert_faq_refused,
    assert_invoice_pdf,
    assert_reactivated,
    assert_suspended,
    faq_api_add,
    faqs_fill,
    grace_pass,
    travel,
    trial_on_basic,
)
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db

IBAN = "DE89 3704 0044 0532 0130 00"


def _pdf(client, invoice: Invoice) -> bytes:
    response = client.get(f"/dashboard/billing/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response)


def _staff_confirm(staff: Client, invoice: Invoice) -> None:
    """On the console's business page: the open invoice's "Confirm payment", pressed."""
    page = staff.get(f"/console/businesses/{invoice.business_id}/").content.decode()
    assert f'data-confirm-invoice="{invoice.number}"' in page
    confirmed = staff.post(f"/console/billing/invoices/{invoice.pk}/confirm/")
    assert confirmed.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_a_trial_business_pays_by_transfer_confirmed_by_staff_and_survives_a_late_renewal(
    settings, business, owner, client, staff_user, django_capture_on_commit_callbacks
):
    trial_on_basic(settings)
    bank_details_update(
        recipient="Kazan GmbH",
        iban=IBAN,
        bic="COBADEFFXXX",
        bank_name="Commerzbank",
        actor=staff_user,
    )
    subscription = plan_subscription_for(business)
    assert subscription.status == "trialing" and subscription.plan.key == "basic"
    client.force_login(owner)
    staff = Client()
    staff_sign_in(staff, staff_user)

    faqs_fill(business)
    assert_faq_refused(faq_api_add(client))
    assert_faq_page_refused(client)

    # Professional by bank transfer: an open invoice with the bank details and its reference.
    assert client.get(PLANS_PATH).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        chosen = client.post(
            "/dashboard/billing/plans/choose/",
            {"plan": "professional", "interval": "month", "gateway": "manual"},
        )
    assert chosen.status_code == 302 and chosen["Location"] == "/dashboard/billing/"
    first = Invoice.objects.get(business=business)
    assert first.status == "open" and first.payment_reference
    pdf = _pdf(client, first)
    assert_invoice_pdf(pdf, first)
    tasks_run_all()  # the queued email: the invoice, attached
    assert any(
        name == f"{first.number}.pdf" for message in mail.outbox for name, *_ in message.attachments
    )
    subscription.refresh_from_db()
    assert subscription.status == "trialing"  # until the money arrives

    _staff_confirm(staff, first)
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.plan.key == "professional"
    assert subscription.gateway == "manual"
    assert faq_api_add(client).status_code == 201  # the 51st FAQ, now allowed
    assert IBAN in client.get("/dashboard/billing/").content.decode()

    end = subscription.current_period_end
    with travel(end - dt.timedelta(days=settings.BILLING_RENEWAL_INVOICE_DAYS - 1)) as traveller:
        # The renewal job invoices the next month ahead, once.
        assert plan_renewals_run() == 1
        assert plan_renewals_run() == 0
        renewal = Invoice.objects.get(business=business, status="open")
        assert renewal.period_start == end and renewal.due_at == end
        assert renewal.sequence == first.sequence + 1  # no gaps

        # Not paid at the period's end: past due, the owner reminded; then suspended.
        traveller.move_to(end + dt.timedelta(hours=1))
        assert plan_renewals_run() == 1
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert dunning_run() == 1
        tasks_run_all()
        assert len(mail.outbox) == 1 and owner.email in mail.outbox[0].to
        grace_pass(business, traveller)
        assert_suspended(client, business)

        # The transfer arrives late; staff confirm it: active again, the business back.
        _staff_confirm(staff, renewal)
        assert_reactivated(client, business)
        subscription.refresh_from_db()
        assert subscription.current_period_end == renewal.period_end
    assert Invoice.objects.filter(business=business, status="paid").count() == 2
    kinds = set(PlanChange.objects.filter(business=business).values_list("kind", flat=True))
    assert {"trial_started", "subscribed", "past_due", "suspended", "reactivated"} <= kinds
    assert PlanSubscription.objects.get(business=business).plan.key == "professional"
