"""Meta's status webhooks (sent, delivered, read, failed with its error code) move the outbox row
forward only: repeats and late, out-of-order statuses change nothing."""

import copy

import pytest

from kazan.channels.providers.whatsapp.testing import (
    CUSTOMER_WA_ID,
    wa_fixture,
    wa_status,
    whatsapp_connected,
    whatsapp_post,
)
from kazan.customers.services import identity_inbound_mark, identity_touch
from kazan.messaging.models import Status
from kazan.messaging.services import message_send
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db
HANDLE = f"+{CUSTOMER_WA_ID}"


@pytest.fixture
def sent(business, wa, fake_graph):
    identity_touch(business=business, channel="whatsapp", external_id=HANDLE)
    identity_inbound_mark(business=business, channel="whatsapp", handle=HANDLE)
    message = message_send(
        business=business,
        channel="whatsapp",
        to=HANDLE,
        payload={"replies": [{"type": "text", "text": "Hello"}]},
        purpose="transactional",
    )
    tasks_run_all()
    message.refresh_from_db()
    assert message.status == Status.SENT
    return message


def _fixture(name: str, wamid: str) -> dict:
    payload = copy.deepcopy(wa_fixture(name))
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = wamid
    return payload


def post_status(client, payload):
    assert whatsapp_post(client, payload).status_code == 200


@pytest.mark.parametrize("name", ["status_delivered", "status_read"])
def test_delivered_and_read_mark_the_message_delivered(client, sent, name):
    post_status(client, _fixture("status_sent", sent.provider_message_id))
    post_status(client, _fixture(name, sent.provider_message_id))
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED and sent.delivered_at


def test_failed_keeps_meta_s_error_code(client, sent):
    post_status(client, _fixture("status_failed", sent.provider_message_id))
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (Status.FAILED, "131047")
    assert sent.error_message == "Re-engagement message"


def test_out_of_order_statuses_only_move_forward(client, sent):
    post_status(client, wa_status(sent.provider_message_id, "read"))
    post_status(client, wa_status(sent.provider_message_id, "sent"))
    post_status(client, wa_status(sent.provider_message_id, "failed", error_code=131026))
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED and sent.error_code == ""


def test_a_status_for_an_unknown_message_is_answered_200(client, wa):
    post_status(client, wa_status("wamid.unknown", "delivered"))


def test_a_status_through_another_business_s_number_does_not_touch_this_message(
    client, other_business, sent
):
    whatsapp_connected(
        other_business, phone_number_id="200000000000001", app_secret="f" * 32, verify_token="y" * 8
    )
    payload = wa_status(sent.provider_message_id, "failed", phone_number_id="200000000000001")
    assert whatsapp_post(client, payload, app_secret="f" * 32).status_code == 200
    sent.refresh_from_db()
    assert sent.status == Status.SENT
