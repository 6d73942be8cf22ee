"""Fixtures for the customers tests: customers in two businesses and clients of each role."""

import pytest
from django.test import Client

from kazan.customers.tests.factories import CustomerFactory
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory


def client_for(business, role: str) -> Client:
    """A browser signed in as a fresh member of `business` with `role`."""
    client = Client()
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client


@pytest.fixture
def customer(business):
    return CustomerFactory(business=business, name="Anna Schmidt", email="anna@example.com")


@pytest.fixture
def other_customer(other_business):
    return CustomerFactory(business=other_business, name="Bruno Other")


@pytest.fixture
def agent_client(business):
    return client_for(business, Role.AGENT)


@pytest.fixture
def manager_client(business):
    return client_for(business, Role.MANAGER)


@pytest.fixture
def intruder_client(other_business):
    """The owner of business B, who must never see or touch business A's customers."""
    return client_for(other_business, Role.OWNER)
