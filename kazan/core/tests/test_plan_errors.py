"""A plan's refusal reaching the request handling uncaught: the page links the upgrade, JSON
carries the key, the limit and the upgrade URL (decision 0033)."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser

from kazan.core.entitlements import PlanFeatureUnavailable, PlanLimitReached
from kazan.core.middleware import DomainErrorMiddleware

UPGRADE = "http://testserver/dashboard/billing/plans/"


def _answer(request, error):
    request.user = AnonymousUser()
    return DomainErrorMiddleware(lambda _request: None).process_exception(request, error)


@pytest.mark.django_db
def test_the_page_shows_the_message_and_the_upgrade_link(rf):
    error = PlanLimitReached("Your plan allows 1 FAQ.", key="faqs", limit=1, upgrade_url=UPGRADE)
    response = _answer(rf.get("/dashboard/faq/import/"), error)
    assert response.status_code == 402
    body = response.content.decode()
    assert "Your plan allows 1 FAQ." in body and f'href="{UPGRADE}"' in body


def test_json_carries_the_key_the_limit_and_the_upgrade_url(rf):
    error = PlanFeatureUnavailable("No API access.", key="api_access", upgrade_url=UPGRADE)
    response = _answer(rf.get("/hooks/x/", HTTP_ACCEPT="application/json"), error)
    assert response.status_code == 403
    assert json.loads(response.content) == {
        "code": "plan_feature_unavailable",
        "message": "No API access.",
        "key": "api_access",
        "limit": None,
        "upgrade_url": UPGRADE,
    }
