"""Seed 002's discovery and purchase dialog again, with the LLM engine: each customer message goes
through conversation_receive, the agent step and the LlmEngine to FakeOpenAI, which plays the
model's part as the seed's transcript does (tool calls, then the answer). The tools really run:
the boxes are found, the cart filled, the order placed with a secure payment link. The prompts
that left the platform carry the first name only."""

import json

import pytest

from kazan.agent.models import AgentSettings, AgentToolCall
from kazan.agent.testing import API_KEY, FakeOpenAI
from kazan.agent.tests.helpers import links, say, texts
from kazan.analytics.models import Event
from kazan.billing.queries.limits import quota_used
from kazan.billing.testing import limits_give
from kazan.commerce.models import Order
from kazan.core.entitlements import Quota

pytestmark = pytest.mark.django_db

PHONE = "+34600111222"


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_business(shop_business, fake):
    AgentSettings.objects.create(
        business=shop_business,
        engine="llm",
        base_url=fake.base_url,
        api_key=API_KEY,
        model="shop-model",
        tone="formal",
    )
    return shop_business


def _tool_results(request):
    return [json.loads(m["content"]) for m in request["messages"] if m["role"] == "tool"]


def test_discovery_and_purchase_dialog_with_the_llm(llm_business, shop, shopper, fake):
    box = shop["box_degustacion"]
    cream = shop["crema_pistacho"]

    fake.reply(
        "¡Buenos días, Lucía! Para sugerirle las mejores opciones: ¿tiene un presupuesto? "
        "¿Prefiere dulces, salados o un surtido? ¿Alguna alergia?"
    )
    replies = say(llm_business, "Hola, estoy buscando productos típicos sicilianos para regalar.")
    assert "presupuesto" in texts(replies)

    fake.tool_calls(("get_products_by_category", {"category": "Cajas regalo"}))
    fake.reply("Según sus preferencias, aquí tiene tres packs de regalo. ¿Cuál le interesa más?")
    replies = say(
        llm_business,
        "Mi presupuesto es de unos 50€. Preferiría un surtido de dulces y salados. "
        "No hay alergias a considerar.",
    )
    found = _tool_results(fake.requests[-1])[0]["data"]["products"]
    assert {"Box Sicilia Clásica", "Degustación Siciliana", "Sabores de la Isla"} <= {
        product["name"] for product in found
    }
    assert texts(replies).startswith("Según sus preferencias")
    listed = [r for r in replies if r["type"] == "product_list"]
    assert listed and len(listed[0]["sections"][0]["items"]) >= 3  # WhatsApp's product list

    fake.tool_calls(("get_product_info", {"product_id": cream.pk}))
    fake.reply("La crema de pistacho se unta en pan o croissants. Pistachos de Bronte DOP (40%).")
    replies = say(
        llm_business,
        "La Degustación Siciliana parece excelente. ¿Cómo se puede utilizar la crema de pistacho?",
    )
    detail = _tool_results(fake.requests[-1])[0]["data"]["product"]
    assert "Bronte" in detail["description"]
    assert "croissants" in texts(replies)

    fake.tool_calls(
        ("add_to_cart", {"product_id": box.pk, "quantity": 1}),
        ("get_faq_info", {"question": "¿Puede entregarse antes del viernes?"}),
    )
    fake.reply("¡Excelente elección! La entrega exprés llega en 2-3 días. ¿Creo el pedido?")
    replies = say(
        llm_business,
        "Me llevo la Degustación Siciliana. ¿Puede entregarse antes del próximo viernes?",
    )
    cart, faq = _tool_results(fake.requests[-1])
    assert cart["ok"] and cart["data"]["cart"]["lines"][0]["product_id"] == box.pk
    assert faq["ok"] and "exprés" in faq["data"]["answer"]

    fake.tool_calls(("create_order", {}))
    fake.reply("He creado su pedido de la Degustación Siciliana (55 €).")
    replies = say(llm_business, "Sí, gracias.")
    order = Order.objects.get(business=llm_business, customer=shopper)
    assert order.total_minor == 5500
    [url] = links(replies)
    assert f"/{llm_business.slug}/link/" in url
    placed = _tool_results(fake.requests[-1])[0]
    assert placed["ok"] and url not in json.dumps(fake.requests[-1])  # the model never saw it

    fake.reply("¡Gracias por su compra! Le deseo un buen día.")
    replies = say(llm_business, "Eso es todo, ¡gracias!")
    assert "Gracias por su compra" in texts(replies)

    # six turns, each an AI message, every tool call logged as the LLM's
    assert Event.objects.filter(business=llm_business, kind="agent_turn").count() == 6
    assert quota_used(business=llm_business, key=Quota.AI_MESSAGES) == 6
    tools = set(AgentToolCall.objects.filter(business=llm_business).values_list("tool", "engine"))
    assert {
        ("get_products_by_category", "llm"),
        ("get_product_info", "llm"),
        ("add_to_cart", "llm"),
        ("get_faq_info", "llm"),
        ("create_order", "llm"),
    } <= tools
    # what left the platform: the first name, never the surname, phone, email or address
    sent = " ".join(fake.prompts())
    assert "Lucía" in sent
    for private in ("García", PHONE, PHONE.lstrip("+"), "600111222"):
        assert private not in sent
    assert all(request["model"] == "shop-model" for request in fake.requests)
    system = fake.requests[0]["messages"][0]["content"]
    assert "formal" in system and "Spanish" in system


