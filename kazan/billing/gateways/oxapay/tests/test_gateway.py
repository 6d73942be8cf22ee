"""The OxaPay gateway against the local fake speaking OxaPay's v1 wire format: the invoice
request OxaPay documents, errors as GatewayError without secrets, the payment-information
call, and the business's own merchant key instead of the platform's."""

import logging

import pytest
from django.db import connection

from kazan.billing import services
from kazan.billing.gateways import CheckoutRequest, GatewayError, gateway_get
from kazan.billing.gateways.oxapay.gateway import amount_to_minor, status_outcome
from kazan.billing.gateways.oxapay.testing import MERCHANT_KEY
from kazan.billing.gateways.oxapay.tests.conftest import BUSINESS_KEY, OTHER_KEY
from kazan.billing.models import GatewayAccount, GatewayCheckout
from kazan.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _request(business, **changes) -> CheckoutRequest:
    fields = {
        "payment_id": 7,
        "business_id": business.pk,
        "package_key": "",
        "description": "100 tokens",
        "amount_minor": 1250,
        "currency": "USD",
        "success_url": "https://kazan.example/back",
        "cancel_url": "https://kazan.example/cancel",
        "idempotency_key": "kazan-purchase-7",
        "metadata": {"kind": "wallet", "purchase_id": "7"},
    }
    return CheckoutRequest(**{**fields, **changes})


def test_an_invoice_is_created_with_the_documented_request(oxapay_settings, fake_oxapay, business):
    result = gateway_get("oxapay").checkout_start(_request(business))

    [sent] = fake_oxapay.creates()
    assert sent.path == "/v1/payment/invoice"
    assert sent.headers["merchant_api_key"] == MERCHANT_KEY
    assert sent.headers["content-type"] == "application/json"
    assert sent.json == {
        "amount": 12.5,
        "currency": "USD",
        "lifetime": 60,
        "fee_paid_by_payer": 0,
        "under_paid_coverage": 0,
        "callback_url": "https://kazan.example/hooks/oxapay/",
        "return_url": "https://kazan.example/back",
        "order_id": "kazan-purchase-7",
        "description": "100 tokens",
        "sandbox": False,
    }
    assert result.reference in fake_oxapay.invoices
    assert result.redirect_url == f"https://pay.oxapay.com/13355581/{result.reference}"
    checkout = GatewayCheckout.objects.get(gateway="oxapay", reference=result.reference)
    assert checkout.business == business and checkout.account is None


def test_sandbox_and_lifetime_come_from_the_settings(oxapay_settings, fake_oxapay, business):
    oxapay_settings.OXAPAY_SANDBOX = True
    oxapay_settings.OXAPAY_INVOICE_LIFETIME_MINUTES = 30
    gateway_get("oxapay").checkout_start(_request(business))
    [sent] = fake_oxapay.creates()
    assert sent.json["sandbox"] is True and sent.json["lifetime"] == 30


@pytest.mark.parametrize(
    ("status", "key", "code"),
    [(500, "internal_error", "internal_error"), (503, "", "http_503")],
)
def test_provider_errors_become_gateway_errors(
    oxapay_settings, fake_oxapay, business, status, key, code
):
    fake_oxapay.fail_next(status=status, key=key)
    with pytest.raises(GatewayError) as caught:
        gateway_get("oxapay").checkout_start(_request(business))
    assert caught.value.code == code or caught.value.code == "server_error"


def test_a_wrong_key_is_a_gateway_error_that_never_shows_the_key(
    oxapay_settings, fake_oxapay, business, caplog
):
    oxapay_settings.OXAPAY_MERCHANT_API_KEY = "OXA-NOT-A-REAL-KEY-99999999"
    with caplog.at_level(logging.DEBUG), pytest.raises(GatewayError) as caught:
        gateway_get("oxapay").checkout_start(_request(business))
    assert caught.value.code == "merchant_api_key"
    assert "OXA-NOT-A-REAL-KEY" not in caught.value.message
    assert "OXA-NOT-A-REAL-KEY" not in caplog.text
    assert not GatewayCheckout.objects.exists()


