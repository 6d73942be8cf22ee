"""A customer's data export carries their wallet; the erasure keeps the ledger (the business's
financial record, nothing personal in it) but drops the payment page links."""

import pytest

from kazan.customers.services.gdpr import customer_erase, customer_export
from kazan.wallet import services
from kazan.wallet.models import TokenEntry, TokenPurchase
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db


def test_export_and_erasure_of_the_wallet(business, owner):
    customer = wallet_customer(business, tokens=100)
    services.premium_grant(business=business, customer=customer, days=5, actor=owner)
    TokenPurchase.objects.create(
        business=business,
        customer=customer,
        tokens=50,
        amount_minor=500,
        currency="USD",
        gateway="oxapay",
        reference="123",
        pay_url="https://pay.example/123",
    )
    exported = customer_export(business=business, customer=customer, actor=owner)["wallet"]
    assert exported["balance"] == 100 and len(exported["entries"]) == 1
    assert exported["purchases"][0]["tokens"] == 50 and len(exported["premium"]) == 1
    customer_erase(business=business, customer=customer, actor=owner)
    assert TokenPurchase.objects.get().pay_url == ""
    assert TokenEntry.objects.filter(account__customer=customer).count() == 1
