"""Each tool: what it returns, its scoping to the turn's business and customer, bad arguments,
and another business's product refused."""

import datetime as dt
import json

import pytest

from kazan.agent.models import AgentToolCall
from kazan.agent.tools import ToolScope, tool_call, tools, tools_openai_schema
from kazan.commerce.models import Order
from kazan.commerce.services import cart_add, order_create
from kazan.commerce.testing import product_factory
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TOOL_NAMES = {
    "get_product_list", "get_products_by_category", "get_categories", "get_product_info",
    "get_service_info", "get_event_by_date", "add_to_cart", "remove_from_cart",
    "get_cart_info", "create_order", "get_order_status", "get_faq_info", "welcome_user",
    "get_generic_response",
}  # fmt: skip


@pytest.fixture
def scope(shop_business, shop, shopper):
    return ToolScope(business=shop_business, customer=shopper, channel="whatsapp", language="es")


def call(scope, tool, /, **arguments):
    return tool_call(scope=scope, name=tool, arguments=arguments)


def test_the_fourteen_tools_and_their_schema():
    assert {t.name for t in tools()} >= TOOL_NAMES
    schema = {t["function"]["name"]: t["function"] for t in tools_openai_schema()}
    assert schema["add_to_cart"]["parameters"]["required"] == ["product_id"]
    assert schema["get_event_by_date"]["parameters"]["properties"]["date"]["format"] == "date"
    assert all(schema[name]["description"] for name in TOOL_NAMES)


def test_product_list_by_budget_and_preference(scope, shop):
    result = call(
        scope, "get_product_list", query="regalo", max_price="55", preference="assortment"
    )
    names = [p["name"] for p in result.data["products"]]
    assert result.ok and sorted(names) == sorted(
        ["Box Sicilia Clásica", "Degustación Siciliana", "Sabores de la Isla"]
    )
    assert all(p["price"].endswith("€") for p in result.data["products"])
    sweet = call(scope, "get_product_list", preference="sweet", limit=10).data["products"]
    assert sweet and all("Pesto" not in p["name"] for p in sweet)
    cheap = call(scope, "get_product_list", max_price="5").data["products"]
    assert cheap and all(p["price_minor"] <= 500 for p in cheap)


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("get_product_list", {"limit": 0}),
        ("get_product_list", {"max_price": "-3"}),
        ("get_product_list", {"preference": "spicy"}),
        ("get_product_info", {}),
        ("get_product_info", {"product_id": "abc"}),
        ("add_to_cart", {"product_id": 1, "quantity": 0}),
        ("add_to_cart", {"product_id": 1, "quantity": 1000}),
        ("add_to_cart", {"quantity": 1}),
        ("get_event_by_date", {"date": "next friday"}),
        ("get_faq_info", {"question": ""}),
        ("get_generic_response", {"kind": "poem"}),
        ("get_cart_info", {"customer_id": 5}),
        ("get_order_status", {"order_number": -1}),
    ],
)
def test_bad_arguments_are_refused(scope, name, arguments):
    result = call(scope, name, **arguments)
    assert not result.ok and result.error_code == "agent_tool_arguments"


def test_categories_and_products_by_category(scope):
    categories = call(scope, "get_categories").data["categories"]
    names = {c["name"] for c in categories}
    assert {"Cajas regalo", "Dulces", "Salados", "Cremas y mermeladas"} <= names
    boxes = call(scope, "get_products_by_category", category="cajas regalo").data
    assert boxes["count"] == 3
    by_id = call(scope, "get_products_by_category", category_id=boxes["category"]["id"])
    assert by_id.data["count"] == 3
    assert call(scope, "get_products_by_category", category="zapatos").error_code == (
        "category_not_found"
    )


def test_product_info_and_another_business_product(scope, shop, other_business):
    info = call(scope, "get_product_info", product_id=shop["crema_pistacho"].pk).data["product"]
    assert "Bronte DOP (40%)" in info["description"] and info["available"] == 40
    oil = call(scope, "get_product_info", name="aceite de oliva").data["product"]
    assert [v["name"] for v in oil["variants"]] == ["250 ml", "500 ml", "1 l"]
    foreign = product_factory(other_business, name="Secreto")
    refused = call(scope, "get_product_info", product_id=foreign.pk)
    assert not refused.ok and refused.error_code == "product_not_found"
    assert "Secreto" not in str(refused)
    added = call(scope, "add_to_cart", product_id=foreign.pk)
    assert not added.ok and added.error_code == "product_not_found"


