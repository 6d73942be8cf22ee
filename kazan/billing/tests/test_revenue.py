"""The platform's revenue model (docs/decisions/0007-revenue-model.md): months and years with
comparisons, currencies kept apart, MRR, defaults and cancellations, and the payments report."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kazan.billing import revenue
from kazan.billing.models import Plan, PlanSubscription
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.factories import payment_at
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- months, years, comparisons ---------------------------------------------------------------


@pytest.fixture
def history(business, other_business, packages, now):
    """Paid payments over three years, a USD one, and some that are not revenue."""
    paid = [
        (business, 900, "EUR", at(2026, 3, 2)),  # this month
        (other_business, 2900, "EUR", at(2026, 2, 10)),  # previous month
        (business, 9900, "EUR", at(2025, 3, 20)),  # same month last year, after "now" then
        (business, 500, "EUR", at(2025, 3, 1)),  # same month last year, before "now" then
        (other_business, 700, "EUR", at(2025, 1, 5)),  # last year's year to date
        (business, 1000, "EUR", at(2024, 6, 1)),  # only in the yearly figures
        (other_business, 5000, "USD", at(2026, 3, 3)),  # another currency
    ]
    for owner, amount, currency, moment in paid:
        payment_at(business=owner, amount_minor=amount, currency=currency, created_at=moment)
    payment_at(business=business, status="failed", amount_minor=300, created_at=at(2026, 3, 4))
    payment_at(business=business, status="pending", amount_minor=300, created_at=at(2026, 3, 4))
    payment_at(business=business, status="cancelled", amount_minor=300, created_at=at(2026, 3, 4))


def test_month_comparisons(history):
    overview = revenue.revenue_overview()
    eur = overview.platform

    assert overview.currency == "EUR"
    assert (eur.this_month.month, eur.this_month.amount_minor) == (date(2026, 3, 1), 900)
    assert eur.this_month.payments == 1
    assert eur.previous_month.amount_minor == 2900
    assert eur.same_month_last_year.amount_minor == 10400
    assert eur.same_month_last_year.payments == 2
    assert eur.month_vs_previous.change_minor == -2000
    assert eur.month_vs_previous.change_percent == -69.0
    assert eur.month_vs_last_year.previous_minor == 10400


def test_year_to_date_is_compared_with_the_same_span_of_last_year(history):
    ytd = revenue.revenue_overview().platform.year_to_date

    # 1 Jan–15 Mar 2026 against 1 Jan–15 Mar 2025 12:00 (the 20 March payment is later)
    assert (ytd.current_minor, ytd.previous_minor) == (900 + 2900, 500 + 700)
    assert ytd.change_percent == round(100 * (3800 - 1200) / 1200, 1)


def test_last_12_months_series_and_calendar_years(history):
    with translation.override("en"):
        eur = revenue.revenue_overview().platform

    assert [m.month.strftime("%Y-%m") for m in eur.last_12_months] == [
        "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09",
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip
    assert [m.amount_minor for m in eur.last_12_months] == [0] * 10 + [2900, 900]
    assert eur.last_12_months_minor == 3800
    assert [(y.year, y.amount_minor, y.payments) for y in eur.years] == [
        (2024, 1000, 1),
        (2025, 11100, 3),
        (2026, 3800, 2),
    ]
    chart = eur.chart_data()
    assert chart["labels"][-1] == "2026-03"
    assert chart["values"][-2:] == [29.0, 9.0]
    assert eur.this_month.display == "€9.00"


def test_currencies_are_never_summed(history):
    overview = revenue.revenue_overview()

    assert [c.currency for c in overview.other_currencies] == ["USD"]
    usd = overview.other_currencies[0]
    assert usd.this_month.amount_minor == 5000
    assert usd.previous_month.amount_minor == 0
    assert [(y.year, y.amount_minor) for y in usd.years] == [(2026, 5000)]
    assert overview.platform.this_month.amount_minor == 900


def test_another_platform_currency_puts_euros_aside(history, settings):
    settings.PLATFORM_CURRENCY = "USD"

    overview = revenue.revenue_overview()

    assert overview.platform.this_month.amount_minor == 5000
    assert [c.currency for c in overview.other_currencies] == ["EUR"]


def test_months_are_utc_months_by_paid_date(business, packages, now):
    # a payment started in February but paid just after midnight UTC on 1 March
    payment_at(
        business=business,
        amount_minor=100,
        created_at=at(2026, 2, 28, 23, 0),
        paid_at=at(2026, 3, 1, 0, 0),
    )
    payment_at(business=business, amount_minor=10, created_at=at(2026, 2, 28, 23, 59, 59))

    eur = revenue.revenue_overview().platform

    assert eur.this_month.amount_minor == 100
    assert eur.previous_month.amount_minor == 10


def test_an_empty_platform_has_zeros(db, now):
    overview = revenue.revenue_overview()

    assert overview.platform.this_month.amount_minor == 0
    assert overview.platform.year_to_date.change_percent is None
    assert overview.platform.years == ()
    assert overview.other_currencies == ()
    assert overview.platform.mrr.amount_minor == 0
    assert overview.losses_this_month.count == 0
    assert overview.defaulted == 0


def test_february_29_compares_with_february_28(business, packages, time_machine):
    time_machine.move_to(at(2028, 2, 29, 18, 0), tick=False)
    payment_at(business=business, amount_minor=100, created_at=at(2027, 2, 28, 17, 0))
    payment_at(business=business, amount_minor=7, created_at=at(2027, 2, 28, 19, 0))

    ytd = revenue.revenue_overview().platform.year_to_date

    assert ytd.previous_minor == 100


# --- MRR ---------------------------------------------------------------------------------------


def _on_plan(slug, *, amount, interval="month", currency="EUR", status="active", plan="basic"):
    business = BusinessFactory(slug=slug)
    subscription = plan_subscription_for(business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        plan=Plan.objects.get(key=plan),
        status=status,
        interval=interval,
        amount_minor=amount,
        currency=currency,
    )
    return business


def test_mrr_is_the_monthly_net_of_active_and_past_due_plan_subscriptions(now):
    _on_plan("monthly", amount=4900)
    _on_plan("yearly", amount=149000, interval="year", plan="professional")  # 12416.67 → 12417
    _on_plan("rounds-down", amount=100, interval="year")  # 8.33 → 8
    _on_plan("late", amount=4900, status="past_due")
    _on_plan("trial", amount=4900, status="trialing")
    _on_plan("suspended", amount=4900, status="suspended")
    _on_plan("cancelled", amount=4900, status="cancelled")
    _on_plan("dollars", amount=5000, currency="USD")

    overview = revenue.revenue_overview()

    assert overview.platform.mrr.amount_minor == 4900 + 12417 + 8 + 4900
    assert overview.platform.paying_businesses == 4
    assert overview.platform.arr.amount_minor == 12 * (4900 + 12417 + 8 + 4900)
    usd = {c.currency: c for c in overview.other_currencies}["USD"]
    assert (usd.mrr.amount_minor, usd.paying_businesses) == (5000, 1)
    assert {s.business.slug for s in revenue.paying_subscriptions()} == {
        "monthly",
        "yearly",
        "rounds-down",
        "late",
        "dollars",
    }


def test_a_trial_that_ended_unpaid_is_not_mrr(now):
    _on_plan("monthly", amount=4900)
    _on_plan("trial-ended", amount=0, status="past_due")

    overview = revenue.revenue_overview()

    assert overview.platform.mrr.amount_minor == 4900
    assert overview.platform.paying_businesses == 1
    assert {s.business.slug for s in revenue.paying_subscriptions()} == {"monthly"}


def test_a_yearly_half_rounds_up(now):
    _on_plan("half", amount=18, interval="year")  # 1.5 → 2

    assert revenue.revenue_overview().platform.mrr.amount_minor == 2


def test_sms_package_payments_are_revenue_but_not_mrr(packages, now, business):
    payment_at(business=business, amount_minor=2900, created_at=NOW - timedelta(days=2))

    overview = revenue.revenue_overview()

    assert overview.platform.this_month.amount_minor == 2900
    assert overview.platform.mrr.amount_minor == 0


def test_subscriptions_are_counted_by_plan_and_status(now):
    _on_plan("a", amount=4900)
    _on_plan("b", amount=4900)
    _on_plan("c", amount=14900, plan="professional", status="past_due")

    counts = {(c.plan, c.status): c.count for c in revenue.revenue_overview().plans}

    assert counts[("Basic", "active")] == 2
    assert counts[("Professional", "past_due")] == 1


# --- defaults and cancellations ----------------------------------------------------------------


@pytest.fixture
def troubles(business, other_business, packages, now):
    p = {}
    p["failed_open"] = payment_at(
        business=business, status="failed", amount_minor=2900, created_at=NOW - timedelta(days=3)
    )
    p["failed_settled"] = payment_at(
        business=other_business, status="failed", created_at=NOW - timedelta(days=20)
    )
    p["settled_by"] = payment_at(business=other_business, created_at=NOW - timedelta(days=19))
    p["failed_old"] = payment_at(
        business=business, status="failed", created_at=NOW - timedelta(days=91)
    )
    p["overdue"] = payment_at(
        business=business, status="pending", amount_minor=9900, created_at=NOW - timedelta(days=15)
    )
    p["pending_in_time"] = payment_at(
        business=business, status="pending", created_at=NOW - timedelta(days=13)
    )
    p["stripe_pending"] = payment_at(
        business=business, status="pending", gateway="stripe", created_at=NOW - timedelta(days=20)
    )
    p["cancelled"] = payment_at(
        business=business, status="cancelled", created_at=NOW - timedelta(days=1)
    )
    p["cancelled_usd"] = payment_at(
        business=business,
        status="cancelled",
        amount_minor=4000,
        currency="USD",
        created_at=NOW - timedelta(days=2),
    )
    p["cancelled_feb"] = payment_at(
        business=business, status="cancelled", amount_minor=2900, created_at=at(2026, 2, 3)
    )
    return p


def test_payments_defaulted(troubles, django_assert_num_queries):
    with django_assert_num_queries(1):
        defaulted = list(revenue.payments_defaulted())
        names = {payment.business.slug for payment in defaulted}

    # failed and not followed by a paid payment; manual and pending beyond the due days
    assert defaulted == [troubles["failed_open"], troubles["overdue"]]
    assert names == {"cafe-a"}


def test_due_days_come_from_the_settings(troubles, settings):
    settings.PAYMENT_DUE_DAYS = 30

    assert list(revenue.payments_defaulted()) == [troubles["failed_open"]]


def test_a_later_paid_payment_settles_a_failure(troubles, business):
    payment_at(business=business, created_at=NOW - timedelta(hours=1))

    assert list(revenue.payments_defaulted()) == [troubles["overdue"]]


def test_losses_breakdown_by_month_of_creation(troubles):
    overview = revenue.revenue_overview()

    march = overview.losses_this_month
    assert march.month == date(2026, 3, 1)
    # failed counts every failure of the month, settled or not (it is history, not an alert)
    assert (march.failed.count, march.failed.amount_minor) == (1, 2900)
    assert march.overdue.count == 0  # the overdue one was created on 28 February
    assert (march.cancelled.count, march.cancelled.amount_minor) == (2, 900)
    assert march.cancelled.other_amounts == (revenue.Money(4000, "USD"),)
    assert [b.reason for b in march.buckets] == ["failed", "overdue", "cancelled"]
    february = overview.losses_previous_month
    assert february.month == date(2026, 2, 1)
    assert (february.failed.count, february.failed.amount_minor) == (1, 900)
    assert (february.cancelled.count, february.cancelled.amount_minor) == (1, 2900)
    assert (february.overdue.count, february.overdue.amount_minor) == (1, 9900)
    assert overview.defaulted == 2
    assert overview.due_days == 14
    with translation.override("en"):
        assert february.overdue.label == "Overdue"
        assert february.overdue.display == "€99.00"


# --- per business and the report ----------------------------------------------------------------


def test_revenue_by_business_ranks_by_revenue_in_one_currency(
    business, other_business, packages, now
):
    payment_at(business=business, amount_minor=900, created_at=at(2026, 3, 1))
    payment_at(business=business, amount_minor=900, created_at=at(2026, 3, 31, 23, 59))
    payment_at(business=other_business, amount_minor=2900, created_at=at(2026, 3, 10))
    payment_at(business=other_business, amount_minor=100, currency="USD", created_at=at(2026, 3, 9))
    payment_at(business=business, amount_minor=99999, created_at=at(2026, 4, 1))  # after
    payment_at(business=business, status="failed", created_at=at(2026, 3, 5))

    rows = revenue.revenue_by_business(since=date(2026, 3, 1), until=date(2026, 3, 31))

    assert [(r.slug, r.amount_minor, r.payments) for r in rows] == [
        ("shop-b", 2900, 1),
        ("cafe-a", 1800, 2),
    ]
    assert rows[1].last_paid_at == at(2026, 3, 31, 23, 59)
    assert rows[1].name == "Café A"
    assert [r.slug for r in revenue.revenue_by_business(since=None, until=None, limit=1)] == [
        "cafe-a"
    ]
    usd = revenue.revenue_by_business(since=None, until=None, currency="usd")
    assert [(r.slug, r.amount_minor, r.currency) for r in usd] == [("shop-b", 100, "USD")]


def test_report_rows(business, other_business, packages, now):
    payment_at(business=business, amount_minor=2900, created_at=at(2026, 2, 27, 10))
    payment_at(
        business=business, amount_minor=900, created_at=at(2026, 2, 28, 10), paid_at=at(2026, 3, 2)
    )
    payment_at(business=other_business, status="pending", created_at=at(2026, 3, 3))
    payment_at(
        business=other_business, amount_minor=500, currency="JPY", created_at=at(2026, 3, 31, 23)
    )
    payment_at(business=other_business, created_at=at(2026, 4, 1))

    with translation.override("en"):
        headers, rows = revenue.revenue_report_rows(since=date(2026, 3, 1), until=date(2026, 3, 31))
        rows = list(rows)

    assert headers == [
        "Created",
        "Paid",
        "Business",
        "Business link name",
        "Package",
        "Payment method",
        "Status",
        "Amount",
        "Currency",
        "SMS credits",
    ]
    # created or paid in March, oldest first
    assert rows == [
        [date(2026, 2, 28), date(2026, 3, 2), "Café A", "cafe-a", "Starter", "manual", "Paid",
         "9.00", "EUR", 200],
        [date(2026, 3, 3), "", "Shop B", "shop-b", "Starter", "manual", "Pending", "9.00",
         "EUR", 200],
        [date(2026, 3, 31), date(2026, 3, 31), "Shop B", "shop-b", "Starter", "manual", "Paid",
         "500", "JPY", 200],
    ]  # fmt: skip


def test_report_rows_without_a_period_list_everything(business, packages, now):
    payment_at(business=business, created_at=at(2020, 1, 1))
    payment_at(business=business, status="cancelled", created_at=at(2026, 3, 1))

    headers, rows = revenue.revenue_report_rows(since=None, until=None)

    assert [row[6] for row in rows] == ["Paid", "Cancelled"]
    assert len(headers) == 10


def test_report_headers_are_translated(db):
    with translation.override("de"):
        headers, _rows = revenue.revenue_report_rows(since=None, until=None)

    assert len(headers) == 10


# --- cost -------------------------------------------------------------------------------------


def _platform(n: int, start: int) -> None:
    for i in range(start, start + n):
        business = BusinessFactory(slug=f"biz-{i}")
        plan_subscription_for(business)
        payment_at(business=business, created_at=NOW - timedelta(days=i % 400))
        payment_at(business=business, status="failed", created_at=NOW - timedelta(days=i % 50))
        payment_at(
            business=business,
            status="pending",
            currency="USD" if i % 2 else "EUR",
            created_at=NOW - timedelta(days=i % 30),
        )


def test_overview_queries_do_not_grow_with_the_data(packages, now):
    _platform(3, 0)
    with CaptureQueriesContext(connection) as small:
        revenue.revenue_overview()

    _platform(60, 3)
    with CaptureQueriesContext(connection) as large:
        overview = revenue.revenue_overview()

    assert len(small) == len(large) <= 7
    assert overview.active_businesses == 63


def test_overview_query_budget(packages, now, django_assert_max_num_queries):
    _platform(40, 0)

    with django_assert_max_num_queries(7):
        revenue.revenue_overview()


def test_a_paid_plan_invoice_is_revenue_and_its_plan_is_mrr(now, business, staff_user):
    from kazan.billing.models import Invoice
    from kazan.billing.services.manual_plans import invoice_payment_confirm
    from kazan.billing.services.plan_changes import subscription_terms_set

    subscription_terms_set(
        business=business,
        plan=Plan.objects.get(key="basic"),
        amount_minor=4900,
        currency="EUR",
        interval="month",
        actor=staff_user,
        reason="contract",
    )
    invoice = Invoice.objects.get(business=business, status="open")
    invoice_payment_confirm(invoice=invoice, actor=staff_user)

    overview = revenue.revenue_overview()

    assert overview.platform.this_month.amount_minor == invoice.total_minor
    assert overview.platform.mrr.amount_minor == 4900
    _headers, rows = revenue.revenue_report_rows(since=None, until=None)
    assert [row[4] for row in rows] == [invoice.number]