def test_an_unreachable_provider_is_a_gateway_error(oxapay_settings, business):
    oxapay_settings.OXAPAY_API_URL = "http://127.0.0.1:9"  # discard port: refused
    with pytest.raises(GatewayError) as caught:
        gateway_get("oxapay").checkout_start(_request(business))
    assert caught.value.code == "unreachable"


def test_no_key_at_all_is_a_gateway_error_without_a_call(oxapay_settings, fake_oxapay, business):
    oxapay_settings.OXAPAY_MERCHANT_API_KEY = ""
    with pytest.raises(GatewayError) as caught:
        gateway_get("oxapay").checkout_start(_request(business))
    assert caught.value.code == "not_configured"
    assert fake_oxapay.requests == []


def test_an_amount_oxapay_refuses_is_a_gateway_error(oxapay_settings, fake_oxapay, business):
    with pytest.raises(GatewayError) as caught:
        gateway_get("oxapay").checkout_start(_request(business, amount_minor=0))
    assert caught.value.code == "amount"


def test_checkout_state_reads_the_payment_information(oxapay_settings, fake_oxapay, business):
    gateway = gateway_get("oxapay")
    reference = gateway.checkout_start(_request(business)).reference

    opened = gateway.checkout_state(reference)
    assert (opened.outcome, opened.gateway_status) == (None, "new")
    fake_oxapay.status_set(reference, "Paying")
    assert gateway.checkout_state(reference).outcome is None
    fake_oxapay.status_set(reference, "Paid")
    paid = gateway.checkout_state(reference)

    assert (paid.reference, paid.outcome, paid.amount_minor, paid.currency) == (
        reference,
        "paid",
        1250,
        "USD",
    )
    [info] = [r for r in fake_oxapay.requests if r.method == "GET"][-1:]
    assert info.path == f"/v1/payment/{reference}"
    assert info.headers["merchant_api_key"] == MERCHANT_KEY


def test_an_unknown_track_id_is_a_gateway_error(oxapay_settings, fake_oxapay, business):
    with pytest.raises(GatewayError):
        gateway_get("oxapay").checkout_state("999")


def test_the_request_s_lifetime_reaches_the_invoice(oxapay_settings, fake_oxapay, business):
    gateway_get("oxapay").checkout_start(_request(business, lifetime_minutes=25))
    gateway_get("oxapay").checkout_start(_request(business, idempotency_key="kazan-purchase-8"))

    first, second = fake_oxapay.creates()
    assert first.json["lifetime"] == 25
    assert second.json["lifetime"] == 60  # the setting's


def test_a_package_checkout_uses_the_platform_key_despite_an_own_account(
    oxapay_settings, fake_oxapay, business, owner
):
    services.gateway_account_save(
        business=business,
        gateway="oxapay",
        credentials={"merchant_api_key": BUSINESS_KEY},
        actor=owner,
    )
    gateway = gateway_get("oxapay")

    gateway.checkout_start(_request(business, package_key="business", metadata={}))
    gateway.checkout_start(_request(business, idempotency_key="o-1", metadata={"kind": "order"}))

    package, order = fake_oxapay.creates()
    assert package.headers["merchant_api_key"] == MERCHANT_KEY
    assert package.json["callback_url"] == "https://kazan.example/hooks/oxapay/"
    assert order.headers["merchant_api_key"] == BUSINESS_KEY


