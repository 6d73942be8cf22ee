"""customer_notify / member_notify: a notice is queued once per idempotency key to the
customer's identity on the channel; without an identity, for an erased or blocked customer,
or without a chat it says why instead of raising."""

import pytest
from django.utils import timezone

from kazan.messaging.models import OutboundMessage
from kazan.messaging.notify import customer_notify, member_notify
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db


def test_a_notice_is_queued_once_to_the_identity(business):
    customer = wallet_customer(business, channel="web", handle="visitor-1")
    for _ in range(2):
        reason = customer_notify(
            business=business,
            customer=customer,
            channel="web",
            text="Your balance is low",
            idempotency_key="low:1",
            extra_replies=[{"type": "choices", "choices": [{"label": "Top up", "value": "t"}]}],
        )
        assert reason == ""
    message = OutboundMessage.objects.get()
    assert (message.channel, message.to, message.customer) == ("web", "visitor-1", customer)
    assert [reply["type"] for reply in message.payload["replies"]] == ["text", "choices"]


def test_reasons_instead_of_errors(business):
    customer = wallet_customer(business, channel="web")
    assert "no address on sms" in customer_notify(
        business=business, customer=customer, channel="sms", text="x", idempotency_key="a"
    )
    customer.blocked_at = timezone.now()
    customer.save(update_fields=["blocked_at"])
    assert "blocked" in customer_notify(
        business=business, customer=customer, channel="web", text="x", idempotency_key="b"
    )
    customer.erased_at = timezone.now()
    customer.save(update_fields=["erased_at"])
    assert "erased" in customer_notify(
        business=business, customer=customer, channel="web", text="x", idempotency_key="c"
    )
    assert customer_notify(
        business=business, customer=None, channel="web", text="x", idempotency_key="d"
    )
    assert "unknown" not in member_notify(
        business=business, channel="web", to="", text="x", idempotency_key="e"
    )
    assert not OutboundMessage.objects.exists()


def test_a_team_member_notice_goes_to_their_chat(business):
    assert (
        member_notify(
            business=business,
            channel="web",
            to="member-chat",
            text="New order",
            idempotency_key="m1",
        )
        == ""
    )
    message = OutboundMessage.objects.get()
    assert message.to == "member-chat" and message.customer is None
