"""The registration page of a secure link and the customers' registration service behind it."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.core.errors import ValidationFailed
from kazan.customers.addresses import customer_address
from kazan.customers.emails import email_index_for
from kazan.customers.models import ConsentRecord
from kazan.customers.queries import customer_is_registered, data_processing_consent_granted
from kazan.customers.services.registration import customer_register
from kazan.customers.tests.factories import CustomerFactory
from kazan.links import events
from kazan.links.models import SecureLink
from kazan.links.services import secure_link_issue
from kazan.links.testing import link_path

pytestmark = pytest.mark.django_db

FORM = {
    "first_name": "Lucía",
    "last_name": "Martínez",
    "email": "Lucia@Example.com",
    "street": "Calle Mayor 5",
    "apartment": "2º B",
    "city": "Madrid",
    "state": "Madrid",
    "postal_code": "28013",
    "country": "ES",
    "language": "es",
    "data_processing": "on",
    "lang": "es",
}


@pytest.fixture
def customer(business):
    return CustomerFactory(business=business, language="es", name="Lucía")


@pytest.fixture
def heard(monkeypatch):
    calls = []
    monkeypatch.setattr(events, "_listeners", [lambda b, c, ch: calls.append((b, c, ch))])
    return calls


def _link(business, customer, channel="whatsapp"):
    return link_path(
        secure_link_issue(
            business=business, customer=customer, purpose="registration", channel=channel
        )
    )


def test_the_form_shows_in_the_customer_language_with_the_privacy_text(client, business, customer):
    response = client.get(_link(business, customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert 'name="data_processing"' in html and 'name="marketing"' in html
    assert "AI" in html or "IA" in html  # not shared with external AI models
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert business.brand_color in html


def test_no_third_party_urls_in_the_page(client, business, customer):
    html = client.get(_link(business, customer)).content.decode()
    urls = re.findall(r"""(?:src|href|action)=["']([^"']+)""", html)
    assert urls
    assert all(not re.match(r"^(https?:)?//", url) for url in urls), urls
    assert "@import" not in html


def test_registration_saves_everything_and_consumes_the_link(
    client, business, customer, heard, django_capture_on_commit_callbacks
):
    path = _link(business, customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, FORM | {"marketing": "on"}, HTTP_USER_AGENT="Phone/1")
    assert response.status_code == 200
    assert "registered" in response.content.decode()
    customer.refresh_from_db()
    assert customer.name == "Lucía Martínez"
    assert customer.email == "lucia@example.com"
    assert customer.email_index == email_index_for("lucia@example.com")
    assert customer_address(customer) == {
        "street": "Calle Mayor 5",
        "apartment": "2º B",
        "city": "Madrid",
        "state": "Madrid",
        "postal_code": "28013",
        "country": "ES",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM customers_customer WHERE id = %s", [customer.pk])
        raw = cursor.fetchone()[0]
    assert raw and "Calle Mayor" not in raw  # encrypted at rest
    assert customer_is_registered(customer)
    assert data_processing_consent_granted(business=business, customer=customer)
    processing = ConsentRecord.objects.get(purpose="data_processing")
    assert processing.wording.language == "es"
    assert processing.wording.text in response.content.decode() or processing.wording.text
    assert business.name in processing.wording.text
    assert processing.user_agent == "Phone/1"
    marketing = ConsentRecord.objects.get(purpose="whatsapp_marketing")
    assert marketing.granted and "WhatsApp" in marketing.wording.text
    assert SecureLink.objects.get().used_at is not None
    assert heard == [(business, customer, "whatsapp")]
    assert Activity.objects.filter(action="customer.self_registered").exists()
    again = client.post(path, FORM)
    assert again.status_code == 410


def test_the_recorded_wording_is_the_text_shown(client, business, customer):
    path = _link(business, customer)
    page = client.get(path).content.decode()
    client.post(path, FORM)
    wording = ConsentRecord.objects.get(purpose="data_processing").wording
    from django.utils.html import escape

    assert escape(wording.text) in page


def test_marketing_is_optional_and_not_recorded_when_unticked(client, business, customer):
    client.post(_link(business, customer), FORM)
    assert not ConsentRecord.objects.filter(purpose="whatsapp_marketing").exists()


def test_a_channel_without_marketing_has_no_box(client, business, customer):
    html = client.get(_link(business, customer, channel="widget")).content.decode()
    assert 'name="marketing"' not in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"data_processing": ""}, "data_processing"),
        ({"email": "not-an-email"}, "email"),
        ({"first_name": ""}, "first_name"),
        ({"street": ""}, "street"),
        ({"country": "XX"}, "country"),
        ({"language": "fr"}, "language"),
    ],
)
def test_errors_are_shown_next_to_the_fields_and_the_link_stays_usable(
    client, business, customer, heard, change, field
):
    path = _link(business, customer)
    data = {k: v for k, v in (FORM | change).items() if v != ""}
    response = client.post(path, data)
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in response.content.decode()
    assert SecureLink.objects.get().used_at is None
    customer.refresh_from_db()
    assert customer.registered_at is None and heard == []
    assert client.post(path, FORM).status_code == 200


