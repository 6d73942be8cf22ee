import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kazan.billing.testing import limits_give
from kazan.commerce.models import Category, Offer, Product, ProductMedia, ProductVariant
from kazan.commerce.testing import category_factory, product_factory, sicilian_shop
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _png(size=(4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def test_nav_link_and_list_with_filters(owner_client, business):
    shop = sicilian_shop(business)
    page = owner_client.get("/dashboard/")
    assert b'id="nav-shop"' in page.content
    response = owner_client.get("/dashboard/shop/")
    assert response.status_code == 200
    assert "Degustación Siciliana" in response.content.decode()
    assert "€16.20" in response.content.decode()  # the cannoli with their offer
    found = owner_client.get("/dashboard/shop/?q=cannoli").content.decode()
    assert "Cannoli" in found and "Cassata" not in found
    services = owner_client.get("/dashboard/shop/?kind=service").content.decode()
    assert "Cesta regalo" in services and "Cannoli" not in services
    dulces = shop["cannoli"].category
    by_category = owner_client.get(f"/dashboard/shop/?category={dulces.pk}").content.decode()
    assert "Crema de pistacho" in by_category and "Caponata" not in by_category
    assert owner_client.get("/dashboard/shop/?kind=zzz&page=abc").status_code == 200


def test_agent_role_cannot_edit_the_catalog(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.get("/dashboard/shop/").status_code == 403
    assert b'id="nav-shop"' not in client.get("/dashboard/").content


def test_create_edit_delete_product(owner_client, business):
    category = category_factory(business, name="Dulces")
    response = owner_client.post(
        "/dashboard/shop/products/new/",
        {
            "kind": "product",
            "name": "Granita",
            "price": "4.50",
            "currency": "eur",
            "stock": "10",
            "active": "on",
            "category_id": str(category.pk),
            "attributes": "sabor=limón\norigin=Catania",
        },
    )
    product = Product.objects.get(business=business, name="Granita")
    assert response.status_code == 302 and response.url.endswith(f"/products/{product.pk}/")
    assert (product.price_minor, product.currency, product.stock) == (450, "EUR", 10)
    assert product.attributes == {"sabor": "limón", "origin": "Catania"}
    assert owner_client.get(f"/dashboard/shop/products/{product.pk}/").status_code == 200
    response = owner_client.post(
        f"/dashboard/shop/products/{product.pk}/",
        {"kind": "product", "name": "Granita di limone", "price": "5", "currency": "EUR"},
    )
    product.refresh_from_db()
    assert product.name == "Granita di limone" and product.price_minor == 500
    assert product.active is False and product.stock is None
    owner_client.post(f"/dashboard/shop/products/{product.pk}/delete/")
    assert not Product.objects.filter(pk=product.pk).exists()


def test_bad_product_input_is_a_clear_400(owner_client, business):
    response = owner_client.post(
        "/dashboard/shop/products/new/",
        {"kind": "event", "name": "Cata", "price": "10", "currency": "EUR"},
    )
    assert response.status_code == 400
    assert "An event needs a start" in response.content.decode()
    response = owner_client.post(
        "/dashboard/shop/products/new/",
        {"kind": "product", "name": "X", "price": "-1", "currency": "EURO", "attributes": "nokey"},
    )
    assert response.status_code == 400
    assert not Product.objects.filter(business=business).exists()


def test_the_plans_product_limit_is_a_clear_error_with_an_upgrade_link(owner_client, business):
    limits_give(business, products=1)
    product_factory(business)
    assert "1 of 1 products" in owner_client.get("/dashboard/shop/").text
    response = owner_client.post(
        "/dashboard/shop/products/new/",
        {"kind": "product", "name": "Second", "price": "1", "currency": "EUR"},
    )
    assert response.status_code == 402
    assert "Your plan allows 1 product. Upgrade your plan to add more." in response.text
    assert "data-upgrade" in response.text
    assert Product.objects.filter(business=business).count() == 1


def test_variants_and_media(owner_client, business, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = product_factory(business, name="Aceite")
    base = f"/dashboard/shop/products/{product.pk}"
    owner_client.post(
        f"{base}/variants/",
        {"new-name": "500 ml", "new-price": "15", "new-stock": "3", "new-active": "on"},
    )
    variant = ProductVariant.objects.get(product=product)
    assert (variant.name, variant.price_minor, variant.stock) == ("500 ml", 1500, 3)
    owner_client.post(
        f"{base}/variants/{variant.pk}/",
        {f"v{variant.pk}-name": "1 l", f"v{variant.pk}-options": "size=1l"},
    )
    variant.refresh_from_db()
    assert (
        variant.name == "1 l" and variant.price_minor is None and variant.options == {"size": "1l"}
    )
    # a duplicate name is refused with a message, not a 500
    owner_client.post(f"{base}/variants/", {"new-name": "1 l"})
    assert ProductVariant.objects.filter(product=product).count() == 1
    owner_client.post(f"{base}/variants/{variant.pk}/delete/")
    assert not ProductVariant.objects.filter(product=product).exists()

    upload = SimpleUploadedFile("photo.png", _png(), content_type="image/png")
    owner_client.post(f"{base}/media/", {"image": upload, "alt": "bottle"})
    media = ProductMedia.objects.get(product=product)
    assert media.file.name.endswith(".png") and "photo" not in media.file.name
    junk = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")
    response = owner_client.post(f"{base}/media/", {"image": junk}, follow=True)
    assert "not a PNG, JPEG or WebP" in response.content.decode()
    response = owner_client.post(
        f"{base}/media/", {"url": "http://insecure.example/a.png"}, follow=True
    )
    assert "https://" in response.content.decode()
    owner_client.post(f"{base}/media/", {"url": "https://cdn.example/a.png"})
    assert ProductMedia.objects.filter(product=product).count() == 2
    owner_client.post(f"{base}/media/{media.pk}/delete/")
    assert ProductMedia.objects.filter(product=product).count() == 1


def test_image_size_limit(owner_client, business, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from kazan.commerce.services import catalog_media

    product = product_factory(business)
    big = SimpleUploadedFile("big.png", _png((catalog_media.MEDIA_MAX_SIDE + 1, 1)))
    response = owner_client.post(
        f"/dashboard/shop/products/{product.pk}/media/", {"image": big}, follow=True
    )
    assert "at most" in response.content.decode()
    assert not ProductMedia.objects.exists()


def test_category_tree(owner_client, business):
    owner_client.post(
        "/dashboard/shop/categories/", {"name": "Dulces", "position": "0", "active": "on"}
    )
    root = Category.objects.get(business=business, name="Dulces")
    owner_client.post(
        "/dashboard/shop/categories/",
        {"name": "Cremas", "parent_id": str(root.pk), "position": "1", "active": "on"},
    )
    child = Category.objects.get(business=business, name="Cremas")
    assert child.parent_id == root.pk
    page = owner_client.get("/dashboard/shop/categories/").content.decode()
    assert "Dulces" in page and "Cremas" in page
    # three levels are refused
    response = owner_client.post(
        "/dashboard/shop/categories/", {"name": "Deep", "parent_id": str(child.pk), "position": "0"}
    )
    assert response.status_code == 400
    # the same name at the same level is refused
    response = owner_client.post("/dashboard/shop/categories/", {"name": "dulces", "position": "0"})
    assert response.status_code == 409
    owner_client.post(f"/dashboard/shop/categories/{child.pk}/", {"name": "Creme", "position": "2"})
    child.refresh_from_db()
    assert child.name == "Creme" and child.parent_id is None and child.active is False
    owner_client.post(f"/dashboard/shop/categories/{root.pk}/delete/")
    assert not Category.objects.filter(pk=root.pk).exists()


def test_offers_pages(owner_client, business):
    product = product_factory(business, price_minor=2000)
    response = owner_client.post(
        "/dashboard/shop/offers/new/",
        {
            "name": "Summer",
            "kind": "amount",
            "value": "2.50",
            "active": "on",
            "product_ids": [str(product.pk)],
            "starts_at": "2026-06-01T00:00",
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get(business=business)
    assert (offer.kind, offer.value) == ("amount", 250)
    assert list(offer.products.all()) == [product]
    assert offer.starts_at.isoformat().startswith("2026-05-31T22:00")  # Berlin summer time
    assert "Summer" in owner_client.get("/dashboard/shop/offers/").content.decode()
    assert owner_client.get(f"/dashboard/shop/offers/{offer.pk}/").status_code == 200
    response = owner_client.post(
        f"/dashboard/shop/offers/{offer.pk}/", {"name": "Summer", "kind": "percent", "value": "150"}
    )
    assert response.status_code == 400 and "between 1 and 100" in response.content.decode()
    response = owner_client.post(
        f"/dashboard/shop/offers/{offer.pk}/",
        {
            "name": "Summer",
            "kind": "percent",
            "value": "10",
            "starts_at": "2026-06-02T00:00",
            "ends_at": "2026-06-01T00:00",
        },
    )
    assert response.status_code == 400 and "after the start" in response.content.decode()
    owner_client.post(f"/dashboard/shop/offers/{offer.pk}/delete/")
    assert not Offer.objects.exists()
