"""The local engine on messages written the way WhatsApp customers write: typos and missing
accents, clitic verbs, several products in one message, "remove it", a category asked for by
name, a service by its own tool, and a sentence-encoder fallback for what no rule reads."""

import datetime as dt

import pytest

from kazan.agent.nlu import semantic
from kazan.agent.nlu.parse import budget, date_in, quantity
from kazan.agent.nlu.vocab import fuzzy_word

from .test_local_engine import ask, names  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "product", "count"),
    [
        ("ok mettimi 2 canoli", "cannoli", 2),
        ("ponme dos cannolis porfa", "cannoli", 2),
        ("aggiungi 3 casate", "cassata", 3),
        ("add the cassatta x2", "cassata", 2),
    ],
)
def test_add_with_typos_and_clitics(ask, shop, text, product, count):  # noqa: F811
    outcome = ask(text)
    assert names(outcome) == ["add_to_cart"]
    assert outcome.calls[0].arguments == {"product_id": shop[product].pk, "quantity": count}


def test_a_misspelled_product_question_is_answered_from_the_catalog(ask, shop):  # noqa: F811
    outcome = ask("cuanto vale la casata")
    assert names(outcome) == ["get_product_info"]
    assert outcome.calls[0].arguments["product_id"] == shop["cassata"].pk


def test_several_products_in_one_message(ask, shop):  # noqa: F811
    outcome = ask("quiero tres cannoli y una cassata")
    assert names(outcome) == ["add_to_cart", "add_to_cart"]
    assert [c.arguments for c in outcome.calls] == [
        {"product_id": shop["cannoli"].pk, "quantity": 3},
        {"product_id": shop["cassata"].pk, "quantity": 1},
    ]


@pytest.mark.parametrize("text", ["actually remove it", "mejor quitala", "toglilo"])
def test_remove_it_takes_out_the_product_just_added(ask, shop, text):  # noqa: F811
    state: dict = {}
    ask("añade la cassata", state=state)
    outcome = ask(text, state=state)
    assert names(outcome) == ["remove_from_cart"]
    assert outcome.calls[0].arguments["product_id"] == shop["cassata"].pk


@pytest.mark.parametrize(
    "text", ["enseñame las cajas regalo", "show me your gift boxes", "fatemi vedere i vini"]
)
def test_a_category_named_lists_its_products(ask, text):  # noqa: F811
    outcome = ask(text)
    assert names(outcome) == ["get_products_by_category"]
    assert outcome.calls[0].result.ok


def test_a_service_is_described_by_the_service_tool(ask, shop):  # noqa: F811
    outcome = ask("hacen cestas personalizadas?")
    assert names(outcome) == ["get_service_info"]
    assert outcome.calls[0].arguments["product_id"] == shop["cesta_personalizada"].pk


@pytest.mark.parametrize(
    "text", ["chi ha vinto la partita ieri sera?", "me ayudas a escribir un email para mi jefe?"]
)
def test_a_declined_request_leaves_no_faq_call_behind(ask, text):  # noqa: F811
    outcome = ask(text)
    assert names(outcome) == ["get_generic_response"]
    assert outcome.calls[0].arguments == {"kind": "decline"}


def test_the_encoder_reads_what_no_rule_does():
    assert semantic.classify("what do u guys sell")[0] == "categories"
    assert semantic.classify("ok grazie a presto")[0] == "goodbye"
    assert semantic.classify("che tempo fa a roma")[0] == "decline"
    assert semantic.classify("vorrei annullare il mio ordine")[0] == "handoff"
    # A shop question like no example is left to the FAQs.
    assert semantic.classify("cuanto cuesta la cassata")[0] == ""


def test_fuzzy_words():
    assert fuzzy_word("canoli", "cannoli") and fuzzy_word("casata", "cassata")
    assert fuzzy_word("caschi", "casco") and fuzzy_word("tubes", "tube")
    assert fuzzy_word("cantuccini", "cantucci")
    assert not fuzzy_word("hasta", "pasta") and not fuzzy_word("tubes", "tubeless")


def test_informal_quantities_budgets_and_days():
    today = dt.date(2026, 12, 5)
    assert quantity("add the tyre x2") == 2 and quantity("2x lights") == 2
    assert quantity("mettine quattro") == 4
    assert budget("busco algo salado, max 12,50€").max_minor == 1250
    assert budget("not more than 6 euros").max_minor == 600
    assert budget("spesa massima 10 euro").max_minor == 1000
    assert date_in("ci sono eventi tra 3 giorni?", today) == today + dt.timedelta(days=3)
    assert date_in("anything on in a week?", today) == today + dt.timedelta(days=7)
    assert date_in("¿qué hay dentro de dos semanas?", today) == today + dt.timedelta(days=14)


def test_a_new_product_is_known_on_the_next_turn(ask, shop, shop_business):  # noqa: F811
    from kazan.commerce.models import Product

    ask("aggiungi 2 canoli")  # the vocabulary is built and kept
    granita = Product.objects.create(
        business=shop_business, name="Granita al limone", price_minor=400, stock=10
    )
    outcome = ask("quanto costa la granita?")
    assert names(outcome) == ["get_product_info"]
    assert outcome.calls[0].arguments["product_id"] == granita.pk
