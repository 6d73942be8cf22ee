"""Builders for the token-order and queue tests: a customer with tokens and a profile, premium,
an operator, an order placed."""

from kazan.commerce.models import Package
from kazan.commerce.services import packages_ensure_defaults, token_order_place
from kazan.customers.models import CustomerProfile
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory
from kazan.wallet.services import premium_grant
from kazan.wallet.testing import wallet_customer


def buyer(business, *, tokens=5000, premium=False, channel="web"):
    customer = wallet_customer(business, tokens=tokens, channel=channel)
    if premium:
        premium_grant(business=business, customer=customer, days=30, actor=None)
    return customer


def profile_of(business, customer, **fields) -> CustomerProfile:
    return CustomerProfile.objects.create(
        business=business,
        customer=customer,
        **{"first_name": "Ada", "last_name": "Lovelace", "password": "s3cret-Pass", **fields},
    )


def package(business, sites=100) -> Package:
    packages_ensure_defaults(business=business)
    return Package.objects.get(business=business, sites=sites)


def place(business, customer=None, *, sites=100, email=False, premium=False, tokens=5000):
    customer = customer or buyer(business, tokens=tokens, premium=premium)
    return token_order_place(
        business=business,
        customer=customer,
        profile=profile_of(business, customer),
        package=package(business, sites),
        email_confirmation=email,
        channel="web",
    )


def operator(business, role=Role.OPERATOR):
    return MembershipFactory(business=business, role=role).user
