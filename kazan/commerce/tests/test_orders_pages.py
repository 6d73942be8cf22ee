"""The order pages of the dashboard and /api/v1/orders: filters (status, dates, customer search
through the blind index, payment method), no N+1, detail, status change with tracking code,
notes, bulk, invoice download, the overview's metrics, the customer panel, the export, GDPR."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from kazan.commerce import services
from kazan.commerce.models import Cart, Order, OrderEvent
from kazan.commerce.tests.orders_helpers import product, shopper
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LIST = "/dashboard/orders/"


def _order(business, customer=None, *, method="on_delivery", quantity=1, name="Box"):
    customer = customer or shopper(business)
    box = product(business, name=name)
    services.cart_add(
        business=business, customer=customer, channel="web", product_id=box.pk, quantity=quantity
    )
    return services.order_create(
        business=business, customer=customer, channel="web", payment_method=method
    ).order


def test_list_filters(owner_client, business, owner):
    anna = shopper(
        business, name="Anna Rossi", email="anna@example.com", phone_e164="+4915111122233"
    )
    first = _order(business, anna)
    second = _order(business, method="online")
    services.order_cancel(business=business, order=second, actor=owner)
    html = owner_client.get(LIST).content.decode()
    assert html.count('class="order-row"') == 2
    assert (
        owner_client.get(LIST, {"status": "cancelled"}).content.decode().count('class="order-row"')
        == 1
    )
    assert 'data-order="2"' in owner_client.get(LIST, {"payment_method": "online"}).content.decode()
    by_email = owner_client.get(LIST, {"q": "Anna@Example.com"}).content.decode()
    assert by_email.count('class="order-row"') == 1 and f'data-order="{first.number}"' in by_email
    by_phone = owner_client.get(LIST, {"q": "+49 151 111 22233"}).content.decode()
    assert by_phone.count('class="order-row"') == 1
    assert owner_client.get(LIST, {"q": "#2"}).content.decode().count('class="order-row"') == 1
    tomorrow = (timezone.now() + dt.timedelta(days=2)).date().isoformat()
    assert "No order matches" in owner_client.get(LIST, {"since": tomorrow}).content.decode()
    bad = owner_client.get(LIST, {"status": "lost", "since": "yesterday"})
    assert bad.status_code == 200


def test_list_query_count_is_constant(owner_client, business, django_assert_max_num_queries):
    _order(business)
    with django_assert_max_num_queries(40) as captured:
        owner_client.get(LIST)
    baseline = len(captured.captured_queries)
    for _ in range(12):
        _order(business, quantity=2)
    with django_assert_max_num_queries(baseline):
        response = owner_client.get(LIST)
    assert response.content.decode().count('class="order-row"') == 13


def test_detail_status_tracking_note_and_invoice(
    owner_client, business, django_capture_on_commit_callbacks
):
    order = _order(business)
    page = owner_client.get(f"{LIST}{order.pk}/").content.decode()
    assert "Box" in page and 'id="order-status-form"' in page
    owner_client.post(f"{LIST}{order.pk}/status/", {"status": "processing"})
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            f"{LIST}{order.pk}/status/", {"status": "shipped", "tracking_code": "ES-777"}
        )
    order.refresh_from_db()
    assert order.status == "shipped" and order.tracking_code == "ES-777"
    refused = owner_client.post(f"{LIST}{order.pk}/status/", {"status": "pending"}, follow=True)
    assert refused.status_code == 200 and Order.objects.get().status == "shipped"
    owner_client.post(f"{LIST}{order.pk}/note/", {"note": "Fragile"})
    assert OrderEvent.objects.filter(order=order, kind="note", note="Fragile").exists()
    owner_client.post(f"{LIST}{order.pk}/note/", {"note": ""})
    pdf = owner_client.get(f"{LIST}{order.pk}/invoice/")
    assert pdf["Content-Type"] == "application/pdf" and "proforma" in pdf["Content-Disposition"]
    page = owner_client.get(f"{LIST}{order.pk}/").content.decode()
    assert "ES-777" in page and "Fragile" in page


def test_bulk_status(owner_client, business):
    first, second = _order(business), _order(business)
    response = owner_client.post(
        f"{LIST}bulk/", {"orders": [first.pk, second.pk, "x"], "status": "processing"}
    )
    assert response.status_code == 302
    assert set(Order.objects.values_list("status", flat=True)) == {"processing"}
    assert owner_client.post(f"{LIST}bulk/", {"status": "processing"}).status_code == 302


def test_other_business_orders_are_404_and_untouched(owner_client, business, other_business):
    theirs = _order(other_business)
    for path in ("", "invoice/"):
        assert owner_client.get(f"{LIST}{theirs.pk}/{path}").status_code == 404
    assert (
        owner_client.post(f"{LIST}{theirs.pk}/status/", {"status": "processing"}).status_code == 404
    )
    owner_client.post(f"{LIST}bulk/", {"orders": [theirs.pk], "status": "processing"})
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_permission_orders_manage(client, business):
    viewer = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(viewer)
    assert client.get(LIST).status_code == 200  # agents manage orders
    nav = client.get(LIST).content.decode()
    assert 'id="nav-orders"' in nav


def test_overview_metrics(owner_client, business, owner):
    paid = _order(business, method="online", quantity=2)
    services.order_mark_paid(business=business, order=paid)
    _order(business)
    page = owner_client.get(f"{LIST}overview/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-stat="orders"' in html and "90" in html  # 2 × 45 € revenue
    assert re.search(r'data-stat="revenue"><span class="stat-value">[^<]*90[.,]00', html)
    assert "orders-chart-data" in html
    metrics = page.context["metrics"]
    assert metrics.orders == 2 and metrics.revenue_minor == 9000 and metrics.average_minor == 9000
    assert owner_client.get(f"{LIST}overview/", {"days": "7"}).status_code == 200


def test_customer_page_shows_the_orders_panel(owner_client, business):
    customer = shopper(business, name="Carla")
    order = _order(business, customer)
    html = owner_client.get(f"/dashboard/customers/{customer.pk}/").content.decode()
    assert 'data-panel="orders"' in html and f"#{order.number}" in html


def test_export_is_requested(owner_client, business):
    _order(business)
    response = owner_client.post(f"{LIST}export/", {"format": "csv", "query": "status=pending"})
    assert response.status_code == 302 and "/exports/" in response["Location"]


def test_export_source_rows(business):
    from kazan.analytics.enums import ExportKind
    from kazan.commerce.orders_exports import orders_source

    _order(business, name="Box A")
    table = orders_source(business=business, filters={})
    rows = list(table.rows)
    assert len(rows) == 1 and rows[0][0] == 1
    assert ExportKind.ORDERS


def test_gdpr_export_and_erasure_keep_the_accounting(business):
    from kazan.core.gdpr import gdpr_sections

    customer = shopper(business)
    order = _order(business, customer)
    box = product(business, name="Other")
    services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    section = next(s for s in gdpr_sections() if s.name == "orders")
    exported = section.export(business, customer)
    assert exported[0]["number"] == order.number and exported[0]["lines"][0]["name"] == "Box"
    section.erase(business, customer)
    order.refresh_from_db()
    assert order.customer_id is None and order.items.count() == 1 and order.total_minor == 4500
    assert not Cart.objects.filter(customer=customer).exclude(order__isnull=False).exists()


def test_api_orders(client, business, owner, other_business):
    key = api_key_create(business=business, name="ERP", actor=owner).secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    order = _order(business)
    theirs = _order(other_business)
    listed = client.get("/api/v1/orders", **auth)
    assert listed.status_code == 200 and [o["number"] for o in listed.json()["items"]] == [1]
    assert client.get("/api/v1/orders?status=paid", **auth).json()["count"] == 0
    assert client.get("/api/v1/orders?status=nope", **auth).status_code == 422
    one = client.get(f"/api/v1/orders/{order.pk}", **auth).json()
    assert one["lines"][0]["name"] == "Box" and one["history"][0]["to_status"] == "pending"
    assert client.get(f"/api/v1/orders/{theirs.pk}", **auth).status_code == 404
    changed = client.post(
        f"/api/v1/orders/{order.pk}/status",
        {"status": "processing"},
        content_type="application/json",
        **auth,
    )
    assert changed.status_code == 200 and changed.json()["status"] == "processing"
    refused = client.post(
        f"/api/v1/orders/{order.pk}/status",
        {"status": "pending"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "order_status_transition"
    note = client.post(
        f"/api/v1/orders/{order.pk}/notes",
        {"note": "call"},
        content_type="application/json",
        **auth,
    )
    assert note.status_code == 201 and note.json()["note"] == "call"
    assert (
        client.post(
            f"/api/v1/orders/{order.pk}/notes",
            {"note": ""},
            content_type="application/json",
            **auth,
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/orders/{theirs.pk}/notes",
            {"note": "x"},
            content_type="application/json",
            **auth,
        ).status_code
        == 404
    )
    assert client.get("/api/v1/orders").status_code == 401


def test_api_orders_is_rate_limited_with_headers(client, business, owner, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    key = api_key_create(business=business, name="ERP", actor=owner).secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    answers = [client.get("/api/v1/orders", **auth) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["X-RateLimit-Limit"] == "3" and answers[0]["X-RateLimit-Remaining"] == "2"
    assert answers[3]["Retry-After"] and answers[3].json()["code"] == "rate_limited"


def test_customer_export_and_erasure_run_the_orders_section(business, owner):
    from kazan.customers.services import customer_erase, customer_export

    customer = shopper(business, name="Eva")
    order = _order(business, customer)
    exported = customer_export(business=business, customer=customer, actor=owner)
    assert exported["orders"][0]["number"] == order.number
    customer_erase(business=business, customer=customer, actor=owner)
    order.refresh_from_db()
    assert order.customer_id is None and order.total_minor == 4500 and order.items.count() == 1


def test_payment_link_lives_as_long_as_the_settings_say(business):
    from kazan.commerce.models import CommerceSettings
    from kazan.links.models import SecureLink

    CommerceSettings.objects.create(business=business, payment_link_hours=6)
    order = _order(business, method="online")
    link = SecureLink.objects.get(purpose="payment", target_id=order.pk)
    hours = (link.expires_at - link.created_at).total_seconds() / 3600
    assert 5.9 < hours <= 6.01 and link.channel == "web"


def test_digits_python_reads_but_int_refuses_are_ignored_not_a_500(owner_client, business):
    """ "²" is a digit to str.isdigit() and not a number to int(): the bulk ids and the list's
    "#number" search take ASCII digits only."""
    order = _order(business)
    bulk = owner_client.post(f"{LIST}bulk/", {"orders": ["²", order.pk], "status": "processing"})
    assert bulk.status_code == 302
    order.refresh_from_db()
    assert order.status == "processing"
    assert owner_client.get(LIST, {"q": "#²"}).status_code == 200
