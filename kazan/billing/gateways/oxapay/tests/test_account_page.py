"""/dashboard/billing/oxapay/: an owner connects, re-keys and disconnects the business's own
OxaPay merchant account; the key is write-only and never shown; agents cannot."""

import pytest

from kazan.activity.models import Activity
from kazan.billing import services
from kazan.billing.gateways.oxapay.tests.conftest import BUSINESS_KEY, OTHER_KEY
from kazan.billing.models import GatewayAccount
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/billing/oxapay/"


def test_the_owner_connects_an_account_and_the_key_is_never_shown(owner_client, business):
    page = owner_client.get(URL)
    assert page.status_code == 200
    assert b'data-oxapay="none"' in page.content or b'data-oxapay="platform"' in page.content

    response = owner_client.post(URL, {"merchant_api_key": f"  {BUSINESS_KEY} "}, follow=True)

    assert response.status_code == 200
    assert b'data-oxapay="connected"' in response.content
    assert BUSINESS_KEY.encode() not in response.content
    account = GatewayAccount.objects.get(business=business)
    assert account.credential("merchant_api_key") == BUSINESS_KEY
    entry = Activity.objects.get(action="gateway_account.connected")
    assert entry.data == {"gateway": "oxapay"}


def test_a_new_key_replaces_the_old_and_disconnecting_removes_it(owner_client, business, owner):
    services.gateway_account_save(
        business=business,
        gateway="oxapay",
        credentials={"merchant_api_key": OTHER_KEY},
        actor=owner,
    )
    owner_client.post(URL, {"merchant_api_key": BUSINESS_KEY})
    assert GatewayAccount.objects.get(business=business).credential("merchant_api_key") == (
        BUSINESS_KEY
    )

    response = owner_client.post(URL, {"remove": "on"}, follow=True)

    assert b'data-oxapay="connected"' not in response.content
    assert not GatewayAccount.objects.exists()
    assert Activity.objects.filter(action="gateway_account.removed").count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"merchant_api_key": "two words here"},
        {"merchant_api_key": "ключ-ключ"},
        {"merchant_api_key": "x" * 201},
        {"merchant_api_key": BUSINESS_KEY, "remove": "on"},
    ],
)
def test_bad_input_is_a_clear_400_and_saves_nothing(owner_client, data):
    response = owner_client.post(URL, data)
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not GatewayAccount.objects.exists()


def test_an_agent_cannot_see_or_change_the_account(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"merchant_api_key": BUSINESS_KEY}).status_code == 403
    assert not GatewayAccount.objects.exists()


def test_each_business_saves_only_its_own(owner_client, business, other_business):
    owner_client.post(URL, {"merchant_api_key": BUSINESS_KEY})
    assert GatewayAccount.objects.filter(business=other_business).count() == 0
    assert GatewayAccount.objects.filter(business=business).count() == 1
