"""Seed 002's two Spanish dialogs end to end, the way a customer lives them: signed webhooks
from the (fake) Graph API into the number's own /hooks/whatsapp/<key>/, the outbox worker run
in process, and what the customer reads taken from what the fake Graph API received. The
customer registers on the secure link's page, finds the Sicilian gift boxes by budget and
preference, asks about the pistachio cream, orders the Degustación Siciliana, pays through the
payment link's Stripe Checkout (the local fake Stripe, its signed webhook), and hears on
WhatsApp that the order is paid and then shipped with its tracking code; the invoice link
downloads the PDF.

Once with the local agent (no model), once with the LLM engine against the local fake
OpenAI-compatible server, scripted to call the tools the way a model does. Neither WhatsApp
messages nor LLM requests carry personal data beyond the first name."""

import json
import re
from typing import Any

import pytest
from django.test import TestCase
from django.utils import translation

from kazan.agent.services import agent_settings_update, shop_flow_ensure
from kazan.agent.step import privacy_text, thanks_registered_text
from kazan.agent.testing import API_KEY, FakeOpenAI, completion
from kazan.billing.gateways.stripe.tests.conftest import (  # noqa: F401 - fixtures
    fake_stripe,
    signed,
    stripe_settings,
)
from kazan.channels.providers.whatsapp.testing import (  # noqa: F401 - fixture
    CUSTOMER_WA_ID,
    fake_graph,
    wa_text,
    whatsapp_connected,
    whatsapp_post,
)
from kazan.commerce.models import Invoice, Order, OrderStatus, Product
from kazan.commerce.queries import cart_view
from kazan.commerce.testing import sicilian_shop
from kazan.customers.models import ConsentRecord, Customer
from kazan.customers.queries import customer_is_registered, data_processing_consent_granted
from kazan.faq.services.faqs import faq_create
from kazan.links.models import SecureLink
from kazan.links.services import secure_link_issue
from kazan.links.testing import link_path
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db(transaction=False)

PHONE = "+" + CUSTOMER_WA_ID
FIRST, SURNAME = "Lucía", "Martínez Oyarzun"
EMAIL = "lucia.oyarzun@example.com"
STREET = "Calle del Prado 17"
PERSONAL = (SURNAME, "Oyarzun", EMAIL, STREET, "28014", CUSTOMER_WA_ID)


def es(message):
    with translation.override("es"):
        return message()


@pytest.fixture
def shop(business, fake_graph, stripe_settings):  # noqa: F811
    business.language = "es"
    business.save(update_fields=["language"])
    products = sicilian_shop(business)
    faq_create(
        business=business,
        actor=None,
        actor_kind="system",
        question="¿Cuánto tarda la entrega?",
        alternatives=["¿Puede entregarse antes del viernes?", "plazos de entrega", "envío"],
        answer="Enviamos en 24 horas; la entrega exprés llega en 2-3 días laborables.",
        language="es",
    )
    whatsapp_connected(business, fake_graph)
    shop_flow_ensure(business=business)
    return products


class Phone:
    """The customer's WhatsApp: sends signed webhooks, reads what the Graph API was asked to
    deliver to them since the last look."""

    def __init__(self, client, graph):
        self.client, self.graph, self.seen = client, graph, 0

    def send(self, text: str) -> str:
        with TestCase.captureOnCommitCallbacks(execute=True):
            answer = whatsapp_post(self.client, wa_text(text, name=FIRST))
        assert answer.status_code == 200
        return self.read()

    def read(self) -> str:
        tasks_run_all()
        tasks_run_all()
        new = self.graph.sent[self.seen :]
        self.seen = len(self.graph.sent)
        assert all(message["to"] in (PHONE, CUSTOMER_WA_ID) for message in new)
        return "\n".join(_strings(message) for message in new)


def _strings(value: Any) -> str:
    """Every string of a sent message (bodies, buttons, links) but the recipient."""
    if isinstance(value, dict):
        return "\n".join(_strings(v) for k, v in value.items() if k != "to")
    if isinstance(value, list):
        return "\n".join(_strings(v) for v in value)
    return value if isinstance(value, str) else ""


def _url(text: str, slug: str) -> str:
    [url] = [w for w in text.split() if f"/{slug}/link/" in w]
    return url


def _register(client, url: str, django_capture_on_commit_callbacks) -> None:
    page = client.get(link_path(url))
    assert page.status_code == 200 and 'name="data_processing"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            link_path(url),
            {
                "first_name": FIRST,
                "last_name": SURNAME,
                "email": EMAIL,
                "street": STREET,
                "city": "Madrid",
                "postal_code": "28014",
                "country": "ES",
                "language": "es",
                "data_processing": "on",
            },
        )
    assert done.status_code == 200, done.content.decode()[:500]


