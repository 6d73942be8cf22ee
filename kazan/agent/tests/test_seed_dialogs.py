"""Seed 002's two Spanish dialogs through conversation_receive with the local engine: the
registration link, the registration (customer_register) and the thank-you, then the Sicilian
gift boxes by budget and preference, the pistachio cream answered from the catalog, and the
order with a secure payment link."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from kazan.agent.engines.local import GIFT_QUESTIONS, _offer_order
from kazan.agent.models import AgentToolCall
from kazan.agent.step import privacy_text, registration_text, thanks_registered_text
from kazan.agent.tests.helpers import links, say, texts
from kazan.agent.tools.talk import generic_text
from kazan.analytics.models import Event
from kazan.commerce.models import Order
from kazan.customers.queries import customer_by_identity

pytestmark = pytest.mark.django_db


def es(message):
    """A reply's text as a Spanish customer reads it (our msgids are translated after the
    merge: the tests compare with whatever the catalog says today)."""
    with translation.override("es"):
        return message()


PHONE = "+34600111222"


def test_registration_dialog(shop_business, shop, django_capture_on_commit_callbacks, monkeypatch):
    from kazan.agent import shop as shop_module
    from kazan.customers.services.registration import customer_register
    from kazan.links.events import registered_notify_on_commit

    replies = say(shop_business, "Hola, me gustaría comprar algunos productos.")
    assert texts(replies).startswith(es(registration_text))
    [url] = links(replies)
    assert f"/{shop_business.slug}/link/" in url
    customer = customer_by_identity(business=shop_business, channel="whatsapp", external_id=PHONE)
    assert customer is not None and customer.registered_at is None
    replies = say(shop_business, "¿Es seguro? ¿Qué pasa con mis datos?")
    assert es(privacy_text) in texts(replies) and not links(replies)
    assert "Lucía" not in texts(replies)

    sent = []
    monkeypatch.setattr(
        "kazan.messaging.services.message_send", lambda **kwargs: sent.append(kwargs)
    )
    with django_capture_on_commit_callbacks(execute=True):
        customer_register(
            business=shop_business,
            customer=customer,
            name="Lucía García",
            email="lucia@example.com",
            address={
                "street": "Calle Mayor 1",
                "city": "Madrid",
                "postal_code": "28013",
                "country": "ES",
            },
            language="es",
            data_processing_consent=True,
            marketing_consent=False,
            channel="whatsapp",
            data_processing_wording="Acepto el tratamiento de mis datos personales.",
        )
        registered_notify_on_commit(shop_business, customer, "whatsapp")
    assert shop_module.on_registered  # the listener registered from AgentConfig.ready()
    [message] = sent
    assert message["channel"] == "whatsapp" and message["to"] == PHONE
    thanks = texts(message["payload"]["replies"])
    assert thanks == es(thanks_registered_text)
    # Registered and consenting: the agent now answers.
    replies = say(shop_business, "Hola")
    assert not links(replies) and "Lucía" in texts(replies)


def test_discovery_and_purchase_dialog(shop_business, shop, shopper):
    replies = say(shop_business, "Hola, estoy buscando productos típicos sicilianos para regalar.")
    text = texts(replies)
    assert es(lambda: gettext(GIFT_QUESTIONS)) in text
    assert not AgentToolCall.objects.filter(tool="get_product_list").exists()

    replies = say(
        shop_business,
        "Mi presupuesto es de unos 50€. Preferiría un surtido de dulces y salados. "
        "No hay alergias a considerar.",
    )
    text = texts(replies)
    for name in ("Box Sicilia Clásica", "Degustación Siciliana", "Sabores de la Isla"):
        assert name in text
    assert "45,00" in text and "55,00" in text and "48,00" in text
    assert "Cannoli" not in text
    listed = [r for r in replies if r["type"] == "product_list"]
    assert listed and len(listed[0]["sections"][0]["items"]) == 3

    replies = say(
        shop_business,
        "La Degustación Siciliana parece excelente. ¿Cómo se puede utilizar la crema de pistacho?",
    )
    text = texts(replies)
    assert "Bronte DOP (40%)" in text and "conservantes" in text and "croissants" in text
    assert "Degustación Siciliana" in text

    replies = say(
        shop_business,
        "Me llevo la Degustación Siciliana. ¿Puede entregarse antes del próximo viernes?",
    )
    text = texts(replies)
    assert "Degustación Siciliana" in text and es(_offer_order) in text
    assert "exprés" in text  # the FAQ about delivery

    replies = say(shop_business, "Sí, gracias.")
    order = Order.objects.get(business=shop_business, customer=shopper)
    assert order.total_minor == 5500 and order.items.get().name.startswith("Degustación")
    [url] = links(replies)
    assert f"/{shop_business.slug}/link/" in url
    assert "55,00" in texts(replies)

    replies = say(shop_business, "Eso es todo, ¡gracias!")
    assert es(lambda: generic_text("goodbye", shop_business.name)) in texts(replies)
    tools = list(
        AgentToolCall.objects.filter(business=shop_business).values_list("tool", flat=True)
    )
    assert {"get_product_list", "get_product_info", "add_to_cart", "create_order"} <= set(tools)
    assert Event.objects.filter(business=shop_business, kind="agent_turn").count() == 6
