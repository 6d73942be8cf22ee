"""Personal data is encrypted at rest: the raw rows hold no phone, email or IP in plaintext, and
the blind indexes still find people by exact value."""

import pytest
from django.db import connection

from kazan.customers import services
from kazan.customers.queries import customer_find_by_email, customer_find_by_phone
from kazan.customers.tests.factories import consent_given

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_raw_rows_hold_no_plaintext_contact_data(business, owner):
    customer, _ = services.customer_get_or_create_by_phone(
        business=business, phone="0151 12345678", name="Anna", channel="web"
    )
    services.customer_update(
        business=business,
        customer=customer,
        actor=owner,
        name="Anna",
        language="de",
        tags=[],
        email="anna@example.com",
    )
    consent_given(customer, ip="203.0.113.7")

    phone, email, phone_index, email_index = _raw(
        "SELECT phone_e164, email, phone_index, email_index FROM customers_customer WHERE id = %s",
        [customer.pk],
    )
    (ip,) = _raw(
        "SELECT ip_address FROM customers_consentrecord WHERE customer_id = %s", [customer.pk]
    )
    for stored in (phone, email, phone_index, email_index, ip):
        assert "15112345678" not in stored
        assert "anna@example.com" not in stored
        assert "203.0.113.7" not in stored
    assert phone.startswith("v1:") and email.startswith("v1:") and ip.startswith("v1:")
    # Two encryptions of different fields never look alike (random nonce, per-field context).
    assert phone != email


def test_the_blind_index_finds_by_exact_value(business, customer):
    assert customer_find_by_phone(business=business, phone=customer.phone_e164) == customer
    national = "0" + customer.phone_e164[3:]
    assert customer_find_by_phone(business=business, phone=national) == customer
    assert customer_find_by_email(business=business, email=" ANNA@example.com") == customer
    assert customer_find_by_phone(business=business, phone="+4915199999999") is None
