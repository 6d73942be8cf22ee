"""/dev/outbox: the development inbox, where developers and the end-to-end tests read OTPs."""

import pytest
from django.urls import reverse

from kazan.accounts.tests.staff import staff_sign_in
from kazan.messaging.services import sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, credits_given

pytestmark = pytest.mark.django_db

OTHER_PHONE = "+491701234567"


@pytest.fixture
def client(client, staff_user):
    """Outside DEBUG the inbox spans all businesses, so only staff may read it."""
    staff_sign_in(client, staff_user)
    return client


@pytest.fixture
def inbox(business, other_business):
    credits_given(business, 10)
    credits_given(other_business, 10)
    sms_send(business=business, to=PHONE, body="Your code is 111111", purpose="otp")
    sms_send(business=business, to=OTHER_PHONE, body="Your code is 222222", purpose="otp")
    sms_send(business=other_business, to=PHONE, body="Shop B code 333333", purpose="otp")
    tasks_run_all()


def bodies(response) -> list[str]:
    return [message["body"] for message in response.json()["messages"]]


def test_json_lists_newest_first_with_full_number_and_text(client, inbox):
    response = client.get(reverse("dev:outbox_json"))
    assert response.status_code == 200
    assert bodies(response) == [
        "Shop B code 333333",
        "Your code is 222222",
        "Your code is 111111",
    ]
    first = response.json()["messages"][0]
    assert (first["to"], first["business"], first["status"]) == (PHONE, "shop-b", "delivered")


def test_json_filters_by_number_even_with_an_unencoded_plus(client, inbox):
    # "?to=+49…" typed into a URL arrives as " 49…"
    response = client.get(reverse("dev:outbox_json") + "?to=+4915112345678")
    assert bodies(response) == ["Shop B code 333333", "Your code is 111111"]
    encoded = client.get(reverse("dev:outbox_json"), {"to": "+49 170 1234567"})
    assert bodies(encoded) == ["Your code is 222222"]


def test_json_filters_by_business(client, inbox):
    response = client.get(reverse("dev:outbox_json"), {"business": "cafe-a", "to": PHONE})
    assert bodies(response) == ["Your code is 111111"]
    assert bodies(client.get(reverse("dev:outbox_json"), {"business": "nope"})) == []


def test_json_rejects_a_bad_number(client, inbox):
    response = client.get(reverse("dev:outbox_json"), {"to": "hello"})
    assert response.status_code == 400


def test_page_shows_the_messages(client, inbox):
    response = client.get(reverse("dev:outbox"), {"business": "cafe-a"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your code is 111111" in html
    assert PHONE in html
    assert "Shop B code 333333" not in html


def test_inbox_is_gone_outside_development_and_tests(client, settings, inbox):
    settings.DEBUG = False
    settings.TESTING = False
    assert client.get(reverse("dev:outbox")).status_code == 404
    assert client.get(reverse("dev:outbox_json")).status_code == 404


def test_inbox_is_refused_to_business_members_outside_debug(client, owner, inbox):
    client.force_login(owner)
    assert client.get(reverse("dev:outbox")).status_code == 404
    assert client.get(reverse("dev:outbox_json")).status_code == 404


def test_inbox_is_open_on_a_debug_machine(client, settings, inbox):
    settings.DEBUG = True
    client.logout()
    assert client.get(reverse("dev:outbox_json")).status_code == 200
