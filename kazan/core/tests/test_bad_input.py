"""Out-of-range ids, junk query strings and oversized tokens get a 4xx, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/customers/99999999999999999999/",
        "/dashboard/customers/99999999999999999999/edit/",
        "/dashboard/team/members/99999999999999999999/role/",
        "/api/v1/customers/99999999999999999999",
        "/dashboard/customers/?page=99999999999999999999",
        "/dashboard/customers/?since=2026-13-45&tag=99999999999999999999",
        "/dashboard/activity/?actor=99999999999999999999",
        "/api/v1/messaging/messages?status=bogus&limit=-5&offset=99999999999999999999",
        "/api/v1/customers/?limit=100000000000",
        "/dashboard/customers/?until=9999-12-31",
        "/dashboard/customers/?since=0001-01-01",
        "/dashboard/activity/?until=9999-12-31",
        "/dashboard/activity/?since=0001-01-01",
        "/api/v1/customers/?until=9999-12-31T23:59:59-05:00",
        "/api/v1/customers/?since=0001-01-01T00:00:00%2B05:00",
        "/dev/outbox.json?to=%00%00",
        "/accounts/invitations/" + "x" * 5000 + "/",
    ],
)
def test_junk_in_paths_and_query_strings_is_never_a_server_error(owner_client, path):
    for method in ("get", "post"):
        r = getattr(owner_client, method)(path)
        assert r.status_code < 500, (method, path, r.status_code)


def test_extreme_filter_dates_are_a_form_error(owner_client):
    r = owner_client.get("/dashboard/customers/?until=9999-12-31")
    assert r.status_code == 400
    assert owner_client.get("/api/v1/customers/?until=9999-12-31T23:59:59").status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/customers/?q=a%00", None),
        ("get", "/api/v1/customers/?tag=a%00", None),
        ("post", "/api/v1/customers/", {"phone": "+4915112345678", "name": "a\x00b"}),
        (
            "post",
            "/api/v1/customers/",
            {"phone": "+4915112345678", "consent": {"wording_version": "v\x00"}},
        ),
        ("patch", "/api/v1/customers/{id}", {"tags": ["ok", "x\x00"]}),
        ("post", "/api/v1/messaging/sms", {"to": "+4915112345678", "body": "hi\x00"}),
        (
            "post",
            "/api/v1/messaging/sms",
            {"to": "+4915112345678", "body": "hi", "idempotency_key": "k\x00"},
        ),
    ],
)
def test_nul_characters_in_api_input_are_a_422(owner_client, business, method, path, body):
    # PostgreSQL refuses NUL in text (a DataError, i.e. a 500), even in a WHERE clause.
    from kazan.customers.tests.factories import CustomerFactory

    path = path.format(id=CustomerFactory(business=business).pk)
    if body is None:
        response = owner_client.get(path)
    else:
        response = getattr(owner_client, method)(path, body, content_type="application/json")
    assert response.status_code == 422, response.content
