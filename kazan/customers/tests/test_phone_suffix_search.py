"""Issue 9 (17): the team finds a customer by the last digits of their phone number. Numbers are
encrypted, so a keyed index of the last four digits narrows the search and the candidates'
decrypted numbers confirm it."""

import pytest
from django.apps import apps
from django.urls import reverse

from kazan.customers import services
from kazan.customers.models import Customer
from kazan.customers.phones import phone_suffix_index_for
from kazan.customers.queries import customer_list
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _names(customers) -> set[str]:
    return {c.name for c in customers}


@pytest.fixture
def numbers(business, other_business):
    """Anna …4567, Bruno …1234567 (also …4567), Cora …9999, and a stranger …4567 in business B."""
    CustomerFactory(business=business, name="Anna", phone_e164="+4915112344567")
    CustomerFactory(business=business, name="Bruno", phone_e164="+4915111234567")
    CustomerFactory(business=business, name="Cora", phone_e164="+4915112349999")
    CustomerFactory(business=other_business, name="Stranger", phone_e164="+4915199994567")


def test_the_last_four_digits_find_this_business_customers_only(business, numbers):
    assert _names(customer_list(business=business, search="4567")) == {"Anna", "Bruno"}


def test_more_trailing_digits_narrow_the_match(business, numbers):
    # Both share the indexed suffix 4567; the decrypted numbers decide.
    assert _names(customer_list(business=business, search="234567")) == {"Bruno"}
    assert _names(customer_list(business=business, search="12 34-4567")) == {"Anna"}


def test_fewer_than_four_digits_or_a_middle_fragment_find_no_number(business, numbers):
    assert _names(customer_list(business=business, search="567")) == set()
    assert _names(customer_list(business=business, search="1511")) == set()


def test_a_full_number_still_uses_the_exact_index(business, numbers):
    assert _names(customer_list(business=business, search="+49 151 12344567")) == {"Anna"}


def test_erased_customers_are_not_found_by_their_old_suffix(business, numbers):
    anna = Customer.objects.get(business=business, name="Anna")
    services.customer_erase(business=business, customer=anna, actor=None)
    anna.refresh_from_db()
    assert anna.phone_suffix_index is None
    assert _names(customer_list(business=business, search="4567")) == {"Bruno"}


def test_a_registered_customer_gets_the_suffix_index(business):
    customer, _ = services.customer_get_or_create_by_phone(
        business=business, phone="+4915112344567", name="New", channel="web"
    )
    customer.refresh_from_db()
    assert customer.phone_suffix_index == phone_suffix_index_for("+4915112344567")
    assert _names(customer_list(business=business, search="4567")) == {"New"}


def test_the_migration_backfills_existing_customers(business, numbers):
    import importlib

    migration = importlib.import_module("kazan.customers.migrations.0004_phone_suffix_index")
    Customer.objects.update(phone_suffix_index=None)
    assert _names(customer_list(business=business, search="4567")) == set()
    migration.backfill(apps, None)
    assert _names(customer_list(business=business, search="4567")) == {"Anna", "Bruno"}


def test_the_dashboard_search_finds_by_the_last_digits(owner_client, business, numbers):
    response = owner_client.get(reverse("customers:list"), {"q": "4567"})
    assert response.status_code == 200
    assert _names(response.context["page"]) == {"Anna", "Bruno"}
    assert "Stranger" not in response.text
