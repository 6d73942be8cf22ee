import pytest

from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; accounts/tests/test_privacy.py checks the real setting."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager(business):
    return MembershipFactory(business=business, role=Role.MANAGER)


@pytest.fixture
def agent(business):
    return MembershipFactory(business=business, role=Role.AGENT)


@pytest.fixture
def other_owner(other_business):
    """The owner of another business: the usual intruder in isolation tests."""
    return MembershipFactory(business=other_business, role=Role.OWNER).user
