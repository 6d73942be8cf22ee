"""Signing in with email and password: success, generic failures, rate limits, safe redirects."""

import logging

import pytest

from kazan.accounts.models import email_index
from kazan.accounts.tests.conftest import sign_in
from kazan.activity.models import Activity
from kazan.core.ratelimit import ratelimit_hit
from kazan.tenancy.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GENERIC_ERROR = b"The email or password is wrong."


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_correct_password_signs_in_and_lands_on_the_dashboard(client, person):
    response = sign_in(client, email="  Ada@Example.com ")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert _signed_in_user_id(client) == str(person.pk)
    entry = Activity.objects.get(action="user.login")
    assert entry.business is None
    assert entry.actor == person
    assert entry.data == {"method": "password"}


def test_wrong_password_gets_the_generic_error_and_is_recorded(client, person):
    response = sign_in(client, password="not the password")

    assert response.status_code == 400
    assert GENERIC_ERROR in response.content
    assert _signed_in_user_id(client) is None
    failure = Activity.objects.get(action="user.login_failed")
    assert failure.actor == person
    assert failure.business is None
    assert failure.data == {"reason": "wrong_password"}


def test_unknown_email_gets_the_same_generic_error(client, person):
    response = sign_in(client, email="nobody@example.com")

    assert response.status_code == 400
    assert GENERIC_ERROR in response.content
    failure = Activity.objects.get(action="user.login_failed")
    assert failure.actor is None
    assert failure.actor_kind == "anonymous"
    assert failure.data == {"reason": "unknown_email"}
    assert "nobody" not in str(failure.data)


def test_inactive_user_cannot_sign_in_even_with_the_right_password(client):
    UserFactory(email="gone@example.com", is_active=False)

    response = sign_in(client, email="gone@example.com")

    assert response.status_code == 400
    assert GENERIC_ERROR in response.content
    assert _signed_in_user_id(client) is None
    assert Activity.objects.get(action="user.login_failed").data == {"reason": "inactive"}


def test_invalid_form_is_a_400_with_field_errors(client):
    response = client.post("/accounts/login/", {"email": "not-an-email", "password": ""})
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content


def test_too_many_attempts_for_one_email_are_refused_even_with_the_right_password(client, person):
    for _ in range(10):
        assert sign_in(client, password="guess").status_code == 400

    response = sign_in(client)

    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert _signed_in_user_id(client) is None


LIMIT = {"limit": 100, "window_seconds": 900}


def test_email_rate_limit_is_keyed_by_the_blind_index_not_the_email(client, person):
    sign_in(client, password="guess")

    # The view's try counted under the blind index (this is the second hit there), not under
    # the address itself (a fresh window).
    assert ratelimit_hit(f"login:email:{email_index('ada@example.com')}", **LIMIT) == 2
    assert ratelimit_hit("login:email:ada@example.com", **LIMIT) == 1


def test_too_many_attempts_from_one_address_are_refused(client):
    for number in range(30):
        assert sign_in(client, email=f"guess{number}@example.com").status_code == 400

    response = sign_in(client, email="another@example.com")

    assert response.status_code == 429


def test_other_addresses_are_not_limited_by_someone_elses_attempts(client, person):
    for number in range(31):
        client.post(
            "/accounts/login/",
            {"email": f"guess{number}@example.com", "password": "guess"},
            REMOTE_ADDR="10.0.0.1",
        )
    response = client.post(
        "/accounts/login/",
        {"email": "ada@example.com", "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "dashboard/",
    ],
)
def test_unsafe_next_is_ignored(client, person, next_url):
    response = sign_in(client, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_local_next_is_followed(client, person):
    response = sign_in(client, next="/dashboard/activity/?action=user")
    assert response["Location"] == "/dashboard/activity/?action=user"


def test_login_page_keeps_a_safe_next_and_drops_an_unsafe_one(client):
    safe = client.get("/accounts/login/?next=/dashboard/team/")
    unsafe = client.get("/accounts/login/?next=https://evil.example/")
    assert b'name="next" value="/dashboard/team/"' in safe.content
    assert b"evil.example" not in unsafe.content


def test_signed_in_person_opening_the_login_page_goes_on(client, person):
    client.force_login(person)
    assert client.get("/accounts/login/")["Location"] == "/dashboard/"


def test_logout_needs_a_post(client, person):
    client.force_login(person)

    assert client.get("/accounts/logout/").status_code == 405
    assert _signed_in_user_id(client) == str(person.pk)

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert _signed_in_user_id(client) is None


def test_failed_login_logs_no_email(client, person, caplog):
    with caplog.at_level(logging.DEBUG):
        sign_in(client, password="guess")
        sign_in(client, email="stranger@example.com")
    assert "ada@example.com" not in caplog.text
    assert "stranger@example.com" not in caplog.text