def test_service_and_events(scope, shop, shop_business):
    service = call(scope, "get_service_info", name="cesta regalo").data["service"]
    assert service["kind"] == "service" and service["duration_minutes"] == 30
    not_a_service = call(scope, "get_service_info", product_id=shop["cannoli"].pk)
    assert not not_a_service.ok
    day = shop_business.today() + dt.timedelta(days=7)
    events = call(scope, "get_event_by_date", date=day.isoformat()).data
    assert [e["name"] for e in events["events"]] == ["Cata de vinos sicilianos"]
    assert (
        call(scope, "get_event_by_date", date=shop_business.today().isoformat()).data["events"]
        == []
    )
    too_far = call(scope, "get_event_by_date", date="2999-01-01")
    assert too_far.error_code == "date_out_of_range"


def test_cart_and_order_are_the_customers_own(scope, shop, shopper, stranger):
    box = shop["box_degustacion"]
    cart = call(scope, "add_to_cart", product_id=box.pk, quantity=2).data["cart"]
    assert cart["lines"][0]["quantity"] == 2 and cart["total_minor"] == 11000
    cart = call(scope, "remove_from_cart", product_id=box.pk, quantity=1).data["cart"]
    assert cart["lines"][0]["quantity"] == 1
    assert call(scope, "remove_from_cart", product_id=shop["cannoli"].pk).error_code == (
        "not_in_cart"
    )
    # Another customer's cart is not this one's.
    other = ToolScope(business=scope.business, customer=stranger, channel="whatsapp")
    assert call(other, "get_cart_info").data["cart"]["empty"]
    placed = call(scope, "create_order")
    assert placed.ok and placed.data["payment_url"].startswith("http")
    assert placed.data["order"]["total_minor"] == 5500
    assert call(scope, "create_order").error_code.endswith("cart_empty")
    status = call(scope, "get_order_status").data["orders"]
    assert [o["number"] for o in status] == [placed.data["order"]["number"]]
    # The stranger's own order is invisible to the shopper, by number too.
    cart_add(
        business=scope.business, customer=stranger, channel="whatsapp",
        product_id=shop["cannoli"].pk,
    )  # fmt: skip
    theirs = order_create(business=scope.business, customer=stranger, channel="whatsapp").order
    refused = call(scope, "get_order_status", order_number=theirs.number)
    assert not refused.ok and refused.error_code == "order_not_found"
    assert Order.objects.filter(customer=shopper).count() == 1


def test_customer_tools_need_a_customer(shop_business, shop):
    anonymous = ToolScope(business=shop_business, customer=None)
    for name in ("get_cart_info", "create_order", "get_order_status"):
        assert call(anonymous, name).error_code == "customer_required"


def test_faq_welcome_and_generic(scope, shopper):
    faq = call(scope, "get_faq_info", question="¿Cuánto tarda la entrega?")
    assert faq.ok and "24 horas" in faq.data["answer"]
    welcome = call(scope, "welcome_user").data
    assert welcome["first_name"] == "Lucía" and "García" not in welcome["text"]
    assert call(scope, "get_generic_response", kind="decline").data["text"]


def test_tool_calls_are_logged_without_contact_data(scope, shop):
    call(scope, "get_product_list", query="me llamo lucia@example.com +34600111222")
    row = AgentToolCall.objects.filter(tool="get_product_list").latest("id")
    assert row.arguments["query"] == "[redacted]"
    other = CustomerFactory(business=scope.business, name="Otra Persona")
    assert other.pk  # (a second customer exists; nothing of theirs reaches a result)
    results = [call(scope, name).data for name in ("get_cart_info", "get_order_status")]
    assert "Otra Persona" not in json.dumps(results, ensure_ascii=False, default=str)
    # the customer's own words are logged by their length only (a name, an address)
    call(scope, "get_faq_info", question="Soy Lucía García, vivo en Via Roma 12")
    logged = AgentToolCall.objects.filter(tool="get_faq_info").latest("id").arguments
    assert logged["question"] == "[37 characters]"
