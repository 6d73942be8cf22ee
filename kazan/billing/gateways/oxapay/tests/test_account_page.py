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


def _open_invoice(business):
    from kazan.billing.gateways import CheckoutRequest, gateway_get

    return (
        gateway_get("oxapay")
        .checkout_start(
            CheckoutRequest(
                payment_id=1,
                business_id=business.pk,
                package_key="",
                description="Tokens",
                amount_minor=500,
                currency="USD",
                success_url="https://kazan.example/ok",
                cancel_url="https://kazan.example/no",
                idempotency_key="kazan-wallet-1",
                metadata={"kind": "wallet", "purchase_id": "1"},
                lifetime_minutes=30,
            )
        )
        .reference
    )


def test_the_key_stays_while_its_invoices_may_still_be_paid(
    owner_client, business, oxapay_settings, fake_oxapay
):
    import datetime as dt

    from django.utils import timezone

    from kazan.billing.models import GatewayCheckout
    from kazan.core.errors import ValidationFailed

    owner_client.post(URL, {"merchant_api_key": BUSINESS_KEY})
    reference = _open_invoice(business)
    checkout = GatewayCheckout.objects.get(reference=reference)
    assert checkout.account is not None and checkout.expires_at is not None

    rekey = owner_client.post(URL, {"merchant_api_key": OTHER_KEY})
    removal = owner_client.post(URL, {"remove": "on"}, follow=True)
    assert rekey.status_code == 400 and b"may still be paid" in rekey.content
    assert b"may still be paid" in removal.content
    account = GatewayAccount.objects.get()
    assert account.credential("merchant_api_key") == BUSINESS_KEY
    # Saving the same key again changes nothing and is allowed.
    services.gateway_account_save(
        business=business,
        gateway="oxapay",
        credentials={"merchant_api_key": BUSINESS_KEY},
        actor=None,
    )
    with pytest.raises(ValidationFailed):
        services.gateway_account_remove(business=business, gateway="oxapay", actor=None)

    # Expired (past the grace) or settled: the key may go.
    GatewayCheckout.objects.filter(pk=checkout.pk).update(
        expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert services.gateway_account_remove(business=business, gateway="oxapay", actor=None)


def test_a_final_callback_releases_the_key(
    owner_client, client, business, oxapay_settings, fake_oxapay
):
    from kazan.billing.gateways.oxapay.testing import callback_post

    owner_client.post(URL, {"merchant_api_key": BUSINESS_KEY})
    account = GatewayAccount.objects.get()
    reference = _open_invoice(business)
    fake_oxapay.status_set(reference, "Expired")
    callback_post(
        client, fake_oxapay.callback_for(reference), BUSINESS_KEY, hook_key=account.hook_key
    )

    assert owner_client.post(URL, {"merchant_api_key": OTHER_KEY}).status_code == 302
    account.refresh_from_db()
    assert account.credential("merchant_api_key") == OTHER_KEY
