"""The console's billing pages (decision 0038): the lists with filters and exports, dunning,
the plan catalog editor with its log, and the business page's plan panel."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import DunningNotice, Invoice, Plan, PlanPrice, PlanSubscription
from kazan.billing.services.invoices import invoice_issue
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.factories import payment_at
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db
URL = "/console/billing/"


def _issue(business, amount=4900, **kwargs):
    return invoice_issue(
        business=business,
        lines=[InvoiceLineData(description="Basic", amount_minor=amount)],
        currency="EUR",
        amounts_include_tax=False,
        **kwargs,
    )


@pytest.fixture
def data(business, other_business):
    payment_at(business=business, amount_minor=900, gateway="stripe")
    payment_at(business=other_business, status="failed", amount_minor=2900)
    payment_at(
        business=other_business,
        amount_minor=500,
        created_at=timezone.now() - dt.timedelta(days=40),
    )
    paid = _issue(business, paid_at=timezone.now())
    open_invoice = _issue(other_business, 14900)
    return {"paid": paid, "open": open_invoice}


def _rows(page: str, marker: str) -> int:
    return page.count(marker)


def test_payments_with_filters(staff_client, data, business):
    page = staff_client.get(URL).content.decode()
    assert _rows(page, "data-payment=") == 3

    failed = staff_client.get(URL + "?tab=payments&status=failed").content.decode()
    assert _rows(failed, "data-payment=") == 1
    stripe = staff_client.get(URL + "?gateway=stripe").content.decode()
    assert _rows(stripe, "data-payment=") == 1
    assert "<td>Stripe</td>" in stripe  # the payment method by its name, not its key
    transfers = staff_client.get(URL + "?gateway=manual").content.decode()
    assert _rows(transfers, "data-payment=") == 2 and "<td>Bank transfer</td>" in transfers
    mine = staff_client.get(URL + f"?business={business.slug}").content.decode()
    assert _rows(mine, "data-payment=") == 1
    since = (timezone.now() - dt.timedelta(days=10)).date().isoformat()
    recent = staff_client.get(URL + f"?since={since}").content.decode()
    assert _rows(recent, "data-payment=") == 2


def test_failed_payments_tab(staff_client, data):
    page = staff_client.get(URL + "?tab=failed").content.decode()

    assert _rows(page, "data-payment=") == 1 and "Failed" in page


def test_invoices_receipts_and_credit_notes(staff_client, data):
    page = staff_client.get(URL + "?tab=invoices").content.decode()
    assert f'data-invoice="{data["paid"].number}"' in page
    assert f'data-invoice="{data["open"].number}"' in page

    receipts = staff_client.get(URL + "?tab=invoices&kind=receipt").content.decode()
    assert f'data-invoice="{data["paid"].number}"' in receipts
    assert f'data-invoice="{data["open"].number}"' not in receipts
    open_only = staff_client.get(URL + "?tab=invoices&status=open").content.decode()
    assert f'data-invoice="{data["paid"].number}"' not in open_only


def test_dunning_shows_since_steps_and_grace_end(staff_client, business, settings):
    settings.BILLING_GRACE_DAYS = 14
    subscription = plan_subscription_for(business)
    since = timezone.now() - dt.timedelta(days=4)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        status="past_due", past_due_since=since, gateway="manual"
    )
    for step in (0, 3):
        DunningNotice.objects.create(subscription=subscription, past_due_since=since, step=step)
    DunningNotice.objects.create(
        subscription=subscription, past_due_since=since - dt.timedelta(days=90), step=0
    )

    page = staff_client.get(URL + "?tab=dunning").content.decode()

    assert f'data-dunning="{business.slug}"' in page
    assert "data-steps>2<" in page
    grace = (since + dt.timedelta(days=14)).strftime("%m/%d/%Y")
    assert grace in page


def test_subscriptions_by_plan_and_status(staff_client, business, other_business):
    plan_subscription_for(business)
    theirs = plan_subscription_for(other_business)
    PlanSubscription.objects.filter(pk=theirs.pk).update(
        plan=Plan.objects.get(key="basic"), status="active"
    )

    page = staff_client.get(URL + "?tab=subscriptions&plan=basic").content.decode()
    assert f'data-subscription="{other_business.slug}"' in page
    assert f'data-subscription="{business.slug}"' not in page
    trials = staff_client.get(URL + "?tab=subscriptions&status=trialing").content.decode()
    assert f'data-subscription="{business.slug}"' in trials


def test_a_bad_filter_is_a_400_not_a_500(staff_client, db):
    assert staff_client.get(URL + "?since=yesterday").status_code == 400
    assert staff_client.get(URL + "?status=nonsense").status_code == 400
    assert staff_client.get(URL + "?tab=nonsense").status_code == 200


def test_csv_export_follows_the_filters_and_is_formula_safe(staff_client, data):
    evil = BusinessFactory(slug="evil", name="=HYPERLINK(1)")
    payment_at(business=evil, amount_minor=100)

    response = staff_client.get(URL + "?tab=payments&status=paid&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Created (UTC)", "Paid (UTC)", "Business"]
    assert len(rows) == 1 + 3  # the failed one is filtered out
    assert [row[2] for row in rows if "HYPERLINK" in row[2]] == ["'=HYPERLINK(1)"]
    assert "9.00" in [row[6] for row in rows]


def test_xlsx_export_of_invoices(staff_client, data):
    response = staff_client.get(URL + "?tab=invoices&format=xlsx")

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Number"
    assert {row[0] for row in values[1:]} == {data["paid"].number, data["open"].number}


def test_list_queries_do_not_grow_with_rows(staff_client, business, django_assert_max_num_queries):
    for tab in ("payments", "invoices", "dunning", "subscriptions"):
        payment_at(business=business)
        _issue(business)
        with django_assert_max_num_queries(40) as few:
            staff_client.get(URL + f"?tab={tab}")
        for _ in range(6):
            other = BusinessFactory()
            payment_at(business=other)
            _issue(other)
            subscription = plan_subscription_for(other)
            PlanSubscription.objects.filter(pk=subscription.pk).update(
                status="past_due", past_due_since=timezone.now()
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            staff_client.get(URL + f"?tab={tab}")


# --- the plan catalog ---------------------------------------------------------------------------


def test_the_catalog_lists_every_plan(staff_client, db):
    page = staff_client.get(URL + "plans/").content.decode()

    for key in ("basic", "professional", "enterprise"):
        assert f'data-plan="{key}"' in page
    assert 'data-price="month-EUR"' in page


def _plan_form(plan, **changes):
    form = {
        field: getattr(plan, field)
        for field in (
            "name",
            "description",
            "sort_order",
            "faq_limit",
            "messages_monthly",
            "ai_messages_monthly",
            "channels_limit",
            "products_limit",
            "team_members_limit",
            "analytics_days",
        )
    }
    form = {key: "" if value is None else value for key, value in form.items()}
    for flag in ("public", "active", "api_access", "white_label"):
        if getattr(plan, flag):
            form[flag] = "on"
    for price in plan.prices.all():
        form[f"price_{price.interval}_{price.currency}"] = f"{price.amount_minor / 100:.2f}"
    form["reason"] = "yearly review"
    form.update(changes)
    return form


def test_a_plan_edit_changes_limits_and_prices_and_is_logged(staff_client, staff_user, db):
    plan = Plan.objects.get(key="basic")

    response = staff_client.post(
        URL + f"plans/{plan.pk}/",
        _plan_form(plan, faq_limit=80, products_limit="", price_month_EUR="59.00"),
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.faq_limit, plan.products_limit) == (80, None)
    assert PlanPrice.objects.get(plan=plan, interval="month", currency="EUR").amount_minor == 5900
    entry = Activity.objects.get(action="plan.catalog_changed")
    assert entry.actor == staff_user and entry.data["reason"] == "yearly review"
    assert entry.data["changes"]["faq_limit"] == [50, 80]
    assert entry.data["changes"]["price month EUR"] == ["4900", "5900"]


def test_an_emptied_price_is_switched_off_not_deleted(staff_client, db):
    plan = Plan.objects.get(key="basic")

    staff_client.post(URL + f"plans/{plan.pk}/", _plan_form(plan, price_year_EUR=""))

    price = PlanPrice.objects.get(plan=plan, interval="year", currency="EUR")
    assert price.active is False


def test_a_plan_edit_without_a_reason_is_refused(staff_client, db):
    plan = Plan.objects.get(key="basic")

    response = staff_client.post(URL + f"plans/{plan.pk}/", _plan_form(plan, reason=""))

    assert response.status_code == 400
    assert not Activity.objects.filter(action="plan.catalog_changed").exists()


def test_a_plan_edit_refuses_zero_days_of_analytics(staff_client, db):
    # 0 days of history would let the nightly purge delete all of a business's analytics.
    plan = Plan.objects.get(key="basic")

    response = staff_client.post(URL + f"plans/{plan.pk}/", _plan_form(plan, analytics_days=0))

    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.analytics_days == 30


def test_an_unknown_plan_is_a_404(staff_client, db):
    assert staff_client.get(URL + "plans/999999/").status_code == 404


# --- the business page's plan panel --------------------------------------------------------------


def test_the_business_page_shows_the_plan_and_custom_terms_invoice_then_confirm(
    staff_client, business
):
    plan_subscription_for(business)
    page = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert 'id="business-plan"' in page and 'data-plan-status="trialing"' in page

    response = staff_client.post(
        f"/console/businesses/{business.pk}/plan-terms/",
        {
            "plan": Plan.objects.get(key="enterprise").pk,
            "interval": "year",
            "amount": "9990.00",
            "currency": "eur",
            "reason": "contract 2026-17",
        },
    )
    assert response.status_code == 302
    subscription = PlanSubscription.objects.get(business=business)
    assert (subscription.plan.key, subscription.amount_minor) == ("enterprise", 999000)
    invoice = Invoice.objects.get(business=business, status="open")

    page = staff_client.get(f"/console/businesses/{business.pk}/").content.decode()
    assert f'data-confirm-invoice="{invoice.number}"' in page

    staff_client.post(f"{URL}invoices/{invoice.pk}/confirm/")
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert PlanSubscription.objects.get(business=business).status == "active"


def test_invalid_terms_show_the_form_again(staff_client, business):
    response = staff_client.post(
        f"/console/businesses/{business.pk}/plan-terms/",
        {"plan": "", "interval": "week", "amount": "-1", "currency": "e1", "reason": ""},
    )

    assert response.status_code == 400
    assert 'id="plan-terms-form"' in response.content.decode()


# --- review fixes (issue 14) ------------------------------------------------------------------


def _past_due(business, *, since, gateway="manual", amount=4900):
    subscription = plan_subscription_for(business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        status="past_due", past_due_since=since, gateway=gateway, amount_minor=amount
    )


def test_dunning_follows_the_gateway_and_date_filters_and_marks_ended_trials(
    staff_client, business, other_business
):
    now = timezone.now()
    _past_due(business, since=now - dt.timedelta(days=40), gateway="stripe")
    _past_due(other_business, since=now - dt.timedelta(days=2), amount=0)

    stripe = staff_client.get(URL + "?tab=dunning&gateway=stripe").content.decode()
    assert f'data-dunning="{business.slug}"' in stripe
    assert f'data-dunning="{other_business.slug}"' not in stripe
    since = (now - dt.timedelta(days=5)).date().isoformat()
    recent = staff_client.get(URL + f"?tab=dunning&since={since}").content.decode()
    assert f'data-dunning="{business.slug}"' not in recent
    assert f'data-dunning="{other_business.slug}"' in recent
    assert recent.count("data-trial-ended") == 1


def test_subscriptions_follow_the_date_filter(staff_client, business, other_business):
    plan_subscription_for(business)
    theirs = plan_subscription_for(other_business)
    PlanSubscription.objects.filter(pk=theirs.pk).update(
        created_at=timezone.now() - dt.timedelta(days=60)
    )
    since = (timezone.now() - dt.timedelta(days=5)).date().isoformat()

    page = staff_client.get(URL + f"?tab=subscriptions&since={since}").content.decode()

    assert f'data-subscription="{business.slug}"' in page
    assert f'data-subscription="{other_business.slug}"' not in page


def test_the_catalog_shows_prices_as_money(staff_client, db):
    page = staff_client.get(URL + "plans/").content.decode()

    assert "minor units" not in page and "€49.00" in page


def test_a_plan_edit_adds_a_price_in_another_currency(staff_client, db):
    plan = Plan.objects.get(key="basic")

    response = staff_client.post(
        URL + f"plans/{plan.pk}/",
        _plan_form(plan, add_currency="inr", add_month="3999", add_year=""),
    )

    assert response.status_code == 302
    price = PlanPrice.objects.get(plan=plan, currency="INR")
    assert (price.interval, price.amount_minor, price.active) == ("month", 399900, True)
    refused = staff_client.post(
        URL + f"plans/{plan.pk}/", _plan_form(plan, add_currency="JPY", add_month="10.5")
    )
    assert refused.status_code == 400 and not PlanPrice.objects.filter(currency="JPY").exists()


def test_terms_with_more_decimals_than_the_currency_are_refused(staff_client, business):
    from kazan.billing.plan_forms import PlanTermsForm

    enterprise = Plan.objects.get(key="enterprise").pk
    data = {"plan": enterprise, "interval": "month", "reason": "contract"}
    assert not PlanTermsForm({**data, "amount": "49.999", "currency": "EUR"}).is_valid()
    assert not PlanTermsForm({**data, "amount": "10.5", "currency": "JPY"}).is_valid()
    assert PlanTermsForm({**data, "amount": "49.99", "currency": "EUR"}).is_valid()


def test_the_business_page_does_not_start_a_trial(staff_client, business):
    page = staff_client.get(f"/console/businesses/{business.pk}/")

    assert page.status_code == 200
    assert not PlanSubscription.objects.filter(business=business).exists()