def _pay_and_ship(client, phone, business, owner, order, pay_url, fake_stripe, capture):  # noqa: F811
    """The payment link → Stripe Checkout → signed webhook → paid; the team ships it."""
    box = Product.objects.get(business=business, name="Degustación Siciliana")
    stock = box.stock
    assert box.reserved == 1  # reserved when the order was placed, still on the shelf
    page = client.get(link_path(pay_url))
    assert page.status_code == 200 and "55" in page.content.decode()
    started = client.post(link_path(pay_url))
    assert started.status_code == 302
    order.refresh_from_db()
    session_id = order.payment_reference
    assert started["Location"] == fake_stripe.sessions[session_id]["url"]
    checkout = fake_stripe.creates()[-1].params
    assert checkout["line_items"][0]["price_data"]["unit_amount"] == "5500"
    fake_stripe.complete(session_id)
    event = fake_stripe.event_for(session_id, "checkout.session.completed")
    with capture(execute=True):
        answer = client.post("/hooks/stripe/", **signed(event))
    assert answer.status_code == 200 and answer.json()["status"] == "applied"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at
    heard = phone.read()
    assert str(order.number) in heard  # "we received the payment of order N"

    # The team ships it from the order page of the dashboard.
    client.force_login(owner)
    status_url = f"/dashboard/orders/{order.pk}/status/"
    with capture(execute=True):
        assert client.post(status_url, {"status": "processing"}).status_code == 302
        shipped = client.post(status_url, {"status": "shipped", "tracking_code": "ES-SEUR-4471"})
    assert shipped.status_code == 302
    client.logout()
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.tracking_code == "ES-SEUR-4471"
    heard = phone.read()
    assert "ES-SEUR-4471" in heard
    box.refresh_from_db()
    assert (box.stock, box.reserved) == (stock - 1, 0)  # shipped: off the shelf
    invoice = Invoice.objects.get(order=order)
    url = secure_link_issue(
        business=business, customer=order.customer, purpose="invoice", target_id=order.pk
    )
    pdf = client.get(link_path(url))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert invoice.number == 1  # the business's first invoice


def _registration(client, phone, business, capture) -> Customer:
    heard = phone.send("Hola, me gustaría comprar algunos productos.")
    url = _url(heard, business.slug)
    customer = Customer.objects.get(business=business)
    assert not customer_is_registered(customer)
    link = SecureLink.objects.get(business=business, customer=customer, purpose="registration")
    assert 23.9 * 3600 < (link.expires_at - link.created_at).total_seconds() <= 24 * 3600
    heard = phone.send("¿Es seguro? ¿Qué pasa con mis datos?")
    assert es(privacy_text).split("\n")[0] in heard and "/link/" not in heard
    _register(client, url, capture)
    customer.refresh_from_db()
    assert customer_is_registered(customer)
    assert data_processing_consent_granted(business=business, customer=customer)
    assert ConsentRecord.objects.filter(customer=customer, purpose="data_processing").exists()
    heard = phone.read()
    assert es(thanks_registered_text).split("\n")[0] in heard
    return customer


def _no_personal_data(texts: list[str]) -> None:
    for text in texts:
        for secret in PERSONAL:
            assert secret not in text, secret


