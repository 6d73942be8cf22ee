"""Personal data at rest: emails are encrypted, passwords hashed with argon2, activity clean."""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from kazan.accounts.tests.conftest import ARGON2, sign_in
from kazan.activity.models import Activity
from kazan.tenancy import services as tenancy
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _all_text_in(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_user_and_invitation_emails_are_not_stored_in_plaintext(business, owner):
    UserFactory(email="secret.person@example.com")
    tenancy.invitation_create(
        business=business, email="invited.person@example.com", role=Role.AGENT, actor=owner
    )

    users = _all_text_in("accounts_user")
    invitations = _all_text_in("tenancy_invitation")

    assert "secret.person" not in users and "example.com" not in users
    assert "invited.person" not in invitations and "example.com" not in invitations


def test_activity_rows_carry_no_email(client, business, owner, person):
    sign_in(client)
    sign_in(client, email="stranger@example.com")
    tenancy.invitation_create(
        business=business, email="invited.person@example.com", role=Role.AGENT, actor=owner
    )

    assert Activity.objects.count() >= 3
    assert "example.com" not in _all_text_in("activity_activity")


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = [ARGON2]
    assert make_password("anything at all 1").startswith("argon2$")
    user = UserFactory(email="hashed@example.com")
    assert user.password.startswith("argon2$")
