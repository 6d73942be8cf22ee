"""Billing test helpers: a business whose credits are at a given share of use."""

from kazan.billing.services import subscription_for
from kazan.messaging.services import sms_credits_grant, sms_send

PHONE = "+4915112345678"


def credits_use(*, business, granted: int, used: int) -> None:
    """Grants `granted` credits, then spends `used` of them on one-segment OTP messages."""
    subscription_for(business)
    if granted:
        sms_credits_grant(business=business, amount=granted, actor=None, note="test")
    for n in range(used):
        sms_send(business=business, to=PHONE, body=f"code {n}", purpose="otp")


def payment_at(
    *,
    business,
    status: str = "paid",
    amount_minor: int = 900,
    currency: str = "EUR",
    created_at=None,
    paid_at=None,
    closed_at=None,
    gateway: str = "manual",
    sms_credits: int = 200,
    package=None,
):
    """A payment row as the services would have left it, at the given moments (created_at is
    auto_now_add, so it is set by an update). A paid payment defaults to paid when created;
    a failed or cancelled one to closed when created."""
    from django.utils import timezone

    from kazan.billing.models import Payment
    from kazan.billing.services import package_default

    created_at = created_at or timezone.now()
    if status == "paid" and paid_at is None:
        paid_at = created_at
    if status in ("failed", "cancelled") and closed_at is None:
        closed_at = created_at
    payment = Payment.objects.create(
        business=business,
        package=package or package_default(),
        gateway=gateway,
        amount_minor=amount_minor,
        currency=currency,
        sms_credits=sms_credits,
        status=status,
        paid_at=paid_at,
        closed_at=closed_at,
    )
    Payment.objects.filter(pk=payment.pk).update(created_at=created_at)
    payment.refresh_from_db()
    return payment
