"""Forgot password: a signed, expiring, single-use link by email; rate-limited; the same answer
whether or not the address has an account; every session ends; two-factor still asked."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from kazan.accounts.tests.conftest import code_at, sign_in
from kazan.activity.models import Activity
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "violet harbour 4711 kettle"
FORGOT = "/accounts/password/forgot/"


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks, mailoutbox):
    """Asks for a link for `email` and lets the worker send it; returns the response."""

    def ask(email: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(FORGOT, {"email": email}, **extra)
        with django_capture_on_commit_callbacks(execute=True):
            tasks_run_all(sweep=False)  # the reset task queues the email
        tasks_run_all(sweep=False)  # the mail task sends it
        return response

    return ask


def _link(message) -> str:
    return re.search(r"http://\S+/accounts/password/reset/\S+/", message.body).group(0)


def _sent_section(response) -> str:
    return re.search(r"<section.*?</section>", response.content.decode(), re.S).group(0)


def _reset(client, link: str, password: str = NEW_PASSWORD):
    form = client.get(urlsplit(link).path, follow=True)
    return form, client.post(
        form.request["PATH_INFO"], {"new_password1": password, "new_password2": password}
    )


def test_the_sign_in_page_links_to_forgot_password(client):
    assert f'href="{FORGOT}"'.encode() in client.get("/accounts/login/").content


def test_a_known_and_an_unknown_address_get_the_same_answer(ask, person, mailoutbox):
    known = ask("ada@example.com")
    unknown = ask("nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert _sent_section(known) == _sent_section(unknown)
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert TEST_PASSWORD not in mailoutbox[0].body
    requested = Activity.objects.get(action="user.password_reset_requested")
    assert requested.target_id == str(person.pk) and requested.actor is None


def test_the_link_sets_a_new_password_once_and_ends_every_session(ask, client, person, mailoutbox):
    elsewhere = Client()
    sign_in(elsewhere)
    assert elsewhere.get("/accounts/security/").status_code == 200
    ask("ada@example.com")
    link = _link(mailoutbox[0])

    form, done = _reset(client, link)

    assert "set-password" in form.request["PATH_INFO"]  # the token left the address bar
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert Activity.objects.filter(action="user.password_reset", actor=person).exists()
    # the other session is over, and the link does not work twice
    assert elsewhere.get("/accounts/security/").status_code == 302
    again, _ = _reset(client, link, "another fine 9012 password")
    assert again.status_code == 400
    assert b"This link does not work" in again.content
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_the_link_expires_after_an_hour(ask, client, person, mailoutbox, time_machine):
    ask("ada@example.com")
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3601))

    form, _ = _reset(client, _link(mailoutbox[0]))

    assert form.status_code == 400
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/MQ/not-a-token/",
        "/accounts/password/reset/%F0%9F%98%80/x/",
        "/accounts/password/reset/" + "A" * 500 + "/x/",
        "/accounts/password/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk/x/",
    ],
)
def test_bad_links_get_a_clear_400(client, person, path):
    response = client.get(path, follow=True)

    assert response.status_code == 400
    assert b"This link does not work" in response.content


def test_two_factor_is_still_asked_after_a_reset(ask, client, person_with_2fa, mailoutbox):
    person, totp, _ = person_with_2fa
    ask("ada@example.com")
    _reset(client, _link(mailoutbox[0]))

    response = sign_in(client, password=NEW_PASSWORD)

    assert response["Location"] == "/accounts/login/verify/"
    assert "_auth_user_id" not in client.session
    client.post("/accounts/login/verify/", {"code": code_at(totp)})
    assert client.session["_auth_user_id"] == str(person.pk)


def test_asking_is_rate_limited_per_address_and_per_ip(ask, person, mailoutbox):
    answers = [ask("ada@example.com").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert len(mailoutbox) == 3

    for n in range(6):
        ask(f"someone{n}@example.com")
    assert ask("other@example.com").status_code == 429


def test_a_bad_address_is_a_400_with_a_message(client):
    response = client.post(FORGOT, {"email": "not an address"})

    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
