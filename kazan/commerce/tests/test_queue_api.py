"""/api/v1/queue (seed 004 §10.1 order management): the list with filters, `PUT …/status`,
`POST …/assign`, `DELETE …/{id}` as cancel-with-refund, moves, reruns, notes, the packages;
an operator's session rights; another business's orders are unknown."""

import json

import pytest

from kazan.commerce import services
from kazan.commerce.tests.queue_helpers import buyer, operator, place
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import BusinessFactory
from kazan.wallet.queries import token_balance

pytestmark = pytest.mark.django_db
API = "/api/v1/queue"


@pytest.fixture
def auth(business, owner):
    key = api_key_create(business=business, name="ERP", actor=owner).secret
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _json(client, method, path, auth, body=None):
    return client.generic(
        method,
        path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        **auth,
    )


def test_list_with_positions_and_filters(client, business, auth):
    regular = place(business, sites=1500)
    vip = place(business, premium=True)
    data = client.get(f"{API}/orders", **auth).json()
    assert data["count"] == 2
    assert [(o["number"], o["position"], o["tokens"]) for o in data["items"]] == [
        (vip.number, 1, 60),
        (regular.number, 2, 1550),
    ]
    assert client.get(f"{API}/orders", {"lane": "regular"}, **auth).json()["count"] == 1
    assert client.get(f"{API}/orders", {"status": "completed"}, **auth).json()["count"] == 0
    assert client.get(f"{API}/orders", {"status": "lost"}, **auth).status_code == 422
    assert "X-RateLimit-Limit" in client.get(f"{API}/orders", **auth)


def test_status_assign_cancel_refund_once(client, business, auth):
    worker = operator(business)
    customer = buyer(business, tokens=300)
    order = place(business, customer, sites=250)
    response = _json(
        client, "PUT", f"{API}/orders/{order.pk}/status", auth, {"status": "processing"}
    )
    assert response.status_code == 200 and response.json()["status"] == "processing"
    response = _json(
        client, "POST", f"{API}/orders/{order.pk}/assign", auth, {"operator_id": worker.pk}
    )
    assert response.json()["operator_id"] == worker.pk and response.json()["position"] is None
    refused = _json(client, "PUT", f"{API}/orders/{order.pk}/status", auth, {"status": "pending"})
    assert refused.status_code == 409 and refused.json()["code"] == "order_status_transition"
    for _ in range(2):
        response = _json(client, "DELETE", f"{API}/orders/{order.pk}", auth)
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert token_balance(business=business, customer=customer) == 300


def test_assign_to_someone_outside_the_queue_is_refused(client, business, auth):
    order = place(business)
    response = _json(
        client, "POST", f"{API}/orders/{order.pk}/assign", auth, {"operator_id": 999999}
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_operator"


def test_move_rerun_note_and_packages(client, business, auth, owner):
    a, b = place(business), place(business)
    response = _json(client, "POST", f"{API}/orders/{b.pk}/move", auth, {"position": 1})
    assert response.json()["position"] == 1
    worker = operator(business)
    services.token_order_assign(business=business, order=a, operator=worker, actor=owner)
    services.token_order_complete(business=business, order=a, actor=worker)
    response = _json(client, "POST", f"{API}/orders/{a.pk}/rerun", auth)
    assert response.status_code == 201 and response.json()["rerun_of_id"] == a.pk
    assert response.json()["tokens"] == 0
    response = _json(client, "POST", f"{API}/orders/{a.pk}/notes", auth, {"note": "Done twice"})
    assert response.status_code == 201 and response.json()["history"][-1]["note"] == "Done twice"
    from kazan.commerce.models import OrderEvent

    # Attributed to the API key, like the other routes.
    kinds = set(
        OrderEvent.objects.filter(kind__in=("move", "note")).values_list("actor_kind", flat=True)
    )
    assert len(kinds) == 1 and kinds.isdisjoint({"member", "system"})
    packages = client.get(f"{API}/packages", **auth).json()
    assert [(p["sites"], p["price_tokens"], p["subscriber_price_tokens"]) for p in packages][
        -1
    ] == (
        1500,
        1550,
        1250,
    )


def test_operator_session_may_take_and_complete_only(client, business):
    worker = operator(business)
    order = place(business)
    client.force_login(worker)
    assert client.get(f"{API}/orders").status_code == 200
    assert client.delete(f"{API}/orders/{order.pk}").status_code in (403, 401)
    # Sessions need the CSRF header for writes: the test client does not enforce it.
    response = _json(
        client, "POST", f"{API}/orders/{order.pk}/assign", {}, {"operator_id": worker.pk}
    )
    assert response.status_code == 200 and response.json()["status"] == "assigned"
    response = _json(client, "PUT", f"{API}/orders/{order.pk}/status", {}, {"status": "completed"})
    assert response.json()["status"] == "completed"


def test_the_shop_orders_api_does_not_reach_token_orders(client, business, auth):
    order = place(business)
    assert client.get(f"/api/v1/orders/{order.pk}", **auth).status_code == 404
    noted = _json(client, "POST", f"/api/v1/orders/{order.pk}/notes", auth, {"note": "x"})
    assert noted.status_code == 404
    assert client.get("/api/v1/orders", {"payment_method": "tokens"}, **auth).status_code == 422
    assert client.get("/api/v1/orders", **auth).json()["count"] == 0


def test_another_businesss_order_is_unknown(client, business, auth):
    other = BusinessFactory(slug="other-shop")
    theirs = place(other)
    assert client.get(f"{API}/orders/{theirs.pk}", **auth).status_code == 404
    assert _json(client, "DELETE", f"{API}/orders/{theirs.pk}", auth).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"
