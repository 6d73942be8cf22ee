"""The Stripe gateway through the official SDK, against the local fake of Stripe's API."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kazan.billing import services
from kazan.billing.gateways import CheckoutRequest, GatewayError, gateway_get
from kazan.billing.gateways.stripe.gateway import StripeGateway
from kazan.billing.gateways.stripe.testing import SECRET_KEY, form_decode
from kazan.billing.models import Payment
from kazan.messaging.queries import sms_balance

pytestmark = pytest.mark.django_db


def _request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": 7,
        "business_id": 3,
        "package_key": "business",
        "description": "Kazan Business: 1000 SMS credits",
        "amount_minor": 2900,
        "currency": "EUR",
        "success_url": "https://kazan.example/ok",
        "cancel_url": "https://kazan.example/cancel",
        "idempotency_key": "kazan-payment-7",
    }
    return CheckoutRequest(**{**values, **overrides})


def test_form_decode_reads_stripes_bracket_encoding():
    raw = "line_items[0][price_data][currency]=eur&line_items[0][quantity]=1&metadata[a]=b&mode=x"
    assert form_decode(raw) == {
        "line_items": [{"price_data": {"currency": "eur"}, "quantity": "1"}],
        "metadata": {"a": "b"},
        "mode": "x",
    }


def test_the_sdk_creates_a_checkout_session(fake_stripe):
    gateway = StripeGateway(secret_key=SECRET_KEY, api_base=fake_stripe.url)

    result = gateway.checkout_start(_request())

    assert result.reference.startswith("cs_test_")
    assert result.redirect_url.startswith(f"{fake_stripe.url}/c/pay/cs_test_")
    [sent] = fake_stripe.creates()
    assert sent.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert sent.headers["idempotency-key"] == "kazan-payment-7"
    assert sent.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert "stripe-version" in sent.headers
    assert sent.params["mode"] == "payment"
    assert sent.params["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "eur",
                "unit_amount": "2900",
                "product_data": {"name": "Kazan Business: 1000 SMS credits"},
            },
        }
    ]
    assert sent.params["metadata"] == {"payment_id": "7", "business_id": "3", "package": "business"}
    assert sent.params["client_reference_id"] == "7"
    assert sent.params["success_url"] == "https://kazan.example/ok"
    assert fake_stripe.sessions[result.reference]["amount_total"] == 2900


def test_a_retried_create_with_the_same_key_is_the_same_session(fake_stripe):
    gateway = StripeGateway(secret_key=SECRET_KEY, api_base=fake_stripe.url)
    first = gateway.checkout_start(_request())
    second = gateway.checkout_start(_request())
    assert first.reference == second.reference
    assert len(fake_stripe.sessions) == 1


def test_the_sdk_retrieves_the_session_state(fake_stripe):
    gateway = StripeGateway(secret_key=SECRET_KEY, api_base=fake_stripe.url)
    reference = gateway.checkout_start(_request()).reference
    assert gateway.checkout_state(reference).outcome is None

    fake_stripe.complete(reference)
    state = gateway.checkout_state(reference)

    assert (state.outcome, state.amount_minor, state.currency) == ("paid", 2900, "EUR")


def test_errors_become_gateway_errors(fake_stripe):
    bad_key = StripeGateway(secret_key="sk_test_wrong", api_base=fake_stripe.url)
    with pytest.raises(GatewayError):
        bad_key.checkout_start(_request())
    gateway = StripeGateway(secret_key=SECRET_KEY, api_base=fake_stripe.url)
    with pytest.raises(GatewayError):
        gateway.checkout_state("cs_test_missing")
    fake_stripe.fail_next(status=400, type="invalid_request_error", code="parameter_invalid")
    with pytest.raises(GatewayError) as caught:
        gateway.checkout_start(_request(idempotency_key="other"))
    assert caught.value.code == "parameter_invalid"


def test_stripe_needs_a_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        gateway_get("stripe")


def test_upgrade_start_returns_the_checkout_url(
    stripe_settings, fake_stripe, business, owner, packages
):
    started = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    )

    payment = Payment.objects.get(pk=started.payment.pk)
    assert started.redirect_url.startswith(f"{fake_stripe.url}/c/pay/")
    assert payment.gateway == "stripe" and payment.status == "pending"
    assert payment.gateway_reference in fake_stripe.sessions
    [sent] = fake_stripe.creates()
    assert sent.params["success_url"] == (
        f"https://kazan.example/dashboard/billing/payments/{payment.pk}/?checkout=success"
    )
    assert sent.params["metadata"]["payment_id"] == str(payment.pk)
    assert sms_balance(business=business) == 0


def test_an_unreachable_stripe_fails_the_payment_with_a_clear_error(
    stripe_settings, fake_stripe, business, owner, packages
):
    fake_stripe.fail_next(status=500, times=5)
    with pytest.raises(services.PaymentGatewayUnavailable):
        services.package_upgrade_start(business=business, package=packages["pro"], actor=owner)
    assert Payment.objects.get(business=business).status == "failed"


def test_the_upgrade_page_sends_the_payer_to_checkout(
    stripe_settings, fake_stripe, owner_client, business, packages
):
    page = owner_client.get("/dashboard/billing/")
    assert fake_stripe.url in page["Content-Security-Policy"]

    response = owner_client.post("/dashboard/billing/upgrade/", {"package": packages["pro"].pk})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake_stripe.url}/c/pay/cs_test_")

    htmx = owner_client.post(
        "/dashboard/billing/upgrade/", {"package": packages["pro"].pk}, HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"].startswith(f"{fake_stripe.url}/c/pay/")


def test_the_return_page_reconciles_with_stripe(
    stripe_settings, fake_stripe, owner_client, business, packages
):
    """The payer comes back before the webhook: the page asks Stripe and credits once."""
    owner_client.post("/dashboard/billing/upgrade/", {"package": packages["business"].pk})
    payment = Payment.objects.get(business=business)
    fake_stripe.complete(payment.gateway_reference)

    url = f"/dashboard/billing/payments/{payment.pk}/?checkout=success"
    assert "Paid" in owner_client.get(url).content.decode()
    owner_client.get(url)

    assert sms_balance(business=business) == 1000


def test_a_misconfigured_gateway_is_a_clear_503_not_a_500(
    settings, owner_client, business, packages
):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = ""

    assert owner_client.get("/dashboard/billing/").status_code == 200
    response = owner_client.post("/dashboard/billing/upgrade/", {"package": packages["pro"].pk})

    assert response.status_code == 503
    assert "cannot be reached right now" in response.content.decode()
    assert not Payment.objects.exists()
