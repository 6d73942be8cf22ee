"""The API matches its own OpenAPI document: every route documents the errors it can answer, in
the one error shape, and nothing it is sent, however hostile, is a 500. The fuzzing walks the
document itself, so a new route is fuzzed without anyone adding it here."""

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging.tests.factories import credits_given
from kazan.tenancy.services import api_key_create

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/ErrorOut"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _documented(operation) -> set[int]:
    return {int(status) for status in operation["responses"]}


def test_the_document_lists_every_route_and_how_to_authenticate(spec):
    paths = set(spec["paths"])
    assert {
        "/api/v1/vouchers/check",
        "/api/v1/vouchers/redeem",
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{campaign_id}",
        "/api/v1/campaigns/{campaign_id}/send",
        "/api/v1/campaigns/{campaign_id}/cancel",
        "/api/v1/broadcasts/",
        "/api/v1/broadcasts/{campaign_id}",
        "/api/v1/events",
        "/api/v1/analytics/widget",
        "/api/v1/console/clients",
        "/api/v1/console/clients/{business_id}",
        "/hooks/stripe/",
        "/hooks/twilio/status",
        "/hooks/twilio/inbound",
        "/hooks/whatsapp/{hook_key}/",
        "/hooks/telegram/{hook_key}/",
    } <= paths
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "kz_<prefix>_<secret>",
        "description": schemes["ApiKeyAuth"]["description"],
    }
    assert "Team → API keys" in schemes["ApiKeyAuth"]["description"]
    ids = [operation["operationId"] for _path, _method, operation in _operations(spec)]
    assert len(ids) == len(set(ids))
    description = spec["info"]["description"]
    for words in ("Authorization: Bearer kz_", "X-Client-ID", "## Errors", "/hooks/stripe/"):
        assert words in description


def test_every_route_documents_the_errors_it_can_answer(spec):
    """400 for everyone (unreadable or unstorable input); 401 behind authentication, 403 on
    tenant routes (permissions, another business named); 404
    with an id in the path; 422 with query parameters or a body — all in the one error shape."""
    for path, method, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        documented = _documented(operation)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, f"{where} {status}"
        assert 400 in documented, where
        if path.startswith("/hooks/"):
            continue  # not ninja routes: their signature check answers 400 or 403
        security = {name for entry in operation.get("security", []) for name in entry}
        if security:
            assert 401 in documented, where
        if "ApiKeyAuth" in security:  # permissions, and a key naming another business
            assert 403 in documented, where
        if "{" in path:
            assert 404 in documented, where
        # A path id never reaches validation: the URL converter only matches digits.
        queried = [p for p in operation.get("parameters", []) if p["in"] != "path"]
        if queried or operation.get("requestBody"):
            assert 422 in documented, where


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/v1/customers/abc", None, 404),
        ("get", "/api/v1/customers/1/nope", None, 404),
        ("get", "/api/v1/nothing-here", None, 404),
        ("delete", "/api/v1/customers/", None, 405),
        ("post", "/api/v1/customers/", "{not json", 400),
        ("post", "/api/v1/customers/", "[1, 2", 400),
        ("post", "/api/v1/customers/", "[]", 422),
        ("get", "/api/v1/customers/?until=0.5", None, 422),
        ("post", "/api/v1/vouchers/check", '{"code": 5}', 422),
    ],
)
def test_every_error_answers_the_documented_shape(owner_client, method, path, body, status):
    if body is None:
        response = getattr(owner_client, method)(path)
    else:
        response = getattr(owner_client, method)(path, body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) <= {"code", "message", "errors"}
    assert isinstance(data["code"], str) and not data["code"].isdigit()
    assert data["message"]
    assert "detail" not in data


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_paths_are_json_also_in_debug_mode(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/api/v1/customers/not-a-number")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_session_write_without_csrf_token_is_403_in_the_error_shape(owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    response = strict.post("/api/v1/vouchers/check", {"code": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert "X-CSRFToken" in response.json()["message"]


def test_without_credentials_401_says_how_to_authenticate(client):
    response = client.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "Authorization: Bearer" in response.json()["message"]


# --- fuzzing -------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\ud800",
        "\udfff\ud800",
        "\U0001f600",
        "9" * 40,
        "-1",
        "0.5",
        "1e400",
        "NaN",
        "",
        " ",
        "x" * 300,
        "2026-01-01T00:00:00+20:00",
        "<script>",
        "' OR 1=1 --",
    ]
)
# Hypothesis leaves out surrogates unless told: here they are the point.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40) | HOSTILE_TEXT
NUMBERS = (
    st.integers()
    | st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30, 10**400])
    | st.floats(allow_nan=False, allow_infinity=False)
)
SCALARS = st.none() | st.booleans() | NUMBERS | ANY_TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=8,
)
PATH_VALUES = st.integers() | HOSTILE_TEXT.filter(lambda text: text.strip()) | st.just("abc")
# Values a real client would send, so the fuzzing also gets past validation into the services.
PLAUSIBLE = st.sampled_from(
    ["+4915112345678", "0151 12345678", "Anna", "de", "Hello {name}", "sms_marketing", "v1"]
)
TIMESTAMPS = st.sampled_from(
    ["2027-01-01T10:00:00+02:00", "2026-01-01", "1899-12-31T00:00:00Z", "2026-01-01T00:00"]
)


