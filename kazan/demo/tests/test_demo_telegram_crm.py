"""The demo's TeleKpr-style business (demo_load's third): Telegram customers with registered,
encrypted profiles and consent, the seed's packages, wallets whose balances are their ledgers,
premium subscribers, two months of queue orders in every status (both lanes, the operator's,
a rerun, cancellations refunded), two purchases for the reconciliation page; loaded again it
changes nothing; nothing was sent; the owner's and the operator's logins open their pages."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from kazan.commerce.models import Order, Package
from kazan.customers.models import ConsentRecord, Customer, CustomerProfile
from kazan.demo.telegram_crm import CRM_OPERATOR, CRM_OWNER, CRM_SLUG, PEOPLE, telegram_crm_load
from kazan.messaging.models import OutboundMessage
from kazan.tenancy.models import Business
from kazan.wallet.models import PremiumPeriod, TokenAccount, TokenEntry, TokenPurchase
from kazan.wallet.queries import premium_is_active, purchases_to_reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(staff_user):
    telegram_crm_load(staff=staff_user)
    return Business.objects.get(slug=CRM_SLUG)


def test_customers_registered_with_encrypted_profiles_and_consent(crm):
    assert (crm.name, crm.country, crm.currency) == ("Site Registration Service", "US", "USD")
    customers = Customer.objects.filter(business=crm)
    assert customers.count() == len(PEOPLE) == 40
    assert {i.channel for c in customers for i in c.identities.all()} == {"telegram"}
    profiles = CustomerProfile.objects.filter(business=crm)
    assert profiles.count() == 43  # three customers registered a second person
    assert ConsentRecord.objects.filter(
        business=crm, purpose="data_processing", granted=True
    ).count() == len(PEOPLE)
    emily = profiles.get(first_name="Emily")
    assert emily.email == "emily.carter@example.com" and emily.phone_e164.startswith("+1512555")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone_e164, address FROM customers_customerprofile WHERE id = %s",
            [emily.pk],
        )
        raw = " ".join(cursor.fetchone())
    assert "example.com" not in raw and "Congress" not in raw and "+1512" not in raw
    # Customers joined over the two months (the user-growth chart climbs).
    oldest = customers.order_by("created_at").first().created_at
    assert timezone.now() - oldest > dt.timedelta(days=45)


def test_wallets_premium_and_reconciliation(crm):
    assert Package.objects.filter(business=crm).count() == 9
    for account in TokenAccount.objects.filter(business=crm):
        entries = TokenEntry.objects.filter(account=account)
        assert account.balance == sum(e.amount for e in entries) >= 0
    kinds = Counter(TokenEntry.objects.filter(business=crm).values_list("kind", flat=True))
    assert kinds["purchase"] >= 40 and kinds["order"] >= 50 and kinds["adjustment"] == 3
    assert kinds["premium"] == 5 and kinds["refund"] >= 1
    premium = {p.customer for p in PremiumPeriod.objects.filter(business=crm)}
    assert sum(premium_is_active(business=crm, customer=c) for c in premium) == 6
    purchases = TokenPurchase.objects.filter(business=crm)
    assert {p.gateway for p in purchases} == {"oxapay"}
    trouble = purchases_to_reconcile(
        business=crm, stale_before=timezone.now() - dt.timedelta(hours=6)
    )
    assert sorted(row.problem for row in trouble) == ["mismatch", "stale"]


def test_orders_in_every_queue_status_over_two_months(crm):
    orders = Order.objects.filter(business=crm)
    statuses = Counter(orders.values_list("status", flat=True))
    assert set(statuses) == {"pending", "processing", "assigned", "completed", "cancelled"}
    assert orders.count() > 50 and {o.payment_method for o in orders} == {"tokens"}
    assert orders.filter(priority=True).exists() and orders.filter(priority=False).exists()
    operator = orders.filter(status="assigned").first().operator
    assert operator.email == CRM_OPERATOR[0]
    assert orders.filter(rerun_of__isnull=False).count() == 1
    assert orders.filter(email_confirmation=True).exists()
    for order in orders.filter(status="cancelled"):
        assert TokenEntry.objects.filter(
            business=crm, kind="refund", reference=f"order:{order.pk}"
        ).exists()
    days = (timezone.now() - orders.order_by("created_at").first().created_at).days
    assert 55 <= days <= 60
    # Queue positions run 1…n over the waiting orders (the priority lane first).
    waiting = orders.filter(queue_rank__isnull=False)
    assert waiting.count() == statuses["pending"] + statuses["processing"]
    # The demo never messages anyone: no bot is connected.
    assert not OutboundMessage.objects.filter(business=crm).exists()


def test_loading_again_changes_nothing(crm, staff_user):
    counts = (
        Order.objects.count(),
        Customer.objects.count(),
        TokenEntry.objects.count(),
        TokenPurchase.objects.count(),
    )
    telegram_crm_load(staff=staff_user)
    assert (
        Order.objects.count(),
        Customer.objects.count(),
        TokenEntry.objects.count(),
        TokenPurchase.objects.count(),
    ) == counts


def test_the_owner_and_the_operator_sign_in(crm, client):
    client.post("/accounts/login/", {"email": CRM_OWNER[0], "password": CRM_OWNER[2]})
    for path in ("/dashboard/crm/", "/dashboard/queue/", "/dashboard/crm/users/"):
        assert client.get(path).status_code == 200, path
    page = client.get("/dashboard/queue/").content.decode()
    waiting = Order.objects.filter(business=crm, status="pending").first()
    assert f"/dashboard/queue/{waiting.pk}/" in page
    client.logout()
    client.post("/accounts/login/", {"email": CRM_OPERATOR[0], "password": CRM_OPERATOR[2]})
    assert client.get("/dashboard/queue/mine/").status_code == 200
