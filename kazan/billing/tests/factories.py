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