def test_at_the_quota_the_local_engine_takes_the_turn(llm_business, shop, shopper, fake):
    limits_give(llm_business, ai_messages=1)
    fake.reply("¡Hola, Lucía!")
    first = say(llm_business, "Hola")
    assert texts(first) == "¡Hola, Lucía!"
    second = say(llm_business, "Hola otra vez")
    assert len(fake.requests) == 1  # the second turn never reached the model
    assert texts(second)  # the local engine answered
    assert quota_used(business=llm_business, key=Quota.AI_MESSAGES) == 1


def test_a_dead_server_still_gets_the_customer_an_answer(llm_business, shop, shopper, fake):
    fake.error(503)
    replies = say(llm_business, "Busco una caja de regalo de unos 50 €")
    assert "Box Sicilia Clásica" in texts(replies) or "Sabores de la Isla" in texts(replies)


def test_agent_eval_runs_the_llm_engine_against_the_platform_server(fake, settings):
    """`agent_eval --engine llm` with the platform's server (AGENT_LLM_BASE_URL): the model's
    tool calls are the turn's recorded calls, scored against the expected ones."""
    from pathlib import Path

    from kazan.agent.evaluation.runner import evaluate

    dev = Path(__file__).resolve().parent.parent / "evaluation" / "dev"
    catalog = json.loads((dev / "catalog.json").read_text())
    settings.AGENT_LLM_BASE_URL = fake.base_url
    settings.AGENT_LLM_API_KEY = API_KEY
    fake.tool_calls(("get_product_list", {"preference": "assortment", "max_price": 55}))
    fake.reply("Aquí tiene tres cajas de regalo.")
    dialog = {
        "id": "llm-1",
        "language": "es",
        "turns": ["Busco un surtido de dulces y salados por unos 50 €"],
        "expected": [[{"name": "get_product_list", "arguments": {"preference": "assortment"}}]],
    }

    [(row, score)] = list(evaluate(catalog=catalog, dialogs=[dialog], engine="llm"))

    assert row["tool_calls"] == [
        {"name": "get_product_list", "arguments": {"preference": "assortment", "max_price": 55}}
    ]
    assert row["reply"].startswith("Aquí tiene tres cajas")
    assert row["match"] is True and score.turns == 1
    assert len(fake.requests) == 2


def test_the_model_remembers_the_thread_but_not_the_team_s_notes(llm_business, shop, shopper, fake):
    """The agent step gives the model the thread's last messages from the log: the customer's
    earlier message and the bot's answer, never an internal note of the team."""
    from kazan.conversations.models import Conversation, ConversationMessage

    fake.reply("¡Hola! ¿En qué puedo ayudarle?")
    say(llm_business, "Hola, busco un regalo.")
    conversation = Conversation.objects.get(business=llm_business, channel="whatsapp")
    ConversationMessage.objects.create(
        business=llm_business,
        conversation=conversation,
        direction="note",
        text="Internal: VIP, call back",
    )

    fake.reply("Claro.")
    say(llm_business, "¿Tienen cannoli?")

    remembered = json.dumps(fake.requests[-1]["messages"][1:], ensure_ascii=False)
    assert "busco un regalo" in remembered
    assert "¿En qué puedo ayudarle?" in remembered
    assert "VIP" not in remembered
