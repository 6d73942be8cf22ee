import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kazan.billing.testing import limits_give
from kazan.commerce.models import Category, Offer, Product, ProductVariant
from kazan.commerce.testing import product_factory, sicilian_shop
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/catalog"


@pytest.fixture
def api(client, business, owner):
    key = api_key_create(business=business, name="Shop backend", actor=owner)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key.secret}"
    return client


def test_read_categories_and_products(api, business):
    shop = sicilian_shop(business)
    categories = api.get(f"{API}/categories").json()
    assert {"Cajas regalo", "Cremas y mermeladas"} <= {c["name"] for c in categories}
    data = api.get(f"{API}/products?page_size=100").json()
    assert data["count"] == len(shop)
    cannoli = next(p for p in data["items"] if p["id"] == shop["cannoli"].pk)
    assert (cannoli["price_minor"], cannoli["final_price_minor"], cannoli["discount_minor"]) == (
        1800,
        1620,
        180,
    )
    assert cannoli["price_text"] == "€18.00" and cannoli["available"] == 25
    oil = api.get(f"{API}/products/{shop['aceite'].pk}").json()
    assert [v["name"] for v in oil["variants"]] == ["250 ml", "500 ml", "1 l"]
    events = api.get(f"{API}/products?kind=event").json()
    assert [p["name"] for p in events["items"]] == ["Cata de vinos sicilianos"]
    found = api.get(f"{API}/products?search=pistacchio&max_price_minor=1000").json()
    assert found["items"] and all(p["final_price_minor"] <= 1000 for p in found["items"])
    assert api.get(f"{API}/products?q=cannoli").json()["count"] == 1
    dulces = shop["cannoli"].category_id
    assert api.get(f"{API}/products?category_id={dulces}").json()["count"] >= 8


