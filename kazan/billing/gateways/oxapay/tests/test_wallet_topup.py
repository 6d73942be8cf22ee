"""A customer's token top-up paid in crypto through OxaPay (the wallet's purchase, the fake
OxaPay, its signed callbacks): the purchase shows "confirming" while the payment is on its way,
the tokens arrive once when it is paid — also under 20 concurrent deliveries on PostgreSQL —,
an expired invoice closes the purchase, and a business's own OxaPay account works the same."""

import pytest

from kazan.billing import services as billing_services
from kazan.billing.gateways.oxapay.testing import MERCHANT_KEY, callback_post
from kazan.billing.gateways.oxapay.tests.conftest import BUSINESS_KEY
from kazan.billing.gateways.oxapay.tests.test_concurrency import DELIVERIES, deliver_concurrently
from kazan.billing.models import GatewayAccount, GatewayEvent
from kazan.wallet import services
from kazan.wallet.models import TokenEntry, TokenPurchase
from kazan.wallet.queries import token_balance
from kazan.wallet.testing import wallet_customer


@pytest.fixture
def shop(business, oxapay_settings):
    wallet = services.wallet_settings_get(business=business)
    wallet.gateway, wallet.token_price_minor, wallet.currency = "oxapay", 10, "USD"
    wallet.save()
    return business


def _credits(purchase: TokenPurchase) -> int:
    return TokenEntry.objects.filter(reference=f"purchase:{purchase.pk}").count()


@pytest.mark.django_db
def test_a_top_up_is_paid_through_an_oxapay_invoice_and_credited_once(shop, fake_oxapay, client):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=250)

    invoice = fake_oxapay.invoices[purchase.reference]
    assert (invoice["amount"], invoice["currency"]) == (25.0, "USD")
    assert invoice["order_id"] == f"kazan-wallet-{purchase.pk}"
    assert purchase.pay_url.startswith("https://pay.oxapay.com/")

    fake_oxapay.status_set(purchase.reference, "Paying")
    assert (
        callback_post(client, fake_oxapay.callback_for(purchase.reference), MERCHANT_KEY).content
        == b"ok"
    )
    purchase.refresh_from_db()
    assert (purchase.status, purchase.gateway_status) == ("confirming", "Paying")
    assert token_balance(business=shop, customer=customer) == 0

    fake_oxapay.status_set(purchase.reference, "Paid")
    body = fake_oxapay.callback_for(purchase.reference)
    for _ in range(3):
        assert callback_post(client, body, MERCHANT_KEY).content == b"ok"

    purchase.refresh_from_db()
    assert purchase.status == "paid"
    assert token_balance(business=shop, customer=customer) == 250
    assert _credits(purchase) == 1


@pytest.mark.django_db
def test_an_expired_invoice_closes_the_purchase_without_tokens(shop, fake_oxapay, client):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    fake_oxapay.status_set(purchase.reference, "Expired")
    callback_post(client, fake_oxapay.callback_for(purchase.reference), MERCHANT_KEY)
    purchase.refresh_from_db()
    assert purchase.status == "expired"
    assert token_balance(business=shop, customer=customer) == 0


@pytest.mark.django_db
def test_a_signed_callback_with_another_amount_credits_nothing(shop, fake_oxapay, client):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    fake_oxapay.status_set(purchase.reference, "Paid")
    body = fake_oxapay.callback_for(purchase.reference, amount=1)
    callback_post(client, body, MERCHANT_KEY)
    purchase.refresh_from_db()
    assert purchase.status != "paid"
    assert token_balance(business=shop, customer=customer) == 0


@pytest.mark.django_db
def test_the_fallback_poll_reads_the_invoice_with_the_right_key(shop, fake_oxapay, owner):
    """A lost callback: the wallet's recheck asks OxaPay's payment information, with the key
    of the business's own account that made the invoice."""
    billing_services.gateway_account_save(
        business=shop,
        gateway="oxapay",
        credentials={"merchant_api_key": BUSINESS_KEY},
        actor=owner,
    )
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    assert fake_oxapay.key_of(purchase.reference) == BUSINESS_KEY
    fake_oxapay.status_set(purchase.reference, "Paid")

    services.purchase_recheck(business=shop, purchase=purchase)

    assert token_balance(business=shop, customer=customer) == 100
    assert fake_oxapay.requests[-1].headers["merchant_api_key"] == BUSINESS_KEY


@pytest.mark.django_db
def test_a_business_account_top_up_arrives_at_its_own_url(shop, fake_oxapay, client, owner):
    billing_services.gateway_account_save(
        business=shop,
        gateway="oxapay",
        credentials={"merchant_api_key": BUSINESS_KEY},
        actor=owner,
    )
    account = GatewayAccount.objects.get(business=shop)
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=100)
    fake_oxapay.status_set(purchase.reference, "Paid")
    body = fake_oxapay.callback_for(purchase.reference)

    # On the platform's URL (even signed with the platform's key) it changes nothing.
    callback_post(client, body, MERCHANT_KEY)
    assert token_balance(business=shop, customer=customer) == 0

    callback_post(client, body, BUSINESS_KEY, hook_key=account.hook_key)
    assert token_balance(business=shop, customer=customer) == 100


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_top_up_paid_by_20_concurrent_callbacks_credits_the_wallet_exactly_once(
    shop, fake_oxapay
):
    customer = wallet_customer(shop)
    purchase = services.purchase_start(business=shop, customer=customer, tokens=250)
    fake_oxapay.status_set(purchase.reference, "Paid")
    body = fake_oxapay.callback_for(purchase.reference)

    answers = deliver_concurrently(body, MERCHANT_KEY)

    assert answers == [(200, b"ok")] * DELIVERIES
    assert _credits(purchase) == 1
    assert token_balance(business=shop, customer=customer) == 250
    assert GatewayEvent.objects.filter(event_id=f"{purchase.reference}:paid").count() == 1
    purchase.refresh_from_db()
    assert purchase.status == "paid"
