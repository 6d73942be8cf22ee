"""The manual gateway: the offline default, nothing leaves the machine."""

from kazan.billing.gateways import CheckoutRequest, gateway_get, gateway_keys
from kazan.billing.gateways.manual.gateway import ManualGateway


def test_manual_is_the_default_and_every_gateway_is_registered(settings):
    settings.PAYMENT_GATEWAY = "manual"
    assert isinstance(gateway_get(), ManualGateway)
    assert gateway_keys() == ["manual", "oxapay", "razorpay", "stripe"]


def test_manual_checkout_has_no_reference_and_no_redirect():
    result = ManualGateway().checkout_start(
        CheckoutRequest(
            payment_id=1,
            business_id=1,
            package_key="pro",
            description="Pro",
            amount_minor=9900,
            currency="EUR",
            success_url="",
            cancel_url="",
            idempotency_key="k",
        )
    )
    assert (result.reference, result.redirect_url) == ("", "")
    assert ManualGateway().checkout_state("") is None
