"""The local engine on many phrasings per intent in Spanish, English and Italian: which tool
it calls with which arguments (the same calls an LLM would make)."""

import datetime as dt
from decimal import Decimal

import pytest

from kazan.agent.engines.base import AgentTurn
from kazan.agent.engines.local import LocalEngine
from kazan.agent.models import AgentSettings
from kazan.agent.nlu.parse import budget, date_in, quantity
from kazan.agent.tools import ToolScope

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(shop_business, shop, shopper):
    def run(text, state=None, language="es"):
        turn = AgentTurn(
            scope=ToolScope(
                business=shop_business, customer=shopper, channel="whatsapp", language=language
            ),
            text=text,
            payload=None,
            history=[],
            settings=AgentSettings(business=shop_business),
            state=state if state is not None else {},
        )
        return LocalEngine().respond(turn)

    return run


def names(outcome):
    return [call.name for call in outcome.calls]


@pytest.mark.parametrize(
    "text",
    [
        "Hola, busco productos típicos sicilianos para regalar, unos 50€, un surtido",
        "Busco un regalo de menos de 60 euros, algo surtido",
        "I'm looking for a gift under 60 euros, sweet and savoury",
        "Do you have gift boxes around 50€? A mix please",
        "Cerco un regalo sotto i 60 euro, un assortimento",
        "Vorrei una confezione regalo, circa 50 euro, dolce e salato",
    ],
)
def test_gift_by_budget_and_preference(ask, text):
    outcome = ask(text)
    [call] = [c for c in outcome.calls if c.name == "get_product_list"]
    assert call.arguments["preference"] == "assortment"
    assert Decimal(call.arguments["max_price"]) >= 55
    shown = {p["name"] for p in call.result.data["products"]}
    assert "Degustación Siciliana" in shown and "Cannoli sicilianos (6 unidades)" not in shown


@pytest.mark.parametrize(
    ("text", "preference"),
    [
        ("¿Qué dulces tienen?", "sweet"),
        ("show me something sweet", "sweet"),
        ("avete prodotti salati?", "savoury"),
        ("I'd like savoury products", "savoury"),
    ],
)
def test_preference_searches(ask, text, preference):
    outcome = ask(text)
    assert names(outcome) == ["get_product_list"]
    assert outcome.calls[0].arguments["preference"] == preference


@pytest.mark.parametrize(
    ("text", "product", "quantity"),
    [
        ("Añade dos cannoli al carrito", "cannoli", 2),
        ("me llevo la cassata", "cassata", 1),
        ("Please add 3 pistachio pesto", "pesto_pistacho", 3),
        ("I'll take the Degustación Siciliana", "box_degustacion", 1),
        ("aggiungi due cassate siciliane", "cassata", 2),
        ("prendo la crema di pistacchio", "crema_pistacho", 1),
    ],
)
def test_add_to_cart(ask, shop, text, product, quantity):
    outcome = ask(text)
    assert "add_to_cart" in names(outcome)
    call = next(c for c in outcome.calls if c.name == "add_to_cart")
    assert call.arguments == {"product_id": shop[product].pk, "quantity": quantity}


@pytest.mark.parametrize(
    "text", ["quita los cannoli", "remove the cannoli please", "rimuovi i cannoli dal carrello"]
)
def test_remove_from_cart(ask, shop, text):
    ask("añade 2 cannoli")
    outcome = ask(text)
    assert names(outcome) == ["remove_from_cart"]
    assert outcome.calls[0].arguments["product_id"] == shop["cannoli"].pk


@pytest.mark.parametrize(
    "text", ["¿Qué hay en mi carrito?", "show my cart", "cosa c'è nel mio carrello?"]
)
def test_cart(ask, text):
    assert names(ask(text)) == ["get_cart_info"]


@pytest.mark.parametrize("text", ["quiero hacer el pedido", "checkout please", "conferma l'ordine"])
def test_order_then_yes(ask, shop, text):
    ask("añade una cassata")
    outcome = ask(text)
    assert names(outcome)[-1] == "create_order" and outcome.calls[-1].result.ok
    assert any(r["type"] == "links" for r in outcome.replies)


