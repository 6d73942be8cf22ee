"""/api/v1/messaging: balance and usage, the message list (masked), sending a transactional SMS."""

import pytest
from django.test import Client

from kazan.messaging.models import OutboundMessage
from kazan.messaging.queries import sms_balance
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, OutboundMessageFactory, credits_given
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/messaging"


def member_client(business, role: str) -> Client:
    client = Client()
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client


def send(client, payload: dict):
    return client.post(f"{BASE}/sms", payload, content_type="application/json")


def test_balance_shows_credits_and_usage(owner_client, business):
    credits_given(business, 10)
    send(owner_client, {"to": PHONE, "body": "Hello"})
    tasks_run_all()
    response = owner_client.get(f"{BASE}/balance")
    assert response.status_code == 200
    assert response.json() == {
        "credits": 9,
        "usage": {"sent": 1, "delivered": 1, "failed": 0, "pending": 0, "credits_used": 1},
    }


def test_send_queues_a_transactional_sms(owner_client, business, owner):
    credits_given(business, 10)
    response = send(owner_client, {"to": "+49 151 1234 5678", "body": "Your order is ready"})
    assert response.status_code == 201
    data = response.json()
    assert data["to"] == "+49••••678"
    assert (data["purpose"], data["status"], data["segments"]) == ("transactional", "queued", 1)
    message = OutboundMessage.objects.get(pk=data["id"])
    assert (message.business, message.to) == (business, PHONE)
    assert sms_balance(business=business) == 9


def test_send_with_idempotency_key_is_charged_once(owner_client, business):
    credits_given(business, 10)
    payload = {"to": PHONE, "body": "Hi", "idempotency_key": "order-7-ready"}
    first = send(owner_client, payload).json()
    second = send(owner_client, payload).json()
    assert first["id"] == second["id"]
    assert sms_balance(business=business) == 9


def test_no_credits_is_402_with_a_message(owner_client, business):
    response = send(owner_client, {"to": PHONE, "body": "Hi"})
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_credits"
    assert response.json()["message"]
    assert not OutboundMessage.objects.exists()


def test_invalid_number_is_400(owner_client, business):
    credits_given(business, 10)
    response = send(owner_client, {"to": "+49 000", "body": "Hi"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "Hi"},
        {"to": PHONE},
        {"to": PHONE, "body": ""},
        {"to": PHONE, "body": "x" * 1601},
        {"to": PHONE, "body": "Hi", "idempotency_key": "k" * 101},
        {"to": ["x"], "body": "Hi"},
    ],
)
def test_malformed_payload_is_422(owner_client, business, payload):
    credits_given(business, 10)
    response = send(owner_client, payload)
    assert response.status_code == 422
    assert not OutboundMessage.objects.exists()


def test_sending_needs_the_messaging_permission(business):
    credits_given(business, 10)
    agent = member_client(business, Role.AGENT)
    response = send(agent, {"to": PHONE, "body": "Hi"})
    assert response.status_code == 403
    assert not OutboundMessage.objects.exists()
    # but the agent may read the list
    assert agent.get(f"{BASE}/messages").status_code == 200


def test_manager_may_send(business):
    credits_given(business, 10)
    assert (
        send(member_client(business, Role.MANAGER), {"to": PHONE, "body": "Hi"}).status_code == 201
    )


def test_anonymous_is_401(client, business):
    assert client.get(f"{BASE}/balance").status_code == 401
    assert send(client, {"to": PHONE, "body": "Hi"}).status_code == 401


def test_message_list_is_masked_paginated_and_newest_first(owner_client, business):
    messages = [OutboundMessageFactory(business=business) for _ in range(3)]
    response = owner_client.get(f"{BASE}/messages", {"page_size": 2})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [item["id"] for item in data["items"]] == [messages[2].pk, messages[1].pk]
    assert all(item["to"] == "+49••••678" for item in data["items"])
    assert PHONE not in response.content.decode()


def test_message_list_filters_by_status(owner_client, business):
    OutboundMessageFactory(business=business, status="failed")
    OutboundMessageFactory(business=business, status="queued")
    data = owner_client.get(f"{BASE}/messages", {"status": "failed"}).json()
    assert [item["status"] for item in data["items"]] == ["failed"]
    assert owner_client.get(f"{BASE}/messages", {"status": "nonsense"}).status_code == 422


def test_another_business_never_shows_up(owner_client, business, other_business):
    credits_given(other_business, 50)
    OutboundMessageFactory(business=other_business)
    assert owner_client.get(f"{BASE}/messages").json()["count"] == 0
    assert owner_client.get(f"{BASE}/balance").json()["credits"] == 0


def test_naming_another_business_does_not_reach_it(owner_client, business, other_business):
    # A member of A who names B (X-Client-ID) has no membership there: no access to B at all
    credits_given(other_business, 50)
    OutboundMessageFactory(business=other_business)
    headers = {"X-Client-ID": other_business.client_id}
    assert owner_client.get(f"{BASE}/messages", headers=headers).status_code in (401, 403, 404)
    response = owner_client.post(
        f"{BASE}/sms",
        {"to": PHONE, "body": "Hi"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code in (401, 403, 404)
    assert sms_balance(business=other_business) == 50
