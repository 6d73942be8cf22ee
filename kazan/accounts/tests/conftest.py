import datetime as dt

import pyotp
import pytest

from kazan.accounts import services
from kazan.tenancy.tests.factories import TEST_PASSWORD, UserFactory

NOW = dt.datetime(2026, 5, 4, 9, 30, 10, tzinfo=dt.UTC)
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; these tests sign in hundreds of times. test_passwords_are_
    hashed_with_argon2 checks the real setting."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", ARGON2]


@pytest.fixture
def frozen(time_machine):
    """TOTP codes depend on the clock: tests run at a fixed instant (moved on explicitly)."""
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def person(db):
    return UserFactory(email="ada@example.com", name="Ada Lovelace")


@pytest.fixture
def person_with_2fa(person, frozen):
    """Two-factor on. It was confirmed with the previous step's code, so the current step's
    code is still unused. Returns (user, TOTP, recovery codes)."""
    secret = services.totp_secret_new()
    totp = pyotp.TOTP(secret)
    codes = services.totp_enable(user=person, secret=secret, code=code_at(totp, -30))
    return person, totp, codes


def code_at(totp: pyotp.TOTP, offset_seconds: int = 0) -> str:
    return totp.at(NOW.timestamp() + offset_seconds)


def sign_in(client, email="ada@example.com", password=TEST_PASSWORD, **data):
    return client.post("/accounts/login/", {"email": email, "password": password, **data})
