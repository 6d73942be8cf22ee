"""TOTP two-factor: set-up with a QR code, recovery codes, sign-in with a code, disabling."""

import datetime as dt
import re

import pyotp
import pytest
from django.db import connection
from time_machine import travel

from kazan.accounts import services
from kazan.accounts.models import RecoveryCode
from kazan.accounts.tests.conftest import NOW, code_at, sign_in
from kazan.activity.models import Activity
from kazan.tenancy.tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- enabling ---------------------------------------------------------------------------------


def test_setup_page_shows_an_inline_svg_qr_code_and_the_text_secret(client, person, frozen):
    client.force_login(person)

    response = client.get("/accounts/security/two-factor/enable/")

    assert response.status_code == 200
    secret = client.session["accounts_totp_setup"]
    html = response.content.decode()
    assert '<svg width="' in html and 'class="qr"' in html
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert "<img" not in html  # no external image service is asked to draw the secret
    # The same secret is kept while the person types the code.
    client.get("/accounts/security/two-factor/enable/")
    assert client.session["accounts_totp_setup"] == secret


def test_wrong_confirmation_code_keeps_two_factor_off(client, person, frozen):
    client.force_login(person)
    client.get("/accounts/security/two-factor/enable/")

    response = client.post("/accounts/security/two-factor/enable/", {"code": "000000"})

    assert response.status_code == 400
    assert b"This code is not right" in response.content
    person.refresh_from_db()
    assert not person.has_totp