@pytest.mark.parametrize("yes", ["Sí, gracias.", "yes please", "sì, certo", "ok"])
def test_yes_after_the_offer_places_the_order(ask, yes):
    state = {}
    ask("añade una cassata", state)
    assert state["pending"] == "order"
    outcome = ask(yes, state)
    assert names(outcome)[-1] == "create_order"


@pytest.mark.parametrize("no", ["no, gracias", "not now", "no grazie"])
def test_no_after_the_offer(ask, no):
    state = {}
    ask("añade una cassata", state)
    outcome = ask(no, state)
    assert names(outcome) == [] and state["pending"] == ""


@pytest.mark.parametrize(
    "text",
    [
        "¿Cómo se usa la crema de pistacho?",
        "What are the ingredients of the pistachio cream?",
        "Quali sono gli ingredienti della crema di pistacchio?",
        "¿Cuánto cuesta la crema de pistacho?",
    ],
)
def test_product_info(ask, shop, text):
    outcome = ask(text)
    assert names(outcome) == ["get_product_info"]
    assert outcome.calls[0].arguments == {"product_id": shop["crema_pistacho"].pk}
    assert "Bronte" in outcome.replies[0]["text"]


@pytest.mark.parametrize(
    "text",
    [
        "¿Dónde está mi pedido?",
        "what's the status of my order?",
        "a che punto è il mio ordine? stato dell'ordine",
        "estado del pedido 12",
    ],
)
def test_order_status(ask, text):
    outcome = ask(text)
    assert names(outcome) == ["get_order_status"]


def test_order_status_number(ask):
    assert ask("estado del pedido #12").calls[0].arguments == {"order_number": 12}


@pytest.mark.parametrize(
    "text", ["¿Qué categorías tienen?", "what categories do you have?", "quali categorie avete?"]
)
def test_categories(ask, text):
    assert names(ask(text)) == ["get_categories"]


@pytest.mark.parametrize(
    ("text", "days"),
    [("¿Hay algún evento mañana?", 1), ("any events today?", 0), ("eventi domani?", 1)],
)
def test_events(ask, shop_business, text, days):
    outcome = ask(text)
    assert names(outcome) == ["get_event_by_date"]
    expected = shop_business.today() + dt.timedelta(days=days)
    assert outcome.calls[0].arguments == {"date": expected.isoformat()}


def test_today_is_the_business_s_date_not_the_server_s(ask, shop_business, time_machine):
    # 23:30 UTC is already tomorrow in Rome: "today" means the customer's day.
    time_machine.move_to(dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC), tick=False)
    shop_business.timezone = "Europe/Rome"
    shop_business.save(update_fields=["timezone"])
    outcome = ask("any events today?")
    assert outcome.calls[0].arguments == {"date": "2026-12-06"}


def test_event_in_a_week(ask, shop_business):
    day = shop_business.today() + dt.timedelta(days=7)
    outcome = ask(f"what events are on {day.isoformat()}?")
    assert "Cata de vinos" in outcome.replies[0]["text"]


@pytest.mark.parametrize(
    "text", ["¿Qué servicios ofrecen?", "do you offer any services?", "che servizi avete?"]
)
def test_services(ask, text):
    outcome = ask(text)
    assert [(c.name, c.arguments.get("kind")) for c in outcome.calls] == [
        ("get_product_list", "service")
    ]
    assert "Cesta regalo personalizada" in outcome.replies[0]["text"]


@pytest.mark.parametrize(
    "text",
    ["¿Cuánto tarda la entrega?", "How long does delivery take?", "¿Hacen envíos a Canarias?"],
)
def test_faq(ask, text):
    outcome = ask(text)
    assert names(outcome) == ["get_faq_info"] and outcome.understood


@pytest.mark.parametrize("text", ["Hola", "hello!", "buongiorno", "Merhaba", "Hallo"])
def test_greeting(ask, text):
    outcome = ask(text)
    assert names(outcome) == ["welcome_user"] and "Lucía" in outcome.replies[0]["text"]


