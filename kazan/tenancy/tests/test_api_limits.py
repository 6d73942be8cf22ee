import pytest

from kazan.tenancy.services import api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyed(client, business, owner):
    key = api_key_create(business=business, name="Limits", actor=owner)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key.secret}"
    return client


@pytest.mark.parametrize("path", ["/api/v1/catalog/products", "/api/v1/customers/"])
def test_headers_announce_the_limits_and_the_31st_is_429(keyed, path, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 30
    first = keyed.get(path)
    assert first.status_code == 200
    assert first["X-RateLimit-Limit"] == "30"
    assert first["X-RateLimit-Remaining"] == "29"
    assert 0 < int(first["X-RateLimit-Reset"]) <= 60
    assert first["X-RateLimit-Daily-Limit"] == "10000"
    assert first["X-RateLimit-Daily-Remaining"] == "9999"
    for _ in range(29):
        assert keyed.get(path).status_code == 200
    refused = keyed.get(path)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert 0 < int(refused["Retry-After"]) <= 60


def test_the_minute_is_per_key_and_shared_across_limited_routers(keyed, client, business, owner):
    for _ in range(15):
        keyed.get("/api/v1/catalog/products")
    for _ in range(15):
        keyed.get("/api/v1/customers/")
    assert keyed.get("/api/v1/catalog/categories").status_code == 429
    other = api_key_create(business=business, name="Other", actor=owner)
    response = keyed.get("/api/v1/catalog/products", HTTP_AUTHORIZATION=f"Bearer {other.secret}")
    assert response.status_code == 200


def test_a_member_session_is_limited_per_user(owner_client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    assert owner_client.get("/api/v1/catalog/products").status_code == 200
    assert owner_client.get("/api/v1/catalog/products").status_code == 200
    assert owner_client.get("/api/v1/catalog/products").status_code == 429


def test_the_daily_quota_per_business(keyed, business, owner):
    business.api_daily_quota = 3
    business.save(update_fields=["api_daily_quota"])
    responses = [keyed.get("/api/v1/catalog/products") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[-1]["X-RateLimit-Remaining"] == "0"
    assert responses[-1]["X-RateLimit-Daily-Remaining"] == "0"
    # another key of the same business shares the day
    other = api_key_create(business=business, name="Other", actor=owner)
    refused = keyed.get("/api/v1/catalog/products", HTTP_AUTHORIZATION=f"Bearer {other.secret}")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_unlimited_routers_have_no_headers(keyed):
    response = keyed.get("/api/v1/faqs/")
    assert "X-RateLimit-Limit" not in response


def test_openapi_documents_429(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "429" in spec["paths"]["/api/v1/catalog/products"]["get"]["responses"]
    assert "429" in spec["paths"]["/api/v1/customers/"]["get"]["responses"]
    assert "X-RateLimit-Remaining" in spec["info"]["description"]
