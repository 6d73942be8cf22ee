"""Root test configuration: settings for tests and the shared `business` / `member` fixtures."""

import os
import tempfile

os.environ.setdefault("KAZAN_TESTING", "1")
os.environ.setdefault("KAZAN_DATA_DIR", os.path.join(tempfile.gettempdir(), "kazan-test-data"))

import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def business(db):
    from kazan.tenancy.tests.factories import BusinessFactory

    return BusinessFactory(slug="cafe-a", name="Café A")


@pytest.fixture
def other_business(db):
    from kazan.tenancy.tests.factories import BusinessFactory

    return BusinessFactory(slug="shop-b", name="Shop B")


@pytest.fixture
def owner(business):
    from kazan.tenancy.models import Role
    from kazan.tenancy.tests.factories import MembershipFactory

    return MembershipFactory(business=business, role=Role.OWNER).user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def staff_user(db):
    from kazan.tenancy.tests.factories import UserFactory

    return UserFactory(is_staff=True)
