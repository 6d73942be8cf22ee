"""/api/v1/vouchers: a till checks and redeems codes through the counter's services, with an
API key or a member's session; codes of other businesses are unknown."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Voucher
from kazan.loyalty.services import voucher_welcome_issue
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/vouchers"


@pytest.fixture
def voucher(business):
    voucher, _issued = voucher_welcome_issue(
        business=business, customer=CustomerFactory(business=business)
    )
    return voucher


@pytest.fixture
def till(business, owner):
    """A client with the business's API key, as a point-of-sale system would call."""
    key = api_key_create(business=business, name="Till", actor=owner)
    return Client(headers={"Authorization": f"Bearer {key.secret}"})


def _post(client, route: str, code: str):
    return client.post(f"{API}/{route}", {"code": code}, content_type="application/json")


def test_check_shows_the_state_and_changes_nothing(till, voucher):
    typed = f"{voucher.code[:4].lower()}-{voucher.code[4:]}"
    response = _post(till, "check", typed)
    assert response.status_code == 200
    assert response.json()["code"] == voucher.code
    assert response.json()["state"] == "valid"
    voucher.refresh_from_db()
    assert voucher.redeemed_at is None


def test_redeem_once_then_409(till, voucher):
    first = _post(till, "redeem", voucher.code)
    assert first.status_code == 200
    assert first.json()["state"] == "redeemed" and first.json()["redeemed_at"]
    again = _post(till, "redeem", voucher.code)
    assert again.status_code == 409
    assert again.json()["code"] == "voucher_redeemed" and again.json()["message"]
    entry = Activity.objects.get(action="voucher.redeemed")
    assert entry.actor is None and entry.actor_kind.startswith("api_key:")
    assert _post(till, "check", voucher.code).json()["state"] == "redeemed"


def test_an_expired_voucher_is_409(till, voucher):
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = _post(till, "redeem", voucher.code)
    assert response.status_code == 409
    assert response.json()["code"] == "voucher_expired"


def test_unknown_and_other_business_codes_are_404(till, other_business):
    other, _issued = voucher_welcome_issue(
        business=other_business, customer=CustomerFactory(business=other_business)
    )
    for code in ("NOSUCHCODE", other.code):
        for route in ("check", "redeem"):
            response = _post(till, route, code)
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
    other.refresh_from_db()
    assert other.redeemed_at is None


def test_an_agent_may_redeem_with_the_session(business, voucher):
    agent = Client()
    agent.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    assert _post(agent, "redeem", voucher.code).status_code == 200
    voucher.refresh_from_db()
    assert voucher.redeemed_by is not None


def test_without_credentials_401(client, voucher):
    response = _post(client, "redeem", voucher.code)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("code", ["", "x" * 65])
def test_a_missing_or_oversized_code_is_422(till, code):
    response = _post(till, "check", code)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "code"