def test_confirming_turns_two_factor_on_and_shows_ten_recovery_codes_once(client, person, frozen):
    client.force_login(person)
    client.get("/accounts/security/two-factor/enable/")
    totp = pyotp.TOTP(client.session["accounts_totp_setup"])

    response = client.post("/accounts/security/two-factor/enable/", {"code": code_at(totp)})

    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
    assert len(set(codes)) == 10
    person.refresh_from_db()
    assert person.has_totp
    assert "accounts_totp_setup" not in client.session
    # Only hashes are stored.
    stored = set(RecoveryCode.objects.filter(user=person).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    assert Activity.objects.filter(action="user.2fa_enabled", actor=person).count() == 1
    # The security page never shows them again.
    page = client.get("/accounts/security/").content.decode()
    assert not any(code in page for code in codes)
    assert "10 unused recovery codes" in page


def test_totp_secret_is_encrypted_in_the_database(person_with_2fa):
    user, totp, _ = person_with_2fa
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:")
    assert totp.secret not in stored


# --- signing in with a second factor ---------------------------------------------------------


def test_password_alone_does_not_sign_in_a_person_with_two_factor(client, person_with_2fa):
    response = sign_in(client, next="/dashboard/activity/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/verify/"
    assert not _signed_in(client)
    assert client.get("/dashboard/").status_code == 302  # still sent to the login page
    assert not Activity.objects.filter(action="user.login").exists()


def test_correct_code_completes_the_sign_in_and_follows_next(client, person_with_2fa):
    user, totp, _ = person_with_2fa
    sign_in(client, next="/dashboard/activity/")

    response = client.post("/accounts/login/verify/", {"code": code_at(totp)})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/activity/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "accounts_pending_login" not in client.session
    assert Activity.objects.filter(action="user.login").get().data == {"method": "totp"}


def test_code_from_the_previous_step_is_still_accepted(client, person, frozen):
    secret = services.totp_secret_new()
    totp = pyotp.TOTP(secret)
    frozen.move_to(NOW - dt.timedelta(minutes=5), tick=False)
    services.totp_enable(user=person, secret=secret, code=code_at(totp, -300))
    frozen.move_to(NOW, tick=False)
    sign_in(client)

    response = client.post("/accounts/login/verify/", {"code": code_at(totp, -30)})

    assert response.status_code == 302
    assert _signed_in(client)


def test_wrong_code_is_refused_and_recorded(client, person_with_2fa):
    _user, totp, _ = person_with_2fa
    sign_in(client)

    response = client.post("/accounts/login/verify/", {"code": code_at(totp, 120)})

    assert response.status_code == 400
    assert not _signed_in(client)
    assert Activity.objects.get(action="user.login_failed").data == {"reason": "wrong_code"}


def test_a_code_cannot_be_used_twice(client, person_with_2fa):
    _user, totp, _ = person_with_2fa
    code = code_at(totp)
    sign_in(client)
    assert client.post("/accounts/login/verify/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")

    sign_in(client)
    response = client.post("/accounts/login/verify/", {"code": code})

    assert response.status_code == 400
    assert b"used already" in response.content
    assert not _signed_in(client)


def test_a_code_older_than_the_last_used_one_is_refused(client, person_with_2fa):
    _user, totp, _ = person_with_2fa
    sign_in(client)
    client.post("/accounts/login/verify/", {"code": code_at(totp, 30)})
    client.post("/accounts/logout/")

    sign_in(client)
    response = client.post("/accounts/login/verify/", {"code": code_at(totp)})

    assert response.status_code == 400


def test_recovery_code_signs_in_once(client, person_with_2fa):
    user, _, codes = person_with_2fa
    sign_in(client)

    response = client.post("/accounts/login/verify/", {"code": codes[0].upper()})

    assert response.status_code == 302
    assert _signed_in(client)
    assert Activity.objects.get(action="user.login").data == {"method": "recovery_code"}
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 9
    client.post("/accounts/logout/")

    sign_in(client)
    again = client.post("/accounts/login/verify/", {"code": codes[0]})
    assert again.status_code == 400
    assert not _signed_in(client)


def test_verify_attempts_are_rate_limited(client, person_with_2fa):
    _user, totp, _ = person_with_2fa
    sign_in(client)
    for _ in range(5):
        assert client.post("/accounts/login/verify/", {"code": "999999"}).status_code == 400

    response = client.post("/accounts/login/verify/", {"code": code_at(totp)})

    assert response.status_code == 429
    assert not _signed_in(client)


def test_pending_sign_in_expires_after_five_minutes(client, person_with_2fa):
    _user, totp, _ = person_with_2fa
    sign_in(client)

    with travel(NOW + dt.timedelta(minutes=6), tick=False):
        response = client.post("/accounts/login/verify/", {"code": code_at(totp, 360)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not _signed_in(client)


def test_verify_page_without_a_pending_sign_in_goes_back_to_login(client, db):
    response = client.get("/accounts/login/verify/")
    assert response["Location"] == "/accounts/login/"


# --- managing two-factor ----------------------------------------------------------------------


def test_disabling_needs_the_password(client, person_with_2fa):
    user, totp, _ = person_with_2fa
    client.force_login(user)

    response = client.post(
        "/accounts/security/two-factor/disable/",
        {"password": "wrong password", "code": code_at(totp)},
    )

    assert response.status_code == 400
    assert b"The password is wrong." in response.content
    user.refresh_from_db()
    assert user.has_totp


def test_disabling_needs_a_current_code(client, person_with_2fa):
    user, totp, _ = person_with_2fa
    client.force_login(user)

    response = client.post(
        "/accounts/security/two-factor/disable/",
        {"password": TEST_PASSWORD, "code": code_at(totp, -30)},  # used to enable it
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.has_totp


def test_disabling_with_password_and_code_turns_it_off(client, person_with_2fa):
    user, totp, _ = person_with_2fa
    client.force_login(user)

    response = client.post(
        "/accounts/security/two-factor/disable/",
        {"password": TEST_PASSWORD, "code": code_at(totp)},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.has_totp
    assert user.totp_secret == ""
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert Activity.objects.filter(action="user.2fa_disabled").count() == 1
    # The password alone signs in again.
    client.post("/accounts/logout/")
    assert sign_in(client)["Location"] == "/dashboard/"


def test_new_recovery_codes_replace_the_old_ones(client, person_with_2fa):
    user, totp, old_codes = person_with_2fa
    client.force_login(user)

    response = client.post("/accounts/security/two-factor/recovery-codes/", {"code": code_at(totp)})

    assert response.status_code == 200
    new_codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
    assert len(new_codes) == 10
    assert services.second_factor_verify(user=user, code=old_codes[0]) is None
    assert services.second_factor_verify(user=user, code=new_codes[0]) == "recovery_code"


def test_managing_two_factor_is_rate_limited(client, person_with_2fa):
    user, totp, _ = person_with_2fa
    client.force_login(user)
    for _ in range(10):
        client.post(
            "/accounts/security/two-factor/disable/", {"password": TEST_PASSWORD, "code": "1"}
        )

    response = client.post(
        "/accounts/security/two-factor/disable/",
        {"password": TEST_PASSWORD, "code": code_at(totp)},
    )

    assert response.status_code == 429
    user.refresh_from_db()
    assert user.has_totp


def test_security_page_needs_a_signed_in_person(client, db):
    response = client.get("/accounts/security/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/security/")


def test_security_page_uses_the_dashboard_layout_inside_a_business(client, person, business):
    MembershipFactory(business=business, user=person)
    client.force_login(person)

    page = client.get("/accounts/security/").content.decode()

    assert 'class="topbar"' in page
    assert business.name in page


def test_security_page_works_without_a_business(client, person):
    client.force_login(person)

    response = client.get("/accounts/security/")

    assert response.status_code == 200
    assert 'class="topbar"' not in response.content.decode()


# --- password ---------------------------------------------------------------------------------


def test_changing_the_password_needs_the_old_one(client, person):
    client.force_login(person)

    response = client.post(
        "/accounts/security/password/",
        {
            "old_password": "wrong",
            "new_password1": "a brand new secret 77",
            "new_password2": "a brand new secret 77",
        },
    )

    assert response.status_code == 400
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


def test_weak_new_password_is_refused(client, person):
    client.force_login(person)

    response = client.post(
        "/accounts/security/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "123", "new_password2": "123"},
    )

    assert response.status_code == 400
    assert b"too short" in response.content


def test_changed_password_works_and_the_session_survives(client, person):
    client.force_login(person)

    response = client.post(
        "/accounts/security/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a brand new secret 77",
            "new_password2": "a brand new secret 77",
        },
    )

    assert response.status_code == 302
    assert client.get("/accounts/security/").status_code == 200  # still signed in
    assert Activity.objects.filter(action="user.password_changed").count() == 1
    client.post("/accounts/logout/")
    assert sign_in(client, password=TEST_PASSWORD).status_code == 400
    assert sign_in(client, password="a brand new secret 77").status_code == 302
