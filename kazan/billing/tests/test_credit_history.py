"""The credit history on the dashboard's SMS package page: the ledger for people, with sends
summed per day and source, scoped to the business, a fixed number of queries per page."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kazan.billing import services
from kazan.billing.queries import credit_history
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.factories import PHONE, credits_use
from kazan.messaging.services import sms_credits_adjust, sms_credits_grant, sms_send
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db


def _history(business):
    return credit_history(business=business)[1]


def test_history_lists_allowance_purchase_correction_and_sums_sends_per_day(
    business, owner, staff_user, packages, time_machine
):
    time_machine.move_to(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), tick=False)
    services.allowance_grant(business=business)
    time_machine.move_to(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), tick=False)
    payment = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment
    services.payment_confirm(payment=payment, actor=staff_user)
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), tick=False)
    for n in range(3):
        sms_send(business=business, to=PHONE, body=f"code {n}", purpose="otp")
    sms_send(business=business, to=PHONE, body="x" * 200, purpose="transactional")  # 2 parts
    sms_credits_adjust(business=business, amount=-5, actor=staff_user, note="double charge")

    rows = _history(business)

    assert [(r.kind, r.source, r.amount, r.count, r.balance_after) for r in rows] == [
        ("adjustment", "", -5, 1, 1190),
        ("send", "message", -2, 1, 1195),
        ("send", "otp", -3, 3, 1197),
        ("purchase", "", 1000, 1, 1200),
        ("allowance", "", 200, 1, 200),
    ]
    assert rows[3].payment_id == payment.pk
    assert rows[0].day.isoformat() == "2026-12-03"


def test_history_days_are_the_businesss_own(business, time_machine):
    Business.objects.filter(pk=business.pk).update(timezone="Asia/Tokyo")
    business.refresh_from_db()
    time_machine.move_to(datetime(2026, 12, 1, 20, 0, tzinfo=UTC), tick=False)  # 05:00 in Tokyo
    sms_credits_grant(business=business, amount=10, actor=None, note="gift")

    assert _history(business)[0].day.isoformat() == "2026-12-02"


def test_page_shows_the_history_translated_and_grouped(client, business, packages):
    from kazan.tenancy.models import Role
    from kazan.tenancy.tests.factories import MembershipFactory

    Business.objects.filter(pk=business.pk).update(language="de")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    owner.language = "de"
    owner.save()
    client.force_login(owner)
    credits_use(business=business, granted=1500, used=2)

    page = client.get("/dashboard/billing/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert 'id="credit-history"' in page
    assert 'data-history="send-otp"' in page and 'data-history="grant"' in page
    assert "1.498" in page  # the balance after, grouped the German way
    assert "+1.500" in page


def test_history_is_scoped_to_the_business(owner_client, business, other_business):
    sms_credits_grant(business=other_business, amount=777, actor=None, note="theirs")
    sms_credits_grant(business=business, amount=12, actor=None, note="ours")

    page = owner_client.get("/dashboard/billing/").content.decode()

    assert "+12<" in page
    assert "777" not in page


def test_history_costs_the_same_queries_for_5_or_60_lines(owner_client, business, staff_user):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get("/dashboard/billing/").status_code == 200
        return len(captured)

    plan_subscription_for(business)  # the first visit would start the plan's trial (once)
    for n in range(5):
        sms_credits_adjust(business=business, amount=n + 1, actor=staff_user, note="x")
    few = queries_for_page()
    for n in range(55):
        sms_credits_adjust(business=business, amount=n + 1, actor=staff_user, note="x")
    many = queries_for_page()

    assert few == many


def test_history_pages(owner_client, business, staff_user):
    for n in range(30):
        sms_credits_adjust(business=business, amount=n + 1, actor=staff_user, note="x")

    first = owner_client.get("/dashboard/billing/").content.decode()
    second = owner_client.get("/dashboard/billing/?page=2").content.decode()
    junk = owner_client.get("/dashboard/billing/?page=abc")

    assert first.count('data-history="adjustment"') == 25
    assert second.count('data-history="adjustment"') == 5
    assert junk.status_code == 200
    assert "Correction by Kazan" in first and ">x<" not in first  # the staff note stays inside