def test_a_business_with_its_own_account_uses_its_key(
    oxapay_settings, fake_oxapay, business, other_business, owner
):
    services.gateway_account_save(
        business=business,
        gateway="oxapay",
        credentials={"merchant_api_key": BUSINESS_KEY},
        actor=owner,
    )
    account = GatewayAccount.objects.get(business=business)
    gateway = gateway_get("oxapay")

    own = gateway.checkout_start(_request(business))
    platform = gateway.checkout_start(_request(other_business))

    first, second = fake_oxapay.creates()
    assert first.headers["merchant_api_key"] == BUSINESS_KEY
    assert first.json["callback_url"] == (f"https://kazan.example/hooks/oxapay/{account.hook_key}/")
    assert second.headers["merchant_api_key"] == MERCHANT_KEY
    assert second.json["callback_url"] == "https://kazan.example/hooks/oxapay/"
    # The payment information is asked with the key each invoice was made with.
    assert gateway.checkout_state(own.reference).gateway_status == "new"
    assert gateway.checkout_state(platform.reference).gateway_status == "new"
    assert fake_oxapay.requests[-2].headers["merchant_api_key"] == BUSINESS_KEY
    assert fake_oxapay.requests[-1].headers["merchant_api_key"] == MERCHANT_KEY


def test_the_account_is_saved_encrypted_and_checked(business, owner):
    assert not services.gateway_account_configured(business=business, gateway="oxapay")
    services.gateway_account_save(
        business=business,
        gateway="oxapay",
        credentials={"merchant_api_key": OTHER_KEY},
        actor=owner,
    )
    account = GatewayAccount.objects.get(business=business)
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM billing_gatewayaccount WHERE id = %s", [account.pk])
        [raw] = cursor.fetchone()
    assert raw.startswith("v1:") and OTHER_KEY not in raw  # ciphertext at rest
    assert services.gateway_account_configured(business=business, gateway="oxapay")

    hook_key = account.hook_key
    services.gateway_account_save(
        business=business,
        gateway="oxapay",
        credentials={"merchant_api_key": BUSINESS_KEY},
        actor=owner,
    )
    account.refresh_from_db()
    assert account.credential("merchant_api_key") == BUSINESS_KEY
    assert account.hook_key == hook_key  # the callback URL OxaPay knows does not change
    assert GatewayAccount.objects.count() == 1


@pytest.mark.parametrize("key", ["", "   ", "two words", "ключ", "x" * 201])
def test_a_malformed_key_is_refused(business, owner, key):
    with pytest.raises(ValidationFailed):
        services.gateway_account_save(
            business=business,
            gateway="oxapay",
            credentials={"merchant_api_key": key},
            actor=owner,
        )
    assert not GatewayAccount.objects.exists()


def test_a_gateway_without_accounts_is_refused(business, owner):
    from kazan.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.gateway_account_save(
            business=business, gateway="stripe", credentials={"key": "x"}, actor=owner
        )


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("new", None),
        ("Waiting", None),
        ("Confirming", None),
        ("Paying", None),
        ("underpaid", None),
        ("Paid", "paid"),
        ("manual_accept", "paid"),
        ("Expired", "expired"),
        ("Failed", "failed"),
        ("refunding", "cancelled"),
        ("Refunded", "cancelled"),
        ("Cancelled", "cancelled"),
        ("something new", None),
    ],
)
def test_statuses_are_normalised_in_one_place(status, outcome):
    assert status_outcome(status) == outcome


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (12.5, "USD", 1250),
        ("12.50", "EUR", 1250),
        (10, "USD", 1000),
        (500, "JPY", 500),
        (12.345, "USD", None),
        ("abc", "USD", None),
        (True, "USD", None),
        (None, "USD", None),
        (-1, "USD", None),
    ],
)
def test_amounts_become_minor_units_only_when_exact(amount, currency, minor):
    assert amount_to_minor(amount, currency) == minor


def test_the_upgrade_page_sends_the_payer_to_the_oxapay_invoice(
    oxapay_settings, fake_oxapay, owner_client, business, packages
):
    oxapay_settings.PAYMENT_GATEWAY = "oxapay"
    page = owner_client.get("/dashboard/billing/")
    assert "https://pay.oxapay.com" in page["Content-Security-Policy"]

    response = owner_client.post("/dashboard/billing/upgrade/", {"package": packages["pro"].pk})

    assert response.status_code == 302
    assert response["Location"].startswith("https://pay.oxapay.com/")
    [sent] = fake_oxapay.creates()
    assert (sent.json["amount"], sent.json["currency"]) == (99.0, "EUR")
