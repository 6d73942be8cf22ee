"""The `agent` step through conversation_receive: the gates in seed 002's order (registered →
consent → engine), the hand-off on request and after failed turns, the WhatsApp order message,
the counters, and the shop flow's binding."""

import pytest
from django.utils import timezone, translation

from kazan.agent.models import AgentSettings
from kazan.agent.services import shop_flow_ensure
from kazan.agent.step import consent_text
from kazan.agent.tests.helpers import links, say, texts
from kazan.analytics.models import Event
from kazan.conversations.editor.queries import bindings_by_channel
from kazan.conversations.queries import conversation_for_handle
from kazan.customers.queries import consent_is_granted
from kazan.customers.services import customer_get_or_create_by_phone, identity_attach
from kazan.links.models import SecureLink

pytestmark = pytest.mark.django_db
PHONE = "+34600111222"


def _events(business, kind):
    return Event.objects.filter(business=business, kind=kind).count()


def test_unregistered_customer_gets_a_registration_link_only(shop_business, shop):
    replies = say(shop_business, "Añade dos cannoli al carrito")
    assert len(links(replies)) == 1
    link = SecureLink.objects.get(business=shop_business)
    assert link.purpose == "registration" and link.channel == "whatsapp" and link.single_use
    hours = (link.expires_at - timezone.now()).total_seconds() / 3600
    assert 23.9 < hours <= 24
    assert _events(shop_business, "agent_tool_call") == 0  # no tool ran for a stranger
    # Another message: a new link (the old one revoked).
    say(shop_business, "hola?")
    assert SecureLink.objects.filter(business=shop_business, revoked_at__isnull=True).count() == 1


def test_registered_without_consent_is_asked_and_the_answer_recorded(shop_business, shop):
    customer, _ = customer_get_or_create_by_phone(
        business=shop_business, phone=PHONE, name="Ana Ruiz", channel="whatsapp"
    )
    identity_attach(business=shop_business, customer=customer, channel="whatsapp",
                    external_id=PHONE)  # fmt: skip
    customer.registered_at = timezone.now()
    customer.save(update_fields=["registered_at"])
    replies = say(shop_business, "Hola")
    with translation.override("es"):
        assert consent_text() % {"business": shop_business.name} in texts(replies)
    choices = next(r for r in replies if r["type"] == "choices")
    assert [c["value"] for c in choices["choices"]] == ["consent_yes", "consent_no"]
    say(shop_business, "", payload={"choice": "consent_no"})
    assert not consent_is_granted(
        business=shop_business, customer=customer, purpose="data_processing"
    )
    say(shop_business, "", payload={"choice": "consent_yes"})
    assert consent_is_granted(business=shop_business, customer=customer, purpose="data_processing")
    record = customer.consents.filter(purpose="data_processing").latest("id")
    assert record.wording.text.startswith("Before we go on") or record.wording.text
    # Now the engine answers.
    replies = say(shop_business, "¿Qué categorías tienen?")
    assert "Cajas regalo" in texts(replies)


def test_handoff_on_request(shop_business, shop, shopper):
    say(shop_business, "Hola")
    say(shop_business, "Quiero hablar con una persona")
    thread = conversation_for_handle(business=shop_business, channel="whatsapp", handle=PHONE)
    assert thread.status == "open" and thread.session.end_reason == "handoff"
    assert _events(shop_business, "handoff") == 1
    # The bot is quiet now: a person answers.
    assert say(shop_business, "¿hola?") == []


def test_handoff_after_failed_turns(shop_business, shop, shopper):
    AgentSettings.objects.create(business=shop_business, handoff_after_failures=2)
    say(shop_business, "Hola")
    first = say(shop_business, "¿Qué tiempo hace hoy en Madrid?")
    assert texts(first)
    say(shop_business, "¿Cuál es la capital de Francia?")
    thread = conversation_for_handle(business=shop_business, channel="whatsapp", handle=PHONE)
    assert thread.session.end_reason == "handoff"
    assert _events(shop_business, "agent_failed") == 2
    assert _events(shop_business, "agent_turn") == 3


def test_a_success_resets_the_failures(shop_business, shop, shopper):
    AgentSettings.objects.create(business=shop_business, handoff_after_failures=2)
    say(shop_business, "write me a poem")
    say(shop_business, "¿Qué categorías tienen?")
    say(shop_business, "write me a joke")
    thread = conversation_for_handle(business=shop_business, channel="whatsapp", handle=PHONE)
    assert thread.session.ended_at is None


def test_whatsapp_order_message_makes_the_cart_and_offers_the_order(shop_business, shop, shopper):
    order = {
        "catalog_id": "CAT1",
        "items": [
            {"retailer_id": "SIC-CANNOLI", "quantity": 2, "item_price": "18", "currency": "EUR"},
            {"retailer_id": "UNKNOWN", "quantity": 1, "item_price": "1", "currency": "EUR"},
        ],
    }
    replies = say(shop_business, "", payload={"order": order})
    assert "Cannoli" in texts(replies)
    replies = say(shop_business, "sí")
    assert links(replies) and "Cannoli" in texts(replies)


def test_shop_flow_ensure_binds_whatsapp_once(business):
    shop_flow_ensure(business=business)
    shop_flow_ensure(business=business)
    binding = bindings_by_channel(business=business)["whatsapp"]
    assert binding.flow.key == "shop"
    assert binding.flow.current_version.definition["steps"]["agent"]["type"] == "agent"


def test_a_widget_visitor_is_told_shopping_is_on_whatsapp(shop_business, shop):
    from kazan.conversations.editor.services import flow_bind

    flow = bindings_by_channel(business=shop_business)["whatsapp"].flow
    flow_bind(business=shop_business, flow=flow, channel="widget", restart_keywords=[],
              actor=None)  # fmt: skip
    replies = say(shop_business, "hola", channel="widget", phone="visitor-token-1")
    assert texts(replies) and not links(replies)


def test_a_switched_off_assistant_passes_the_customer_to_the_team(shop_business, shop, shopper):
    AgentSettings.objects.create(business=shop_business, enabled=False)
    replies = say(shop_business, "Añade dos cannoli")
    assert texts(replies)
    thread = conversation_for_handle(business=shop_business, channel="whatsapp", handle=PHONE)
    assert thread.session.end_reason == "handoff"
    assert _events(shop_business, "agent_tool_call") == 0