def test_seed_dialogs_with_the_local_agent(
    client,
    business,
    owner,
    shop,
    fake_graph,  # noqa: F811
    fake_stripe,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    phone = Phone(client, fake_graph)
    customer = _registration(client, phone, business, django_capture_on_commit_callbacks)

    heard = phone.send("Hola, estoy buscando productos típicos sicilianos para regalar.")
    assert "?" in heard and ("presupuesto" in heard.lower() or "budget" in heard.lower())
    heard = phone.send(
        "Mi presupuesto es de unos 50€. Preferiría un surtido de dulces y salados. "
        "No hay alergias a considerar."
    )
    for name in ("Box Sicilia Clásica", "Degustación Siciliana", "Sabores de la Isla"):
        assert name in heard
    heard = phone.send(
        "La Degustación Siciliana parece excelente. ¿Cómo se puede utilizar la crema de pistacho?"
    )
    assert "Bronte DOP (40%)" in heard and "croissants" in heard
    heard = phone.send(
        "Me llevo la Degustación Siciliana. ¿Puede entregarse antes del próximo viernes?"
    )
    assert "Degustación Siciliana" in heard
    heard = phone.send("Sí, gracias.")
    order = Order.objects.get(business=business, customer=customer)
    assert order.total_minor == 5500 and order.status == OrderStatus.PENDING
    assert "55,00" in heard
    pay_url = _url(heard, business.slug)
    _pay_and_ship(
        client,
        phone,
        business,
        owner,
        order,
        pay_url,
        fake_stripe,
        django_capture_on_commit_callbacks,
    )
    _no_personal_data([_strings(m) for m in fake_graph.sent])


def _llm_script(products: dict[str, Product]):
    """What a model would do with each of the customer's turns: the tool calls first, then a
    short text once the tool results are in."""
    box = next(p for p in products.values() if p.name == "Degustación Siciliana")

    def last_user(messages: list[dict[str, Any]]) -> str:
        return next(m["content"] for m in reversed(messages) if m["role"] == "user")

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        messages = request["messages"]
        said = last_user(messages)
        answered_tool = messages[-1]["role"] == "tool"
        if "regalar" in said:
            return completion(
                content="¡Con gusto! ¿Tiene un presupuesto en mente? ¿Prefiere productos "
                "dulces, salados o un surtido? ¿Alguna alergia?"
            )
        if "presupuesto" in said:
            if not answered_tool:
                return completion(
                    tool_calls=[
                        (
                            "get_product_list",
                            {"query": "caja regalo", "max_price": 55, "preference": "assortment"},
                        )
                    ]
                )
            return completion(content="Aquí tiene tres packs de regalo que podrían interesarle.")
        if "crema de pistacho" in said:
            if not answered_tool:
                return completion(tool_calls=[("get_product_info", {"name": "crema de pistacho"})])
            tool = json.loads(messages[-1]["content"])
            assert "Bronte" in json.dumps(tool, ensure_ascii=False)
            return completion(
                content="La crema de pistacho se unta en pan o croissants, rellena tartas y "
                "está elaborada con pistachos de Bronte DOP (40%), sin conservantes."
            )
        if "Me llevo" in said:
            if not answered_tool:
                return completion(tool_calls=[("add_to_cart", {"product_id": box.pk})])
            return completion(
                content="¡Excelente elección! He añadido la Degustación Siciliana a su "
                "carrito. ¿Quiere que cree el pedido?"
            )
        if said.startswith("Sí"):
            if not answered_tool:
                return completion(tool_calls=[("create_order", {"payment_method": "online"})])
            # The model reads the total from the tool's result (the link never reaches it).
            total = re.search(r"\d+,\d\d\s?€", messages[-1]["content"])
            assert total and "/link/" not in messages[-1]["content"]
            return completion(
                content=f"He creado su pedido por {total.group(0)}. "
                "Aquí tiene el enlace de pago seguro."
            )
        return completion(content="¿En qué más puedo ayudarle?")

    return respond


def test_seed_dialogs_with_the_llm_engine(
    client,
    business,
    owner,
    shop,
    fake_graph,  # noqa: F811
    fake_stripe,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with FakeOpenAI(responder=_llm_script(shop)) as llm:
        agent_settings_update(
            business=business,
            actor=owner,
            engine="llm",
            base_url=llm.base_url,
            model="gpt-4o-mini",
            api_key=API_KEY,
        )
        phone = Phone(client, fake_graph)
        customer = _registration(client, phone, business, django_capture_on_commit_callbacks)
        heard = phone.send("Hola, estoy buscando productos típicos sicilianos para regalar.")
        assert "presupuesto" in heard
        heard = phone.send(
            "Mi presupuesto es de unos 50€. Preferiría un surtido de dulces y salados. "
            "No hay alergias a considerar."
        )
        for name in ("Box Sicilia Clásica", "Degustación Siciliana", "Sabores de la Isla"):
            assert name in heard
        heard = phone.send(
            "La Degustación Siciliana parece excelente. "
            "¿Cómo se puede utilizar la crema de pistacho?"
        )
        assert "Bronte DOP (40%)" in heard
        heard = phone.send(
            "Me llevo la Degustación Siciliana. ¿Puede entregarse antes del próximo viernes?"
        )
        assert "Degustación Siciliana" in heard
        assert (
            cart_view(business=business, customer=customer, channel="whatsapp").total_minor == 5500
        )
        heard = phone.send("Sí, gracias.")
        order = Order.objects.get(business=business, customer=customer)
        assert order.total_minor == 5500
        pay_url = _url(heard, business.slug)
        assert "55,00" in heard
        called = [
            call["function"]["name"]
            for request in llm.requests
            for message in request["messages"]
            for call in message.get("tool_calls") or []
        ]
        assert {"get_product_list", "get_product_info", "add_to_cart", "create_order"} <= set(
            called
        )
        prompts = llm.prompts()
        assert prompts and any(FIRST in p for p in prompts)
        _no_personal_data(prompts)
        _no_personal_data([json.dumps(r, ensure_ascii=False) for r in llm.requests])
        # The payment link never went to the model.
        assert all(link_path(pay_url) not in p for p in prompts)
    _pay_and_ship(
        client,
        phone,
        business,
        owner,
        order,
        pay_url,
        fake_stripe,
        django_capture_on_commit_callbacks,
    )
    _no_personal_data([_strings(m) for m in fake_graph.sent])
