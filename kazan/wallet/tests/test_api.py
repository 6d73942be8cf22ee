"""Wallet API: a customer's balance and history with an API key, an adjustment with a reason
(seed §10.1 PUT users/:id/tokens), refusals for keys without wallet.adjust, and 404 for
another business's customer."""

import pytest

from kazan.activity.models import Activity
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory
from kazan.wallet import queries
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db
API = "/api/v1/wallet/customers"


@pytest.fixture
def api(client, business, owner):
    key = api_key_create(business=business, name="CRM backend", actor=owner)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key.secret}"
    return client


def test_balance_and_history(api, business):
    customer = wallet_customer(business, tokens=300)
    data = api.get(f"{API}/{customer.pk}").json()
    assert (data["customer_id"], data["balance"], data["premium_until"]) == (customer.pk, 300, None)
    assert [(e["kind"], e["amount"]) for e in data["entries"]] == [("purchase", 300)]
    assert api.get(f"{API}/{customer.pk}?limit=1000").status_code == 422


def test_adjust_with_a_reason(api, business):
    customer = wallet_customer(business, tokens=100)
    answer = api.put(
        f"{API}/{customer.pk}/tokens",
        {"amount": -30, "reason": "support refund"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["balance"] == 70
    assert answer.json()["entries"][0]["note"] == "support refund"
    logged = Activity.objects.get(action="tokens.adjusted")
    assert logged.actor is None and logged.actor_kind.startswith("api_key:")
    short = api.put(
        f"{API}/{customer.pk}/tokens",
        {"amount": -71, "reason": "x"},
        content_type="application/json",
    )
    assert short.status_code == 402 and short.json()["code"] == "insufficient_tokens"
    blank = api.put(
        f"{API}/{customer.pk}/tokens",
        {"amount": 5, "reason": "  "},
        content_type="application/json",
    )
    assert blank.status_code == 400 and blank.json()["code"] == "reason_required"
    missing = api.put(f"{API}/{customer.pk}/tokens", {"amount": 5}, content_type="application/json")
    assert missing.status_code == 422
    assert queries.token_balance(business=business, customer=customer) == 70


def test_a_member_without_wallet_adjust_reads_but_cannot_adjust(client, business):
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    customer = wallet_customer(business, tokens=10)
    assert client.get(f"{API}/{customer.pk}").status_code == 200
    answer = client.put(
        f"{API}/{customer.pk}/tokens", {"amount": 5, "reason": "x"}, content_type="application/json"
    )
    assert answer.status_code == 403


def test_another_business_customer_is_404(api, other_business):
    stranger = wallet_customer(other_business, tokens=10)
    assert api.get(f"{API}/{stranger.pk}").status_code == 404
    answer = api.put(
        f"{API}/{stranger.pk}/tokens", {"amount": 5, "reason": "x"}, content_type="application/json"
    )
    assert answer.status_code == 404
    assert queries.token_balance(business=other_business, customer=stranger) == 10


def test_an_idempotency_key_applies_a_retried_adjustment_once(api, business):
    customer = wallet_customer(business, tokens=100)

    def put(key, amount=25):
        return api.put(
            f"{API}/{customer.pk}/tokens",
            {"amount": amount, "reason": "goodwill"},
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    first, repeat = put("req-1"), put("req-1")
    assert first.status_code == repeat.status_code == 200
    assert first.json()["balance"] == repeat.json()["balance"] == 125
    assert put("req-2").json()["balance"] == 150  # another key is another adjustment
    assert queries.token_balance(business=business, customer=customer) == 150
    assert Activity.objects.filter(action="tokens.adjusted").count() == 2