def _schema(spec, schema: dict) -> dict:
    ref = schema.get("$ref") or next(
        (option["$ref"] for option in schema.get("anyOf", []) if "$ref" in option), None
    )
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def _body(spec, operation):
    """A JSON object with the operation's own field names (nested objects from their schema)
    holding anything at all, or any JSON value at all."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return st.none() | JSON
    properties = _schema(spec, schema).get("properties", {})

    def value(prop):
        nested = _schema(spec, prop).get("properties")
        if nested:
            return st.fixed_dictionaries({}, optional={k: value(v) for k, v in nested.items()})
        types = {option.get("type") for option in prop.get("anyOf", [prop])}
        formats = {option.get("format") for option in prop.get("anyOf", [prop])}
        if "date-time" in formats:
            return TIMESTAMPS | HOSTILE_TEXT | NUMBERS
        if "string" in types:
            return PLAUSIBLE | ANY_TEXT | JSON
        if "integer" in types:
            return st.integers(-2, 400) | NUMBERS | JSON
        if "boolean" in types:
            return st.booleans() | JSON
        if "array" in types:
            return st.lists(PLAUSIBLE | ANY_TEXT, max_size=4) | JSON
        return JSON

    fields = st.fixed_dictionaries({}, optional={k: value(p) for k, p in properties.items()})
    return fields | JSON


def _query(operation):
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    keys = st.sampled_from(names) | ANY_TEXT if names else ANY_TEXT
    return st.lists(st.tuples(keys, SCALARS), max_size=4)


def _encode(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _send(client, spec, path, method, operation, data, ids):
    values = PATH_VALUES | st.sampled_from(ids)
    url = re.sub(r"\{[^}]+\}", lambda _m: _encode(data.draw(values)), path)
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in data.draw(_query(operation)))
    if query:
        url += "?" + query
    if method == "get":
        return client.get(url)
    body = data.draw(_body(spec, operation))
    raw = "" if body is None else json.dumps(body)
    return client.generic(method.upper(), url, raw.encode(), content_type="application/json")


def _check(response, operation, where):
    status = response.status_code
    assert status < 500, f"{where} → {status}"
    if status >= 400 and not where.split()[1].startswith("/hooks/"):
        assert status in _documented(operation), f"{where} → undocumented {status}"
        data = response.json()
        assert data["code"] and data["message"], where


@pytest.fixture
def fuzz_client(client, business, owner, settings):
    """The owner's API key, over a business with data to find, credits to spend and one of
    every documented object."""
    # Hundreds of requests from one key: past the API's per-minute limit the fuzzing would
    # only meet 429s (the limits have their own tests in kazan/tenancy/tests).
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    from kazan.campaigns.services import campaign_save
    from kazan.loyalty.services import voucher_welcome_issue

    customer = CustomerFactory(business=business)
    consent_given(customer)
    credits_given(business, 50)
    voucher_welcome_issue(business=business, customer=customer)
    campaign = campaign_save(business=business, actor=owner, name="Fuzz", body="Hi", draft=True)
    key = api_key_create(business=business, name="Fuzzer", actor=owner)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key.secret}"
    # The widget's routes name the business by its publishable id (the key's own business).
    from kazan.channels.widget.services import widget_settings_update

    widget_settings_update(business=business, actor=owner, enabled=True)
    client.defaults["HTTP_X_CLIENT_ID"] = business.client_id
    client.raise_request_exception = False
    # The catalog's routes: a product with a variant, an image, a category and an offer.
    from kazan.commerce.testing import (
        category_factory,
        offer_factory,
        product_factory,
        variant_factory,
    )

    category = category_factory(business, name="Fuzz")
    product = product_factory(business, category=category, stock=5)
    variant_factory(product, name="Fuzz")
    offer = offer_factory(business, products=[product])
    client.ids = [
        customer.pk,
        campaign.pk,
        product.pk,
        category.pk,
        offer.pk,
        _order_placed(business, customer).pk,
        _token_order_placed(business).pk,
    ]
    return client


def _token_order_placed(business):
    """One token order in the queue (seed 004), for the /queue routes."""
    from kazan.commerce.tests.queue_helpers import place

    return place(business)


def _order_placed(business, customer):
    """One order (commerce), so the orders routes get past their 404 into the services."""
    from kazan.commerce.models import Product
    from kazan.commerce.services import cart_add, order_create

    product = Product.objects.create(business=business, name="Fuzz box", price_minor=100)
    cart_add(business=business, customer=customer, channel="web", product_id=product.pk)
    return order_create(
        business=business, customer=customer, channel="web", payment_method="on_delivery"
    ).order


FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
def test_no_input_makes_any_route_answer_500(fuzz_client, spec, data):
    operations = list(_operations(spec))
    path, method, operation = data.draw(st.sampled_from(operations))
    response = _send(fuzz_client, spec, path, method, operation, data, fuzz_client.ids)
    _check(response, operation, f"{method.upper()} {path}")


@pytest.fixture
def staff_widget_client(client, business, staff_user):
    """A staff member after the second factor (the console's routes) whose requests also carry
    the business's public id (the widget's routes)."""
    from kazan.accounts.tests.staff import staff_sign_in

    staff_sign_in(client, staff_user)
    client.defaults["HTTP_X_CLIENT_ID"] = business.client_id
    client.raise_request_exception = False
    client.ids = [business.pk]
    return client


@FUZZ
@given(data=st.data())
def test_no_input_makes_the_widget_or_staff_routes_answer_500(staff_widget_client, spec, data):
    """The routes the API key above never gets past: the public id's and the staff's."""
    operations = [
        (path, method, operation)
        for path, method, operation in _operations(spec)
        if path.startswith(("/api/v1/events", "/api/v1/console/"))
    ]
    path, method, operation = data.draw(st.sampled_from(operations))
    response = _send(
        staff_widget_client, spec, path, method, operation, data, staff_widget_client.ids
    )
    _check(response, operation, f"{method.upper()} {path}")


@FUZZ
@given(
    messages=st.lists(
        st.fixed_dictionaries(
            {}, optional={"action": SCALARS, "text": JSON, "payload": JSON, "value": JSON}
        )
        | JSON,
        min_size=1,
        max_size=6,
    )
)
def test_no_input_makes_the_landing_chat_answer_500(client, business, messages):
    from django.core.cache import cache

    cache.clear()  # the chat's per-IP rate limit would soon answer every example with a 429
    client.raise_request_exception = False
    client.post(f"/{business.slug}/chat", '{"action": "start"}', content_type="application/json")
    for message in messages:
        response = client.post(
            f"/{business.slug}/chat", json.dumps(message), content_type="application/json"
        )
        assert response.status_code < 500, message
        assert response.json()["code" if response.status_code >= 400 else "replies"] is not None
