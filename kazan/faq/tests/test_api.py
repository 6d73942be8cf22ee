"""/api/v1/faqs: the publishable client id reads the active FAQs and asks /match (logged,
rate-limited); an API key or a member's session reads every FAQ and writes within the limit;
another business's FAQs are unknown whoever asks."""

import pytest

from kazan.billing.testing import limits_give
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.models import Faq, FaqQuestion
from kazan.faq.tests.factories import cafe_faqs, faq_make
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_indexes():
    process_cache_clear()


@pytest.fixture
def keyed(client, business, owner):
    key = api_key_create(business=business, name="Shop", actor=owner)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key.secret}"
    return client


def _public(client, business, url):
    return client.get(url, headers={"X-Client-ID": business.client_id})


def test_the_client_id_reads_only_active_faqs_with_filters(client, business, other_business):
    cafe_faqs(business)
    faq_make(business, "Secret?", "Hidden.", is_active=False)
    faq_make(other_business, "Theirs?", "No.")
    data = _public(client, business, "/api/v1/faqs/").json()
    assert data["count"] == 5
    assert "Secret?" not in [item["question"] for item in data["items"]]
    german = _public(client, business, "/api/v1/faqs/?language=de&active=false").json()
    assert [item["question"] for item in german["items"]] == ["Wann habt ihr geöffnet?"]
    oat = _public(client, business, "/api/v1/faqs/?q=oat").json()["items"][0]
    assert '<a href="https://cafe.example/menu"' in oat["answer_html"]
    assert oat["answer_text"].endswith("See our menu: https://cafe.example/menu.")
    hidden = Faq.objects.get(question="Secret?")
    assert _public(client, business, f"/api/v1/faqs/{hidden.pk}").status_code == 404


def test_match_answers_logs_and_is_rate_limited(client, business):
    cafe_faqs(business)
    data = _public(client, business, "/api/v1/faqs/match?q=Are+dogs+allowed%3F&language=en").json()
    assert data["outcome"] == "answered"
    assert data["faq"]["question"] == "Can I bring my dog?"
    miss = _public(client, business, "/api/v1/faqs/match?q=Who+won+the+world+cup+in+1954%3F")
    assert miss.json()["outcome"] == "unanswered" and miss.json()["faq"] is None
    assert list(FaqQuestion.objects.values_list("outcome", "channel")) == [
        ("unanswered", "api"),
        ("answered", "api"),
    ]
    for _n in range(28):
        _public(client, business, "/api/v1/faqs/match?q=wifi")
    limited = _public(client, business, "/api/v1/faqs/match?q=wifi")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"


def test_no_client_id_no_answer_and_the_client_id_cannot_write(client, business):
    assert client.get("/api/v1/faqs/").status_code == 401
    response = client.post(
        "/api/v1/faqs/",
        {"question": "Wifi?", "answer": "Yes.", "language": "en"},
        content_type="application/json",
        headers={"X-Client-ID": business.client_id},
    )
    assert response.status_code == 401 and not Faq.objects.exists()


def test_an_api_key_creates_changes_and_deletes(keyed, business):
    response = keyed.post(
        "/api/v1/faqs/",
        {"question": "Wifi?", "alternatives": ["Internet?"], "answer": "Yes.", "language": "en"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    faq_id = response.json()["id"]
    response = keyed.patch(
        f"/api/v1/faqs/{faq_id}", {"is_active": False}, content_type="application/json"
    )
    assert response.json()["is_active"] is False and response.json()["alternatives"] == [
        "Internet?"
    ]
    listed = keyed.get("/api/v1/faqs/?active=false").json()
    assert listed["count"] == 1
    assert keyed.delete(f"/api/v1/faqs/{faq_id}").status_code == 204
    assert not Faq.objects.exists()


def test_writes_beyond_the_plans_limit_are_402_with_the_upgrade_link(keyed, business):
    limits_give(business, faqs=1)
    faq_make(business)
    response = keyed.post(
        "/api/v1/faqs/",
        {"question": "Dogs?", "answer": "Yes.", "language": "en"},
        content_type="application/json",
    )
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "plan_limit_reached" and body["key"] == "faqs" and body["limit"] == 1
    assert body["message"] == "Your plan allows 1 FAQ. Upgrade your plan to add more."
    assert (
        body["upgrade_url"].endswith("/dashboard/billing/")
        or "/billing/plans" in body["upgrade_url"]
    )
    limits_give(business, faqs=2)
    response = keyed.post(
        "/api/v1/faqs/",
        {"question": "Dogs?", "answer": "Yes.", "language": "en"},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_an_agent_session_reads_but_may_not_write(client, business):
    faq_make(business)
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    assert client.get("/api/v1/faqs/").json()["count"] == 1
    response = client.post(
        "/api/v1/faqs/",
        {"question": "Dogs?", "answer": "Yes.", "language": "en"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_another_business_faq_is_unknown(keyed, business, other_business):
    theirs = faq_make(other_business, "Theirs?", "No.")
    assert keyed.get(f"/api/v1/faqs/{theirs.pk}").status_code == 404
    assert (
        keyed.patch(
            f"/api/v1/faqs/{theirs.pk}", {"answer": "Mine"}, content_type="application/json"
        )
    ).status_code == 404
    assert keyed.delete(f"/api/v1/faqs/{theirs.pk}").status_code == 404
    assert Faq.objects.get(pk=theirs.pk).answer == "No."
    assert keyed.get("/api/v1/faqs/").json()["count"] == 0