@pytest.mark.parametrize("text", ["Eso es todo, ¡gracias!", "thanks, bye", "grazie mille"])
def test_goodbye(ask, text):
    outcome = ask(text)
    assert names(outcome) == ["get_generic_response"]
    assert outcome.calls[0].arguments == {"kind": "goodbye"}


@pytest.mark.parametrize(
    "text",
    [
        "¿Qué tiempo hace mañana en Madrid?",
        "Write me a poem about the sea",
        "cuál es la capital de Francia",
        "raccontami una barzelletta",
        "xyzzy plugh",
        "Can you help me with my homework?",
    ],
)
def test_off_topic_is_declined(ask, text):
    outcome = ask(text)
    assert not outcome.understood and not outcome.handoff
    assert names(outcome)[-1] == "get_generic_response"
    assert outcome.calls[-1].arguments == {"kind": "decline"}


@pytest.mark.parametrize(
    "text",
    [
        "Quiero hablar con una persona",
        "I want to talk to a human",
        "posso parlare con un operatore?",
        "pásame con alguien del equipo, por favor",
    ],
)
def test_handoff_on_request(ask, text):
    outcome = ask(text)
    assert outcome.handoff and names(outcome) == []


def test_gift_questions_then_budget(ask):
    state = {}
    first = ask("Hola, estoy buscando productos típicos sicilianos para regalar.", state)
    assert names(first) == [] and state["pending"] == "gift"
    second = ask("Unos 50 euros, un surtido por favor", state)
    [call] = second.calls
    assert call.name == "get_product_list" and call.arguments["query"] == "regalar"
    assert len(call.result.data["products"]) == 3


def test_parsers():
    today = dt.date(2026, 12, 5)  # a Saturday
    assert budget("unos 50€").max_minor == 5500
    assert budget("under 30 euros").max_minor == 3000
    assert budget("sotto i 40 euro").max_minor == 4000
    assert budget("más de 20 €").min_minor == 2000
    assert budget("tengo 3 hijos") is None
    assert date_in("mañana", today) == dt.date(2026, 12, 6)
    assert date_in("venerdì", today) == dt.date(2026, 12, 11)
    assert date_in("el próximo viernes", today) == dt.date(2026, 12, 11)
    assert date_in("24 de diciembre", today) == dt.date(2026, 12, 24)
    assert date_in("December 24th", today) == dt.date(2026, 12, 24)
    assert date_in("2027-01-06", today) == dt.date(2027, 1, 6)
    assert date_in("3/1", today) == dt.date(2027, 1, 3)
    assert date_in("sábado", today) == today
    assert date_in("nothing", today) is None
    assert quantity("quiero dos") == 2 and quantity("tre barattoli") == 3
    assert quantity("add 4 boxes") == 4 and quantity("a box") is None


@pytest.mark.parametrize(
    "text",
    ["Quiero cambiar mi dirección", "I want to see my personal data", "cancella i miei dati"],
)
def test_personal_data_goes_through_a_secure_link(ask, text, shopper):
    from kazan.links.models import SecureLink

    outcome = ask(text)
    assert names(outcome) == []
    [link] = [r for r in outcome.replies if r["type"] == "links"]
    assert "/link/" in link["links"][0]["url"]
    assert SecureLink.objects.get(customer=shopper).purpose == "my_data"
    assert shopper.email not in str(outcome.replies) if shopper.email else True


@pytest.mark.parametrize(
    "text",
    [
        "",
        "????",
        "€€€ 999999999999 euros",
        "1/1/1 32/13 2026-02-31 evento",
        "🍕🍕🍕",
        "añade -5 cannoli",
        "añade 100000 cannoli",
        "estado del pedido 99999999999999999999",
        "a. " * 400,
        "<script>alert(1)</script> busco regalo",
    ],
)
def test_odd_input_never_breaks(ask, text):
    outcome = ask(text)
    assert outcome.replies