def test_product_crud_and_errors(api, business):
    response = api.post(
        f"{API}/products",
        {"name": "Granita", "price_minor": 450, "currency": "eur", "stock": 5},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    product_id = response.json()["id"]
    assert response.json()["currency"] == "EUR"
    response = api.patch(
        f"{API}/products/{product_id}", {"active": False}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert response.json()["name"] == "Granita"
    bad = api.post(
        f"{API}/products",
        {"name": "Event", "price_minor": 1, "kind": "event"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "start" in bad.json()["message"]
    assert (
        api.post(f"{API}/products", {"name": "x"}, content_type="application/json").status_code
        == 422
    )
    clash = api.post(
        f"{API}/products",
        {"name": "Copy", "price_minor": 1, "sku": "S1"},
        content_type="application/json",
    )
    assert clash.status_code == 201
    clash = api.post(
        f"{API}/products",
        {"name": "Copy 2", "price_minor": 1, "sku": "S1"},
        content_type="application/json",
    )
    assert clash.status_code == 409 and clash.json()["code"] == "invalid_product"
    assert api.delete(f"{API}/products/{product_id}").status_code == 204
    assert api.get(f"{API}/products/{product_id}").status_code == 404


def test_the_plans_product_limit_is_402_with_the_upgrade_link(api, business):
    limits_give(business, products=0)
    response = api.post(
        f"{API}/products", {"name": "A", "price_minor": 1}, content_type="application/json"
    )
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "plan_limit_reached" and body["key"] == "products"
    assert body["limit"] == 0 and "/dashboard/billing/" in body["upgrade_url"]
    limits_give(business, products=1)
    response = api.post(
        f"{API}/products", {"name": "A", "price_minor": 1}, content_type="application/json"
    )
    assert response.status_code == 201


def test_variants_media_categories_offers(api, business):
    product = product_factory(business, stock=3)
    response = api.post(
        f"{API}/products/{product.pk}/variants",
        {"name": "M", "stock": 2, "options": {"size": "M"}},
        content_type="application/json",
    )
    assert response.status_code == 201
    variant_id = response.json()["id"]
    response = api.patch(
        f"{API}/products/{product.pk}/variants/{variant_id}",
        {"price_minor": 1200},
        content_type="application/json",
    )
    assert response.json()["price_minor"] == 1200
    assert api.delete(f"{API}/products/{product.pk}/variants/{variant_id}").status_code == 204
    assert not ProductVariant.objects.exists()

    media = api.post(
        f"{API}/products/{product.pk}/media",
        {"url": "https://cdn.example/a.png"},
        content_type="application/json",
    )
    assert media.status_code == 201 and media.json()["url"] == "https://cdn.example/a.png"
    assert (
        api.post(
            f"{API}/products/{product.pk}/media",
            {"url": "ftp://x"},
            content_type="application/json",
        ).status_code
        == 422
    )
    assert api.delete(f"{API}/products/{product.pk}/media/{media.json()['id']}").status_code == 204

    root = api.post(f"{API}/categories", {"name": "Dulces"}, content_type="application/json")
    assert root.status_code == 201
    child = api.post(
        f"{API}/categories",
        {"name": "Cremas", "parent_id": root.json()["id"]},
        content_type="application/json",
    )
    assert child.json()["parent_id"] == root.json()["id"]
    renamed = api.patch(
        f"{API}/categories/{child.json()['id']}", {"name": "Creme"}, content_type="application/json"
    )
    assert renamed.json()["name"] == "Creme"
    dup = api.post(f"{API}/categories", {"name": "dulces"}, content_type="application/json")
    assert dup.status_code == 409
    assert api.delete(f"{API}/categories/{root.json()['id']}").status_code == 204
    assert not Category.objects.exists()

    offer = api.post(
        f"{API}/offers",
        {"name": "Sale", "kind": "percent", "value": 20, "product_ids": [product.pk]},
        content_type="application/json",
    )
    assert offer.status_code == 201 and offer.json()["product_ids"] == [product.pk]
    assert api.get(f"{API}/products/{product.pk}").json()["final_price_minor"] == 800
    bad = api.put(
        f"{API}/offers/{offer.json()['id']}",
        {"name": "Sale", "kind": "percent", "value": 101},
        content_type="application/json",
    )
    assert bad.status_code == 422
    foreign = api.post(
        f"{API}/offers",
        {"name": "X", "kind": "amount", "value": 5, "product_ids": [999999]},
        content_type="application/json",
    )
    assert foreign.status_code == 422
    assert api.get(f"{API}/offers").json()["count"] == 1
    assert api.delete(f"{API}/offers/{offer.json()['id']}").status_code == 204
    assert not Offer.objects.exists()


def test_import_dry_run_and_save(api, business):
    text = b"name,price\nCannoli,18\nBroken,abc\n"
    response = api.post(f"{API}/import", {"file": SimpleUploadedFile("c.csv", text)})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["errors"][0]["line"] == 3
    assert not Product.objects.exists()
    good = SimpleUploadedFile("c.csv", b"name,price\nCannoli,18\n")
    response = api.post(f"{API}/import?dry_run=false", {"file": good})
    assert response.json()["saved"] is True and Product.objects.count() == 1
    empty = api.post(f"{API}/import", {"file": SimpleUploadedFile("c.csv", b"")})
    assert empty.status_code == 422 and empty.json()["code"] == "catalog_import_invalid"


def test_an_import_past_the_product_limit_is_402_but_its_dry_run_reports_it(api, business):
    limits_give(business, products=1)
    text = b"name,price\nCannoli,18\nArancini,6\n"
    check = api.post(f"{API}/import", {"file": SimpleUploadedFile("c.csv", text)})
    assert check.status_code == 200
    assert check.json()["ok"] is False and check.json()["errors"][0]["line"] == 0
    response = api.post(f"{API}/import?dry_run=false", {"file": SimpleUploadedFile("c.csv", text)})
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "plan_limit_reached" and body["key"] == "products"
    assert body["limit"] == 1 and body["upgrade_url"]
    assert not Product.objects.exists()


def test_permissions_and_other_businesses(client, business, other_business):
    foreign = product_factory(other_business, name="Foreign")
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.get(f"{API}/products").status_code == 200
    assert client.get(f"{API}/products/{foreign.pk}").status_code == 404
    denied = client.post(
        f"{API}/products", {"name": "A", "price_minor": 1}, content_type="application/json"
    )
    assert denied.status_code == 403
    client.logout()
    assert client.get(f"{API}/products").status_code == 401


def test_the_product_list_reads_offers_once(api, business, django_assert_max_num_queries):
    sicilian_shop(business)
    api.get(f"{API}/products?page_size=5")  # warm up the key's own queries
    with django_assert_max_num_queries(25):
        response = api.get(f"{API}/products?page_size=50")
    assert response.status_code == 200 and response.json()["count"] >= 20
