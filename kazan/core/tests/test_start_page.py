"""The public face of the installation: the start page at /, the favicon, and the branded 404
for an unknown business address (also with DEBUG on, as under `make run`)."""

import pytest
from django.test import override_settings

from kazan.accounts.tests.staff import staff_sign_in
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_start_page_says_what_kazan_is_and_links_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Turn guests into regulars." in body
    assert 'href="/accounts/login/"' in body
    assert "data-dashboard" not in body and "data-console" not in body
    assert 'rel="icon"' in body
    assert "http://" not in body and "https://" not in body  # nothing from elsewhere


def test_start_page_is_in_the_visitors_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="de">' in response.content.decode()


def test_signed_in_member_and_staff_are_shown_their_way_in(client, business, staff_user):
    member = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(member)
    body = client.get("/").content.decode()
    assert 'href="/dashboard/"' in body and "data-dashboard" in body
    assert "data-sign-in" not in body and "data-console" not in body
    staff_sign_in(client, staff_user)
    body = client.get("/").content.decode()
    assert 'href="/console/"' in body and "data-console" in body


def test_favicon_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"


@override_settings(DEBUG=True)
@pytest.mark.parametrize("path", ["/no-such-cafe/", "/no-such-cafe/go/instagram"])
def test_unknown_business_address_shows_the_branded_404_even_with_debug(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.templates[0].name == "error.html"
    body = response.content.decode()
    assert "We could not find this page." in body
    assert "URL patterns" not in body and "URLconf" not in body


@override_settings(DEBUG=True)
def test_unknown_link_target_of_a_real_business_is_the_branded_404(client, business):
    response = client.get(f"/{business.slug}/go/no-such-network")
    assert response.status_code == 404
    assert "URL patterns" not in response.content.decode()
    assert response.templates[0].name == "error.html"