def test_an_email_of_another_customer_is_refused_at_the_field(client, business, customer):
    CustomerFactory(business=business, email="lucia@example.com")
    response = client.post(_link(business, customer), FORM)
    assert response.status_code == 422
    assert 'id="id_email_error"' in response.content.decode()
    assert SecureLink.objects.get().used_at is None


def test_xss_in_names_is_escaped(client, business, customer):
    evil = '<script>alert("x")</script>'
    business.name = f"Shop {evil}"
    business.save(update_fields=["name"])
    customer.name = f"{evil} Jr"
    customer.save(update_fields=["name"])
    html = client.get(_link(business, customer)).content.decode()
    assert evil not in html
    assert "&lt;script&gt;" in html


def test_expired_registration_link(client, business, customer):
    path = _link(business, customer)
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        response = client.post(path, FORM)
    assert response.status_code == 410
    customer.refresh_from_db()
    assert customer.registered_at is None


def test_language_switch(client, business, customer):
    path = _link(business, customer)
    assert '<html lang="it">' in client.get(path + "?lang=it").content.decode()
    assert '<html lang="es">' in client.get(path + "?lang=xx").content.decode()
    client.post(path, FORM | {"lang": "en"})
    assert ConsentRecord.objects.get(purpose="data_processing").wording.language == "en"


def test_another_business_link_cannot_register_a_customer(client, business, other_business):
    stranger = CustomerFactory(business=other_business)
    path = _link(other_business, stranger)
    response = client.post(path.replace(other_business.slug, business.slug), FORM)
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.registered_at is None


def test_service_requires_consent_and_stays_in_its_business(business, other_business, customer):
    arguments = dict(
        name="A B",
        email="a@example.com",
        address={"street": "S 1", "city": "C", "postal_code": "1", "country": "IT"},
        language="it",
        marketing_consent=False,
        channel="whatsapp",
        data_processing_wording="I agree.",
    )
    with pytest.raises(ValidationFailed):
        customer_register(
            business=business, customer=customer, data_processing_consent=False, **arguments
        )
    from kazan.core.errors import NotFound

    with pytest.raises(NotFound):
        customer_register(
            business=other_business, customer=customer, data_processing_consent=True, **arguments
        )
    customer_register(
        business=business, customer=customer, data_processing_consent=True, **arguments
    )
    assert customer_is_registered(customer)
    assert ConsentRecord.objects.get().wording.text == "I agree."


def test_strict_csp_and_the_brand_style_carries_its_nonce(client, business, customer):
    response = client.get(_link(business, customer))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()


def test_a_cross_site_post_is_refused_and_the_pages_set_no_cookie(client, business, customer):
    path = _link(business, customer)
    page = client.get(path)
    assert not page.cookies  # no session, no CSRF cookie: the token is the only authority
    forged = client.post(path, FORM, HTTP_ORIGIN="https://evil.example")
    assert forged.status_code == 404
    customer.refresh_from_db()
    assert customer.registered_at is None
    # Our own page posts "Origin: null" (Referrer-Policy: no-referrer): accepted.
    assert client.post(path, FORM, HTTP_ORIGIN="null").status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"first_name": "x" * 5000, "email": "a" * 400, "country": "ZZZ", "data_processing": "on"},
        FORM | {"street": "\x00", "first_name": "\x00"},
        FORM | {"language": "\u202e"},
    ],
)
def test_no_input_makes_the_registration_fail(client, business, customer, data):
    response = client.post(_link(business, customer), data)
    assert response.status_code < 500


def test_the_testing_helper_registers_through_the_page(client, business, customer):
    from kazan.links.testing import registration_post

    url = secure_link_issue(
        business=business, customer=customer, purpose="registration", channel="whatsapp"
    )
    assert registration_post(client, url, marketing="on").status_code == 200
    customer.refresh_from_db()
    assert customer_is_registered(customer)
    assert ConsentRecord.objects.filter(purpose="whatsapp_marketing").exists()
