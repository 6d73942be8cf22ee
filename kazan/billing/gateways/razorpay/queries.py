"""Reads of the Razorpay Checkout callback. The callback is not tied to a session (Razorpay
POSTs it cross-site, without our cookies): a verified signature names the order or the
subscription, and that alone finds it."""

from kazan.billing.models import Payment, PlanSubscription

GATEWAY = "razorpay"


def payment_for_order(*, order_id: str) -> Payment | None:
    return (
        Payment.objects.select_related("business", "package")
        .filter(gateway=GATEWAY, gateway_reference=order_id)
        .first()
    )


def subscription_for_gateway_id(*, gateway_subscription_id: str) -> PlanSubscription | None:
    return PlanSubscription.objects.filter(
        gateway=GATEWAY, gateway_subscription_id=gateway_subscription_id
    ).first()
