"""The business's plan pages (decision 0038): the plan card in every status, usage bars, next
charge, invoices, payment method; the plan comparison; subscribe, upgrade, downgrade (and what
blocks it), cancel, resume, withdraw; read-only members; another tenant's ids."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import Invoice, Plan, PlanSubscription, UsageCounter
from kazan.billing.services.invoices import invoice_issue
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.testing import limits_give
from kazan.billing.tests.plan_fakes import (
    FakeSubscriptionGateway,
    fake_gateway,  # noqa: F401 - the fixture below
)
from kazan.tenancy.models import Business, Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
URL = "/dashboard/billing/"


def _on(business, *, status="active", plan="basic", gateway="manual", **fields):
    subscription = plan_subscription_for(business)
    now = timezone.now()
    price = Plan.objects.get(key=plan).prices.get(interval="month", currency="EUR")
    defaults = {
        "plan": price.plan,
        "price": price,
        "interval": "month",
        "amount_minor": price.amount_minor,
        "currency": "EUR",
        "status": status,
        "gateway": gateway,
        "current_period_start": now - dt.timedelta(days=3),
        "current_period_end": now + dt.timedelta(days=27),
    }
    PlanSubscription.objects.filter(pk=subscription.pk).update(**{**defaults, **fields})
    return PlanSubscription.objects.get(pk=subscription.pk)


def _issue(business, amount=4900, **kwargs):
    return invoice_issue(
        business=business,
        lines=[InvoiceLineData(description="Basic", amount_minor=amount)],
        currency="EUR",
        amounts_include_tax=False,
        **kwargs,
    )


def _page(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- the plan card -----------------------------------------------------------------------------


def test_a_trial_shows_its_days_left(owner_client, business):
    page = _page(owner_client)

    assert 'data-plan-status="trialing"' in page
    assert "Trial: 13 days left" in page or "Trial: 14 days left" in page
    assert "data-trial-ends" in page and "Choose a plan" in page


def test_active_shows_the_next_charge_gross_in_the_business_locale(client, business):
    Business.objects.filter(pk=business.pk).update(language="de", country="DE")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    owner.language = "de"
    owner.save()
    client.force_login(owner)
    _on(business)

    page = _page(client)

    assert 'data-plan-status="active"' in page
    assert "58,31\u00a0€" in page  # 49.00 net + 19 % German VAT
    assert "data-cancel" in page


def test_past_due_shows_the_amount_due_and_pay_now(owner_client, business):
    _on(business, status="past_due", past_due_since=timezone.now())
    invoice = _issue(business)

    page = _page(owner_client)

    assert 'data-plan-status="past_due"' in page and "data-amount-due" in page
    assert f"/dashboard/billing/invoices/{invoice.pk}/pdf/" in page
    assert "data-pay-now" in page


@pytest.mark.parametrize("status", ["suspended", "cancelled"])
def test_suspended_and_cancelled_say_nothing_was_deleted(owner_client, business, status):
    _on(business, status=status, ended_at=timezone.now())

    page = _page(owner_client)

    assert f'data-plan-status="{status}"' in page
    assert "Nothing was deleted" in page
    assert "data-next-charge" not in page


def test_pending_downgrade_and_cancellation_have_withdraw_buttons(owner_client, business):
    _on(business, plan="professional", pending_plan=Plan.objects.get(key="basic"))
    page = _page(owner_client)
    assert "data-pending-downgrade" in page and 'data-withdraw="downgrade"' in page

    PlanSubscription.objects.filter(business=business).update(
        pending_plan=None, cancel_at_period_end=True
    )
    page = _page(owner_client)
    assert "data-pending-cancel" in page and 'data-withdraw="cancel"' in page
    assert "data-next-charge" not in page


def test_payment_methods(owner_client, business, settings):
    _on(business, gateway="stripe", gateway_customer_id="cus_1")
    settings.STRIPE_SECRET_KEY = ""
    assert "data-portal" not in _page(owner_client)  # Stripe no longer configured: no portal
    settings.STRIPE_SECRET_KEY = "sk_test_1"
    assert "data-portal" in _page(owner_client)
    PlanSubscription.objects.filter(business=business).update(gateway="razorpay")
    assert 'data-payment-method="razorpay"' in _page(owner_client)
    PlanSubscription.objects.filter(business=business).update(gateway="manual")
    assert 'data-payment-method="manual"' in _page(owner_client)


# --- usage -------------------------------------------------------------------------------------


def test_usage_bars_warn_at_80_percent_and_say_unlimited(owner_client, business):
    limits_give(business, messages=1000, ai_messages=None)
    period = business.today().strftime("%Y-%m")
    UsageCounter.objects.create(business=business, quota="messages", period=period, used=850)
    UsageCounter.objects.create(business=business, quota="ai_messages", period=period, used=7)

    page = _page(owner_client)

    assert 'data-usage="messages" data-usage-warning' in page
    assert "850 of 1,000" in page
    assert "7 · unlimited" in page
    assert 'data-usage="ai_messages" data-usage-warning' not in page


def test_invoices_and_receipts_link_their_pdf(owner_client, business, other_business):
    mine = _issue(business, paid_at=timezone.now())
    theirs = _issue(other_business)

    page = _page(owner_client)

    assert f'data-invoice="{mine.number}"' in page and "Paid (receipt)" in page
    assert f'data-invoice="{theirs.number}"' not in page
    assert owner_client.get(f"{URL}invoices/{theirs.pk}/pdf/").status_code == 404


def test_the_overview_query_count_does_not_grow_with_invoices(
    owner_client, business, django_assert_max_num_queries
):
    _on(business)
    _issue(business)
    owner_client.get(URL)
    with django_assert_max_num_queries(60) as few:
        owner_client.get(URL)
    for _ in range(10):
        _issue(business)
    with django_assert_max_num_queries(len(few.captured_queries)):
        owner_client.get(URL)


# --- the plans page ---------------------------------------------------------------------------


def test_the_comparison_lists_every_limit_and_switches_interval(owner_client, business):
    page = _page(owner_client, f"{URL}plans/")

    for row in ("faqs", "messages", "ai_messages", "channels", "products", "team_members"):
        assert f'data-row="{row}"' in page
    assert 'data-row="analytics_days"' in page and 'data-row="api_access"' in page
    assert "€49.00" in page and "Unlimited" in page
    assert 'data-choose="subscribe"' in page
    assert "On request" in page  # Enterprise

    yearly = _page(owner_client, f"{URL}plans/?interval=year")
    assert 'aria-current="page" class="active">Yearly' in yearly


@pytest.mark.usefixtures("fake_gateway")
def test_gateways_to_choose_from(owner_client, business):
    page = _page(owner_client, f"{URL}plans/")

    assert 'name="gateway" value="fakesub"' in page
    assert 'name="gateway" value="manual"' in page


def test_subscribe_by_bank_transfer_issues_an_open_invoice(owner_client, business, settings):
    settings.BILLING_GATEWAYS = ["manual"]

    response = owner_client.post(
        f"{URL}plans/choose/", {"plan": "basic", "interval": "month", "gateway": "manual"}
    )

    assert response.status_code == 302 and response["Location"] == URL
    invoice = Invoice.objects.get(business=business)
    assert invoice.status == "open" and invoice.gateway == "manual"


@pytest.mark.usefixtures("fake_gateway")
def test_subscribe_through_a_gateway_redirects_to_its_page(owner_client, business):
    response = owner_client.post(
        f"{URL}plans/choose/", {"plan": "professional", "interval": "year", "gateway": "fakesub"}
    )

    assert response.status_code == 302
    assert response["Location"] == "https://pay.example/checkout"
    assert [name for name, _ in FakeSubscriptionGateway.calls] == ["price_ensure", "checkout"]


def test_an_unknown_gateway_or_plan_is_refused(owner_client, business, settings):
    settings.BILLING_GATEWAYS = ["manual"]
    choose = f"{URL}plans/choose/"

    assert owner_client.post(choose, {"plan": "basic", "gateway": "bitcoin"}).status_code == 400
    assert owner_client.post(choose, {"plan": "nope", "gateway": "manual"}).status_code == 404
    assert owner_client.post(choose, {"plan": "enterprise"}).status_code == 404


def test_upgrade_calls_plan_change(owner_client, business):
    _on(business, plan="basic")

    response = owner_client.post(f"{URL}plans/choose/", {"plan": "professional"})

    assert response.status_code == 302
    subscription = PlanSubscription.objects.get(business=business)
    assert subscription.plan.key == "professional"


def test_downgrade_is_scheduled_and_withdrawn(owner_client, business):
    _on(business, plan="professional")
    page = _page(owner_client, f"{URL}plans/")
    assert 'data-choose="downgrade"' in page and 'data-choose="upgrade"' not in page

    owner_client.post(f"{URL}plans/choose/", {"plan": "basic", "interval": "month"})
    assert PlanSubscription.objects.get(business=business).pending_plan.key == "basic"

    owner_client.post(f"{URL}plans/withdraw/")
    assert PlanSubscription.objects.get(business=business).pending_plan is None


def test_a_blocked_downgrade_lists_what_blocks_it(owner_client, business):
    _on(business, plan="professional")
    for _ in range(3):  # Basic allows 2 team members; the owner makes 4
        MembershipFactory(business=business, role=Role.AGENT)

    response = owner_client.post(f"{URL}plans/choose/", {"plan": "basic", "interval": "month"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "data-blockers" in page and "Team members: you have 4, the plan allows 2." in page
    assert PlanSubscription.objects.get(business=business).pending_plan is None


def test_cancel_after_confirming_and_resume(owner_client, business):
    _on(business)
    assert "data-confirm-cancel" in _page(owner_client, f"{URL}cancel/")

    owner_client.post(f"{URL}cancel/", {"reason": "too expensive"})
    assert PlanSubscription.objects.get(business=business).cancel_at_period_end is True

    owner_client.post(f"{URL}resume/")
    assert PlanSubscription.objects.get(business=business).cancel_at_period_end is False


@pytest.mark.usefixtures("fake_gateway")
def test_the_portal_redirects_to_the_gateway(owner_client, business):
    _on(business, gateway="fakesub", gateway_customer_id="cus_9", gateway_subscription_id="s_9")

    response = owner_client.post(f"{URL}portal/")

    assert response["Location"] == "https://pay.example/portal/cus_9"


def test_the_portal_without_one_says_so(owner_client, business):
    _on(business, gateway="manual")

    response = owner_client.post(f"{URL}portal/", follow=True)

    assert "cannot be managed online" in response.content.decode()


# --- who may -----------------------------------------------------------------------------------

CHANGES = ["plans/choose/", "plans/withdraw/", "cancel/", "resume/", "portal/"]


def test_members_without_billing_manage_read_but_cannot_change(client, business):
    _on(business)
    client.force_login(MembershipFactory(business=business, role=Role.MANAGER).user)

    page = _page(client)
    assert "data-change-plan" not in page and "data-cancel" not in page
    assert "data-choose=" not in _page(client, f"{URL}plans/")
    for path in CHANGES:
        assert client.post(f"{URL}{path}", {"plan": "professional"}).status_code == 403
    assert client.get(f"{URL}cancel/").status_code == 403
    assert PlanSubscription.objects.get(business=business).plan.key == "basic"


def test_another_business_named_is_a_404(owner_client, other_business):
    headers = {"HTTP_X_CLIENT_ID": str(other_business.client_id)}
    for path in ["", "plans/", "cancel/"]:
        assert owner_client.get(f"{URL}{path}", **headers).status_code == 404
    for path in CHANGES:
        assert owner_client.post(f"{URL}{path}", {"plan": "basic"}, **headers).status_code == 404


# --- through the fake Stripe (official SDK) ------------------------------------------------------


@pytest.fixture
def stripe_fake(settings):
    from kazan.billing.gateways.stripe.testing import FakeStripe, stripe_configure

    with FakeStripe() as fake:
        stripe_configure(settings, fake)
        settings.BILLING_GATEWAYS = ["stripe", "manual"]
        yield fake


def test_stripe_checkout_is_allowed_by_csp_and_redirects_to_it(owner_client, stripe_fake):
    page = owner_client.get(f"{URL}plans/")
    assert 'name="gateway" value="stripe"' in page.content.decode()
    assert stripe_fake.url.rstrip("/") in page["Content-Security-Policy"]

    response = owner_client.post(
        f"{URL}plans/choose/", {"plan": "basic", "interval": "month", "gateway": "stripe"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(stripe_fake.url.rstrip("/"))
    back = owner_client.get(f"{URL}?subscribed=1").content.decode()
    assert "data-subscribed" in back


def test_a_past_due_plan_is_paid_before_it_changes(owner_client, business):
    _on(business, status="past_due", plan="professional", past_due_since=timezone.now())

    page = _page(owner_client, f"{URL}plans/")

    assert "data-unpaid" in page and 'data-choose="downgrade"' not in page


@pytest.mark.usefixtures("fake_gateway")
def test_a_trial_held_by_a_gateway_changes_plan_instead_of_subscribing(owner_client, business):
    _on(business, status="trialing", gateway="fakesub", gateway_subscription_id="sub_1")

    page = _page(owner_client, f"{URL}plans/")
    assert 'data-choose="upgrade"' in page and 'data-choose="subscribe"' not in page
    assert "data-cancel" in _page(owner_client)


# --- review fixes (issue 14) ------------------------------------------------------------------


def _trial_ended(business):
    return _on(
        business,
        status="past_due",
        price=None,
        amount_minor=0,
        interval="",
        current_period_start=None,
        current_period_end=None,
        past_due_since=timezone.now() - dt.timedelta(days=1),
    )


def test_a_trial_that_ended_subscribes_and_says_so(owner_client, business):
    _trial_ended(business)

    plans = _page(owner_client, f"{URL}plans/")
    assert 'data-choose="subscribe"' in plans and "data-unpaid" not in plans
    card = _page(owner_client)
    assert "data-trial-ended" in card and "Your trial has ended — choose a plan." in card
    assert "did not go through" not in card and "data-next-charge" not in card


def test_the_dunning_email_words_a_trial_that_ended(
    business, owner, mailoutbox, django_capture_on_commit_callbacks
):
    from kazan.billing.services.dunning import dunning_run
    from kazan.messaging.testing import tasks_run_all

    # Given a trial that ended without a plan (past due, nothing ever charged)
    _trial_ended(business)

    # When the dunning job runs
    with django_capture_on_commit_callbacks(execute=True):
        assert dunning_run() == 1
    tasks_run_all(sweep=False)

    # Then the owners read that the trial ended, not that a payment is overdue
    (mail,) = mailoutbox
    assert "free trial has ended" in mail.subject and "overdue" not in mail.subject
    assert "free trial of" in mail.body and "is overdue since" not in mail.body


def test_the_dunning_email_of_a_failed_payment_says_it_is_overdue():
    from django.template.loader import render_to_string

    context = {"business_name": "Café", "plan_name": "Basic", "since": "1 May", "billing_url": "u"}
    failed = render_to_string("billing/email/plan_dunning.txt", {**context, "trial_ended": False})
    assert "is overdue since 1 May" in failed and "free trial" not in failed


def test_the_stripe_portal_is_allowed_by_the_overview_csp(owner_client, business, settings):
    from kazan.billing.gateways.stripe.gateway import StripeGateway

    assert StripeGateway(secret_key="sk_test_1").portal_origin == "https://billing.stripe.com"
    assert (
        StripeGateway(secret_key="sk_test_1", api_base="http://127.0.0.1:9/v1/").portal_origin
        == "http://127.0.0.1:9"
    )
    settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = "sk_test_1", ""
    _on(business, status="past_due", gateway="stripe", gateway_customer_id="cus_1")

    response = owner_client.get(URL)

    assert "data-pay-now" in response.content.decode()
    form_action = next(
        part for part in response["Content-Security-Policy"].split(";") if "form-action" in part
    )
    assert "https://billing.stripe.com" in form_action


def test_a_currency_without_prices_falls_back_to_the_platform_currency(owner_client, business):
    subscription = plan_subscription_for(business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(currency="TRY")

    page = _page(owner_client, f"{URL}plans/")

    assert 'data-choose="subscribe"' in page
    assert page.count("Contact us for a quote.") == 1  # Enterprise only


def test_a_razorpay_plan_past_due_says_how_to_pay(owner_client, business):
    _on(
        business,
        status="past_due",
        gateway="razorpay",
        gateway_customer_id="cust_1",
        gateway_subscription_id="sub_1",
        past_due_since=timezone.now(),
    )

    page = _page(owner_client)

    assert "data-pay-now" not in page and "data-portal" not in page
    assert "data-pay-how" in page and "Razorpay retries the payment" in page


def test_a_past_due_plan_shows_no_next_charge(owner_client, business):
    _on(business, status="past_due", past_due_since=timezone.now())

    assert "data-next-charge" not in _page(owner_client)


def test_a_trial_without_an_end_date_says_no_empty_date(owner_client, business):
    subscription = plan_subscription_for(business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(trial_ends_at=None)

    page = _page(owner_client)

    assert "ends on ." not in page and "You are on a free trial." in page


@pytest.mark.usefixtures("fake_gateway")
def test_a_refusal_other_than_a_blocked_downgrade_is_a_message(owner_client, business, monkeypatch):
    from kazan.billing import plan_views
    from kazan.core.errors import ValidationFailed

    _on(business, status="trialing", gateway="fakesub", gateway_subscription_id="sub_1")

    def refuse(**kwargs):
        raise ValidationFailed("This plan cannot be chosen here.", code="plan_unavailable")

    monkeypatch.setattr(plan_views, "plan_change", refuse)
    response = owner_client.post(
        f"{URL}plans/choose/", {"plan": "professional", "interval": "month"}, follow=True
    )

    assert response.redirect_chain[-1][0].endswith("/plans/")
    page = response.content.decode()
    assert "This plan cannot be chosen here." in page and "data-refused" not in page


def test_a_member_without_billing_rights_is_told_which_permission(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)

    page = _page(client)

    assert "You need the billing permission to change the plan." in page


def test_the_seeded_descriptions_are_shown_in_the_owners_language(client, business):
    """The catalog's own descriptions are translated; one staff rewrote is shown as written."""
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    owner.language = "de"
    owner.save()
    client.force_login(owner)
    _on(business, plan="professional")

    overview = client.get(URL, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    plans = client.get(URL + "plans/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Bis zu 3 Nummern, 5.000 KI-Nachrichten im Monat" in overview
    assert "Eine WhatsApp-Nummer, 1.000 KI-Nachrichten im Monat" in plans
    assert "Up to 3 numbers" not in overview + plans
    Plan.objects.filter(key="basic").update(description="Nur für kleine Läden.")
    plans = client.get(URL + "plans/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Nur für kleine Läden." in plans
