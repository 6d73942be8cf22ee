import factory
from django.utils import timezone

from kazan.messaging.models import OutboundMessage, Purpose, Status
from kazan.messaging.phones import to_index
from kazan.tenancy.tests.factories import BusinessFactory

PHONE = "+4915112345678"


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    """A message row as the outbox holds it; not charged (use services.sms_send for that)."""

    class Meta:
        model = OutboundMessage

    business = factory.SubFactory(BusinessFactory)
    to = PHONE
    to_index = factory.LazyAttribute(lambda o: to_index(o.to))
    body = "Your table is ready."
    purpose = Purpose.TRANSACTIONAL
    status = Status.QUEUED
    segments = 1
    credits = 1
    idempotency_key = factory.Sequence(lambda n: f"factory-{n}")
    next_attempt_at = factory.LazyFunction(timezone.now)


def credits_given(business, amount: int = 100):
    """Gives `business` SMS credits through the real grant service."""
    from kazan.messaging.services import sms_credits_grant

    return sms_credits_grant(business=business, amount=amount, actor=None, note="test")
