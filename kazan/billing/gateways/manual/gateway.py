"""The offline default: the payment stays pending until platform staff confirm that the money
arrived (bank transfer, invoice, cash) with billing.services.payment_confirm."""

from kazan.billing.gateways import CheckoutRequest, CheckoutResult, CheckoutState


class ManualGateway:
    key = "manual"
    redirects = False

    def checkout_start(self, request: CheckoutRequest) -> CheckoutResult:
        return CheckoutResult(reference="", redirect_url="")

    def checkout_state(self, reference: str) -> CheckoutState | None:
        return None  # only staff know
