"""Sending on WhatsApp: every reply type rendered within WhatsApp's limits (the JSON the fake
Graph API received), the 24-hour customer-service window (refused before calling Meta;
templates outside it), parts of a payload never resent by a retry, Meta's error codes mapped to
retry-later or permanent failure, and the per-number throughput limit."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from kazan.channels.providers.whatsapp.graph import error_classify
from kazan.channels.providers.whatsapp.sender import throughput_wait
from kazan.channels.providers.whatsapp.testing import (
    CATALOG_ID,
    CUSTOMER_WA_ID,
    whatsapp_connected,
)
from kazan.core.errors import PermissionDenied
from kazan.customers.models import ChannelIdentity
from kazan.customers.services import identity_inbound_mark, identity_touch
from kazan.messaging.error_codes import MessagingErrorCode
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.outbox import outbox_deliver_message
from kazan.messaging.services import message_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.transports import PermanentProviderError, TransientProviderError

pytestmark = pytest.mark.django_db
HANDLE = f"+{CUSTOMER_WA_ID}"


def window_open(business, *, hours_ago: float = 0):
    identity_touch(business=business, channel="whatsapp", external_id=HANDLE)
    identity_inbound_mark(business=business, channel="whatsapp", handle=HANDLE)
    if hours_ago:
        ChannelIdentity.objects.filter(business=business, channel="whatsapp").update(
            last_inbound_at=timezone.now() - timedelta(hours=hours_ago)
        )


def send(business, *replies, key=None):
    message = message_send(
        business=business,
        channel="whatsapp",
        to=HANDLE,
        payload={"replies": list(replies)},
        purpose="transactional",
        idempotency_key=key,
    )
    tasks_run_all()
    message.refresh_from_db()
    return message


TEMPLATE = {
    "type": "template",
    "name": "order_update",
    "language": "es",
    "params": ["Ana", "#12"],
    "text": "Ana, your order #12 was shipped.",
}


# --- the customer-service window ------------------------------------------------------------


def test_free_form_outside_the_window_is_refused_before_calling_meta(business, wa, fake_graph):
    with pytest.raises(PermissionDenied) as refused:
        send(business, {"type": "text", "text": "Hello"})
    assert refused.value.code == MessagingErrorCode.WINDOW_CLOSED
    assert "24 hours" in str(refused.value.message)
    window_open(business, hours_ago=25)
    with pytest.raises(PermissionDenied):
        send(business, {"type": "text", "text": "Hello"})
    assert fake_graph.sent == [] and not OutboundMessage.objects.exists()


def test_outside_the_window_only_the_template_goes_out(business, wa, fake_graph):
    window_open(business, hours_ago=30)
    message = send(business, {"type": "text", "text": "Your order was shipped."}, TEMPLATE)
    assert message.status == Status.SENT
    assert fake_graph.sent == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CUSTOMER_WA_ID,
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"code": "es"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Ana"},
                            {"type": "text", "text": "#12"},
                        ],
                    }
                ],
            },
        }
    ]


def test_inside_the_window_the_template_is_dropped_for_the_free_form_text(business, wa, fake_graph):
    window_open(business, hours_ago=23)
    send(business, {"type": "text", "text": "Your order was shipped."}, TEMPLATE)
    assert [m["type"] for m in fake_graph.sent] == ["text"]


# --- the renderer, as the fake received it ---------------------------------------------------


def _interactive(fake_graph):
    return fake_graph.sent[-1]["interactive"]


def test_texts_are_separate_messages_and_a_long_one_is_split_at_4096(business, wa, fake_graph):
    window_open(business)
    send(business, {"type": "text", "text": "a" * 3000}, {"type": "text", "text": "b" * 1000})
    assert [len(m["text"]["body"]) for m in fake_graph.sent] == [3000, 1000]
    from kazan.channels.providers.whatsapp.render import whatsapp_messages

    parts = whatsapp_messages({"replies": [{"type": "text", "text": "c" * 5000}]})
    assert [len(p["text"]["body"]) for p in parts] == [4096, 904]


def test_up_to_three_choices_are_reply_buttons_with_short_titles(business, wa, fake_graph):
    window_open(business)
    send(
        business,
        {"type": "text", "text": "Which box?"},
        {
            "type": "choices",
            "choices": [
                {"value": "classic", "label": "Box Sicilia Clásica (45 €)"},
                {"value": "tasting", "label": "Degustación"},
                {"value": "island", "label": "Sabores de la Isla"},
            ],
        },
    )
    assert len(fake_graph.sent) == 1  # the text became the body
    interactive = _interactive(fake_graph)
    assert interactive["type"] == "button" and interactive["body"]["text"] == "Which box?"
    titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    assert titles == ["Box Sicilia Clásica ", "Degustación", "Sabores de la Isla"]
    assert all(len(title) <= 20 for title in titles)


def test_four_to_ten_choices_are_a_list(business, wa, fake_graph):
    window_open(business)
    choices = [
        {"value": f"p{n}", "label": f"Product number {n} with a long name"} for n in range(7)
    ]
    send(business, {"type": "choices", "text": "Pick one", "choices": choices})
    interactive = _interactive(fake_graph)
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows] == [f"p{n}" for n in range(7)]
    assert all(len(row["title"]) <= 24 for row in rows)
    assert rows[0]["description"]
    assert len(interactive["action"]["button"]) <= 20


def test_more_than_ten_choices_are_numbered_text(business, wa, fake_graph):
    window_open(business)
    choices = [{"value": f"p{n}", "label": f"Item {n}"} for n in range(12)]
    send(business, {"type": "choices", "text": "Pick one", "choices": choices})
    body = fake_graph.sent[-1]["text"]["body"]
    assert body.startswith("Pick one\n1. Item 0") and "12. Item 11" in body


def test_one_link_is_a_call_to_action_and_several_are_text(business, wa, fake_graph):
    window_open(business)
    link = {"label": "Pay now", "url": "https://pay.example/abc", "kind": "payment"}
    send(business, {"type": "links", "text": "Your order", "links": [link]})
    interactive = _interactive(fake_graph)
    assert interactive["type"] == "cta_url"
    assert interactive["action"] == {
        "name": "cta_url",
        "parameters": {"display_text": "Pay now", "url": "https://pay.example/abc"},
    }
    other = {"label": "Invoice", "url": "https://pay.example/inv", "kind": "invoice"}
    send(business, {"type": "links", "links": [link, other]})
    text = fake_graph.sent[-1]["text"]
    assert text["preview_url"] is True
    assert "https://pay.example/abc" in text["body"] and "https://pay.example/inv" in text["body"]


def test_an_image_is_sent_by_link_with_its_caption(business, wa, fake_graph):
    window_open(business)
    send(business, {"type": "image", "url": "https://shop.example/box.jpg", "alt": "The box"})
    assert fake_graph.sent[-1]["image"] == {
        "link": "https://shop.example/box.jpg",
        "caption": "The box",
    }


def test_a_product_uses_the_installation_s_catalog(business, wa, fake_graph):
    window_open(business)
    product = {
        "type": "product",
        "text": "Box Sicilia Clásica, 45,00 €",
        "product_id": 1,
        "retailer_id": "BOX-CLASSIC",
        "catalog_id": "",
    }
    send(business, product)
    interactive = _interactive(fake_graph)
    assert interactive["type"] == "product"
    assert interactive["action"] == {
        "catalog_id": CATALOG_ID,
        "product_retailer_id": "BOX-CLASSIC",
    }


def test_without_a_catalog_a_product_is_text(business, fake_graph):
    whatsapp_connected(business, fake_graph, catalog_id="")
    window_open(business)
    product = {"type": "product", "text": "Box, 45,00 €", "product_id": 1, "retailer_id": "B1"}
    send(business, product)
    assert fake_graph.sent[-1] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER_WA_ID,
        "type": "text",
        "text": {"preview_url": False, "body": "Box, 45,00 €"},
    }


def test_a_product_list_is_a_multi_product_message(business, wa, fake_graph):
    window_open(business)
    send(
        business,
        {
            "type": "product_list",
            "text": "Our gift boxes",
            "header": "Gift boxes",
            "catalog_id": "",
            "sections": [
                {
                    "title": "Cajas regalo",
                    "items": [
                        {"product_id": 1, "retailer_id": "BOX-1", "label": "Box 1"},
                        {"product_id": 2, "retailer_id": "BOX-2", "label": "Box 2"},
                    ],
                },
                {
                    "title": "Dulces",
                    "items": [{"product_id": 3, "retailer_id": "S-1", "label": "C"}],
                },
            ],
        },
    )
    interactive = _interactive(fake_graph)
    assert interactive["type"] == "product_list"
    assert interactive["header"] == {"type": "text", "text": "Gift boxes"}
    assert interactive["action"]["catalog_id"] == CATALOG_ID
    assert interactive["action"]["sections"] == [
        {
            "title": "Cajas regalo",
            "product_items": [
                {"product_retailer_id": "BOX-1"},
                {"product_retailer_id": "BOX-2"},
            ],
        },
        {"title": "Dulces", "product_items": [{"product_retailer_id": "S-1"}]},
    ]


def test_other_replies_are_text(business, wa, fake_graph):
    window_open(business)
    send(
        business,
        {"type": "voucher", "title": "Your voucher", "code": "ABC-123"},
        {"type": "input", "text": "Your name?", "input": "name"},
        {"type": "error", "text": "Please try again."},
    )
    bodies = [m["text"]["body"] for m in fake_graph.sent]
    assert bodies == ["Your voucher: ABC-123", "Your name?", "Please try again."]


# --- retries, errors and throughput ------------------------------------------------------------


def test_a_retry_resends_only_the_parts_meta_has_not_accepted(business, wa, fake_graph):
    window_open(business)
    replies = [
        {"type": "text", "text": "Here it is"},
        {"type": "image", "url": "https://shop.example/box.jpg"},
    ]
    message = message_send(
        business=business,
        channel="whatsapp",
        to=HANDLE,
        payload={"replies": replies},
        purpose="transactional",
    )
    # The second part meets a temporary error: the message waits for a retry.
    original = fake_graph.handle
    calls = []

    def second_fails_once(method, path, headers, body):
        if method == "POST":
            calls.append(path)
            if len(calls) == 2:
                fake_graph.fail_next(131000, status=500)
        return original(method, path, headers, body)

    fake_graph.handle = second_fails_once
    assert outbox_deliver_message(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.QUEUED, "131000")
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_deliver_message(message_id=message.pk) == "sent"
    assert [m["type"] for m in fake_graph.sent] == ["text", "image", "image"]
    message.refresh_from_db()
    assert message.provider_message_id.startswith("wamid.FAKE")


@pytest.mark.parametrize(
    ("code", "status", "outcome"),
    [
        (130429, 400, Status.QUEUED),
        (131056, 400, Status.QUEUED),
        (131000, 500, Status.QUEUED),
        (131047, 400, Status.FAILED),
        (131026, 400, Status.FAILED),
        (100, 400, Status.FAILED),
        (190, 401, Status.FAILED),
        (131051, 400, Status.FAILED),
    ],
)
def test_meta_error_codes_map_to_retry_or_failure_and_are_kept(
    business, wa, fake_graph, code, status, outcome
):
    window_open(business)
    fake_graph.fail_next(code, status=status)
    message = send(business, {"type": "text", "text": "Hello"})
    assert (message.status, message.error_code) == (outcome, str(code))


def test_error_classification_without_a_body():
    assert isinstance(error_classify(status=503, body=None), TransientProviderError)
    assert isinstance(error_classify(status=404, body="x"), PermanentProviderError)
    assert isinstance(
        error_classify(status=400, body={"error": {"code": "131049"}}), PermanentProviderError
    )


def test_timeouts_are_transient(business, wa, settings):
    settings.WHATSAPP_GRAPH_URL = "http://127.0.0.1:9"  # nothing listens there
    window_open(business)
    message = send(business, {"type": "text", "text": "Hello"})
    assert (message.status, message.error_code) == (Status.QUEUED, "network")


def test_the_throughput_limit_is_per_number(settings):
    settings.WHATSAPP_MESSAGES_PER_SECOND = 2
    throughput_wait("111", max_wait=0)
    throughput_wait("111", max_wait=0)
    with pytest.raises(TransientProviderError) as limited:
        throughput_wait("111", max_wait=0)
    assert limited.value.code == "throughput"
    throughput_wait("222", max_wait=0)  # another number has its own budget
    started = time.monotonic()
    throughput_wait("111", max_wait=2)  # waits for the next window
    assert time.monotonic() - started < 2.5


def test_a_message_over_the_throughput_goes_back_to_the_queue(
    business, wa, settings, monkeypatch, fake_graph
):
    import kazan.channels.providers.whatsapp.sender as sender

    settings.WHATSAPP_MESSAGES_PER_SECOND = 1
    monkeypatch.setattr(sender, "THROUGHPUT_WAIT_SECONDS", 0)
    window_open(business)
    message = send(business, {"type": "text", "text": "one"}, {"type": "text", "text": "two"})
    assert (message.status, message.error_code) == (Status.QUEUED, "throughput")
    assert len(fake_graph.sent) == 1  # the second part waits for the retry
