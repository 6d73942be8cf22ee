"""The wallet pages: the customer page's wallet panel (balance, premium, history; adjust and
grant for wallet.adjust only), the settings form, the transactions list with filters and CSV
export, the reconciliation list with its re-check — each refusing other roles and another
business's objects."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory
from kazan.wallet import queries, services
from kazan.wallet.forms import WalletSettingsForm
from kazan.wallet.models import TokenPurchase, WalletSettings
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db


def _client_as(client, business, role):
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client


def test_the_customer_page_shows_the_wallet_and_adjusts_with_a_reason(
    owner_client, business, owner
):
    customer = wallet_customer(business, tokens=120)
    services.premium_grant(business=business, customer=customer, days=10, actor=owner)
    page = owner_client.get(f"/dashboard/customers/{customer.pk}/")
    html = page.content.decode()
    assert 'id="panel-wallet"' in html and 'data-balance="120"' in html
    assert "120 tokens" in html and 'id="wallet-adjust"' in html
    url = f"/dashboard/wallet/customers/{customer.pk}/adjust/"
    # No reason: refused with a message, nothing changes.
    answer = owner_client.post(url, {"amount": "-20", "reason": " "}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "This field is required" in answer.content.decode()
    assert queries.token_balance(business=business, customer=customer) == 120
    answer = owner_client.post(
        url, {"amount": "-20", "reason": "double order"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and 'data-balance="100"' in answer.content.decode()
    # Below zero: the ledger refuses with a clear message.
    answer = owner_client.post(url, {"amount": "-500", "reason": "oops"}, HTTP_HX_REQUEST="true")
    assert "Not enough tokens" in answer.content.decode()
    # Without htmx: back to the customer page.
    answer = owner_client.post(url, {"amount": "5", "reason": "goodwill"})
    assert answer.status_code == 302 and answer["Location"].endswith(f"/customers/{customer.pk}/")
    assert queries.token_balance(business=business, customer=customer) == 105


def test_granting_premium_from_the_customer_page(owner_client, business):
    customer = wallet_customer(business)
    url = f"/dashboard/wallet/customers/{customer.pk}/premium/"
    assert owner_client.post(url, {"days": "0"}, HTTP_HX_REQUEST="true").status_code == 200
    assert not queries.premium_is_active(business=business, customer=customer)
    answer = owner_client.post(url, {"days": "30"}, HTTP_HX_REQUEST="true")
    assert 'data-stat="premium-until"' in answer.content.decode()
    assert queries.premium_is_active(business=business, customer=customer)


@pytest.mark.parametrize("role", [Role.AGENT, Role.OPERATOR])
def test_viewers_see_the_wallet_but_cannot_change_it(client, business, role):
    customer = wallet_customer(business, tokens=10)
    client = _client_as(client, business, role)
    html = client.get(f"/dashboard/customers/{customer.pk}/").content.decode()
    assert 'id="panel-wallet"' in html and 'id="wallet-adjust"' not in html
    assert client.get("/dashboard/wallet/transactions/").status_code == 200
    assert client.get("/dashboard/wallet/reconciliation/").status_code == 200
    answer = client.post(
        f"/dashboard/wallet/customers/{customer.pk}/adjust/", {"amount": "5", "reason": "x"}
    )
    assert answer.status_code == 403
    assert (
        client.post(
            f"/dashboard/wallet/customers/{customer.pk}/premium/", {"days": "5"}
        ).status_code
        == 403
    )
    assert client.get("/dashboard/wallet/").status_code == 403
    assert client.get("/dashboard/wallet/transactions/export/").status_code == 403
    assert queries.token_balance(business=business, customer=customer) == 10


def test_another_business_customer_and_purchase_are_not_found(owner_client, other_business):
    stranger = wallet_customer(other_business, tokens=10)
    purchase = TokenPurchase.objects.create(
        business=other_business,
        customer=stranger,
        tokens=100,
        amount_minor=1000,
        currency="USD",
        gateway="manual",
    )
    answer = owner_client.post(
        f"/dashboard/wallet/customers/{stranger.pk}/adjust/", {"amount": "5", "reason": "x"}
    )
    assert answer.status_code == 404
    assert (
        owner_client.post(f"/dashboard/wallet/reconciliation/{purchase.pk}/recheck/").status_code
        == 404
    )
    assert queries.token_balance(business=other_business, customer=stranger) == 10


def test_the_settings_form_saves_prices_in_minor_units(owner_client, business):
    page = owner_client.get("/dashboard/wallet/")
    assert page.status_code == 200 and b'id="wallet-settings-form"' in page.content
    data = {
        "token_price": "0.25",
        "currency": "eur",
        "topup_amounts": "500, 100, 100",
        "topup_min": "20",
        "topup_max": "5000",
        "gateway": "stripe",
        "invoice_lifetime_minutes": "30",
        "premium_price_tokens": "400",
        "premium_price": "39.00",
        "premium_days": "30",
        "low_balance_threshold": "40",
    }
    assert owner_client.post("/dashboard/wallet/", data).status_code == 302
    saved = WalletSettings.objects.get(business=business)
    assert (saved.token_price_minor, saved.currency, saved.topup_amounts) == (25, "EUR", [100, 500])
    assert (saved.premium_price_minor, saved.low_balance_threshold) == (3900, 40)


@pytest.mark.parametrize(
    "changes",
    [
        {"topup_amounts": "100, abc"},
        {"topup_amounts": "100, ²"},
        {"topup_min": "600", "topup_max": "500"},
        {"currency": "€€€"},
        {"gateway": "nowhere"},
        {"gateway": "manual"},  # no payment page: customers could not pay
        {"token_price": "-1"},
        {"token_price": "9999999.99"},  # 1000 tokens × price overflows amount_minor
        {"token_price": "30000", "topup_max": "100000"},
        {"token_price": "0.01", "currency": "JPY"},  # rounds to 0 yen
        {"token_price": "12.34", "currency": "JPY"},  # not a whole yen
        {"premium_price": "4.50", "currency": "JPY"},
    ],
)
def test_bad_settings_are_refused_with_a_message(owner_client, business, changes):
    data = {
        "token_price": "0.10",
        "currency": "USD",
        "topup_amounts": "100, 250",
        "topup_min": "50",
        "topup_max": "1000",
        "gateway": "oxapay",
        "invoice_lifetime_minutes": "60",
        "premium_price_tokens": "500",
        "premium_price": "49",
        "premium_days": "30",
        "low_balance_threshold": "50",
        **changes,
    }
    answer = owner_client.post("/dashboard/wallet/", data)
    assert answer.status_code == 200 and b"errorlist" in answer.content
    assert not WalletSettings.objects.filter(business=business, gateway="nowhere").exists()
    assert not WalletSettings.objects.filter(business=business, gateway=data["gateway"]).exists()


def test_the_settings_form_offers_only_gateways_with_a_payment_page():
    choices = [key for key, _label in WalletSettingsForm().fields["gateway"].choices]
    assert "manual" not in choices and {"oxapay", "stripe"} <= set(choices)


def test_whole_yen_prices_are_accepted(owner_client, business):
    data = {
        "token_price": "12",
        "currency": "JPY",
        "topup_amounts": "100, 250",
        "topup_min": "50",
        "topup_max": "1000",
        "gateway": "oxapay",
        "invoice_lifetime_minutes": "60",
        "premium_price_tokens": "500",
        "premium_price": "4900",
        "premium_days": "30",
        "low_balance_threshold": "50",
    }
    assert owner_client.post("/dashboard/wallet/", data).status_code == 302
    saved = WalletSettings.objects.get(business=business)
    assert (saved.token_price_minor, saved.premium_price_minor) == (12, 4900)


def test_transactions_filter_and_export(owner_client, business, owner):
    alice = wallet_customer(business, tokens=100)
    bob = wallet_customer(business, tokens=300)
    services.tokens_adjust(
        business=business, customer=bob, amount=-50, reason="=HYPERLINK(1)", actor=owner
    )
    page = owner_client.get("/dashboard/wallet/transactions/")
    assert page.content.decode().count('class="token-entry"') == 3
    page = owner_client.get("/dashboard/wallet/transactions/", {"kind": "adjustment"})
    assert page.content.decode().count('class="token-entry"') == 1
    page = owner_client.get("/dashboard/wallet/transactions/", {"customer": alice.pk})
    assert page.content.decode().count('class="token-entry"') == 1
    bad = owner_client.get("/dashboard/wallet/transactions/", {"since": "not a date"})
    assert bad.status_code == 200 and b"errorlist" in bad.content
    export = owner_client.get("/dashboard/wallet/transactions/export/", {"customer": bob.pk})
    body = b"".join(export.streaming_content).decode()
    lines = body.strip().splitlines()
    assert export["Content-Type"].startswith("text/csv") and len(lines) == 3
    assert "'=HYPERLINK(1)" in body and "-50" in body


def test_reconciliation_lists_problems_and_rechecks(owner_client, business):
    customer = wallet_customer(business)
    stale = TokenPurchase.objects.create(
        business=business,
        customer=customer,
        tokens=100,
        amount_minor=1000,
        currency="USD",
        gateway="manual",
        expires_at=timezone.now() - dt.timedelta(hours=3),
    )
    TokenPurchase.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=3)
    )
    uncredited = TokenPurchase.objects.create(
        business=business,
        customer=customer,
        tokens=80,
        amount_minor=800,
        currency="USD",
        gateway="manual",
        status="paid",
        paid_amount_minor=800,
    )
    fresh = TokenPurchase.objects.create(
        business=business,
        customer=customer,
        tokens=5,
        amount_minor=50,
        currency="USD",
        gateway="manual",
    )
    html = owner_client.get("/dashboard/wallet/reconciliation/").content.decode()
    assert f'data-purchase="{stale.pk}" data-problem="stale"' in html
    assert f'data-purchase="{uncredited.pk}" data-problem="uncredited"' in html
    assert f'data-purchase="{fresh.pk}"' not in html
    # Re-check: the paid one is credited now, the long-expired one closes.
    owner_client.post(f"/dashboard/wallet/reconciliation/{uncredited.pk}/recheck/")
    owner_client.post(f"/dashboard/wallet/reconciliation/{stale.pk}/recheck/")
    assert queries.token_balance(business=business, customer=customer) == 80
    assert TokenPurchase.objects.get(pk=stale.pk).status == "expired"
    html = owner_client.get("/dashboard/wallet/reconciliation/").content.decode()
    assert "data-problem" not in html
