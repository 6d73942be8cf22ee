"""Customer lists and look-ups: scoped to the business, erased customers hidden, no N+1."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.core.errors import NotFound, ValidationFailed
from kazan.customers import services
from kazan.customers.models import Customer
from kazan.customers.queries import customer_find_by_phone, customer_get, customer_list
from kazan.customers.tests.factories import CustomerFactory, consent_given

pytestmark = pytest.mark.django_db


def _names(customers) -> set[str]:
    return {c.name for c in customers}


def test_list_is_scoped_to_the_business_and_hides_erased(business, customer, other_customer):
    erased = CustomerFactory(business=business, name="Gone")
    services.customer_erase(business=business, customer=erased, actor=None)
    assert _names(customer_list(business=business)) == {"Anna Schmidt"}


def test_search_by_name_phone_and_email(business, customer):
    CustomerFactory(business=business, name="Bernd Brot")
    assert _names(customer_list(business=business, search="schmi")) == {"Anna Schmidt"}
    national = "0" + customer.phone_e164[3:6] + " " + customer.phone_e164[6:]
    assert _names(customer_list(business=business, search=national)) == {"Anna Schmidt"}
    assert _names(customer_list(business=business, search="ANNA@example.com")) == {"Anna Schmidt"}
    # Contacts are encrypted: the trailing digits are found through the suffix index, a
    # fragment from the middle of a number matches nothing (and does not fail).
    assert _names(customer_list(business=business, search=customer.phone_e164[-6:])) == {
        "Anna Schmidt"
    }
    assert _names(customer_list(business=business, search=customer.phone_e164[-9:-3])) == set()
    assert _names(customer_list(business=business, search="no@such.mail")) == set()


def test_another_business_phone_is_not_found_by_search(business, other_customer):
    assert not customer_list(business=business, search=other_customer.phone_e164).exists()


def test_filters_by_consent_tag_and_dates(business):
    now = timezone.now()
    yes = CustomerFactory(business=business, name="Yes", tags=["vip"])
    no = CustomerFactory(business=business, name="No", tags=["vip"])
    never = CustomerFactory(
        business=business, name="Never", last_interaction_at=now - dt.timedelta(days=40)
    )
    consent_given(yes)
    consent_given(no)
    consent_given(no, granted=False)
    assert _names(customer_list(business=business, consent=True)) == {"Yes"}
    assert _names(customer_list(business=business, consent=False)) == {"No", "Never"}
    vip = yes.tags.get()
    assert _names(customer_list(business=business, tag=vip.pk)) == {"Yes", "No"}
    assert _names(customer_list(business=business, tag=vip.pk, consent=True)) == {"Yes"}
    assert _names(customer_list(business=business, since=now - dt.timedelta(days=7))) == {
        "Yes",
        "No",
    }
    assert _names(customer_list(business=business, until=now - dt.timedelta(days=7))) == {
        never.name
    }
    rows = {c.name: c.sms_consent for c in customer_list(business=business)}
    assert rows == {"Yes": True, "No": False, "Never": False}


def test_a_tag_of_another_business_filters_to_nothing(business, other_business, customer):
    foreign = CustomerFactory(business=other_business, tags=["vip"]).tags.get()
    assert not customer_list(business=business, tag=foreign.pk).exists()


def test_list_costs_two_queries_whatever_the_number_of_rows(business, django_assert_num_queries):
    for n in range(25):
        customer = CustomerFactory(business=business, tags=["vip", f"t{n % 3}"])
        if n % 2:
            consent_given(customer)
    with django_assert_num_queries(2):  # the customers (with consent) + their tags
        rows = [
            (c.name, c.phone_masked, c.sms_consent, [t.name for t in c.tags.all()])
            for c in customer_list(business=business)
        ]
    assert len(rows) == 25
    assert sum(1 for row in rows if row[2]) == 12


def test_list_is_most_recently_active_first(business):
    now = timezone.now()
    CustomerFactory(business=business, name="Old", last_interaction_at=now - dt.timedelta(days=9))
    CustomerFactory(business=business, name="New", last_interaction_at=now)
    CustomerFactory(business=business, name="Never", last_interaction_at=None)
    assert [c.name for c in customer_list(business=business)] == ["New", "Old", "Never"]


def test_get_fails_closed(business, customer, other_customer):
    assert customer_get(business=business, customer_id=customer.pk) == customer
    assert customer_get(business=business, customer_id=str(customer.pk)) == customer
    for bad in [other_customer.pk, "abc", None, "1 OR 1=1", 10**12]:
        with pytest.raises(NotFound):
            customer_get(business=business, customer_id=bad)
    services.customer_erase(business=business, customer=customer, actor=None)
    with pytest.raises(NotFound):
        customer_get(business=business, customer_id=customer.pk)
    assert customer_get(business=business, customer_id=customer.pk, include_erased=True).erased_at


def test_find_by_phone_refuses_an_invalid_number(business):
    with pytest.raises(ValidationFailed):
        customer_find_by_phone(business=business, phone="hello")
    assert not Customer.objects.exists()


def test_a_customer_who_comes_back_the_same_day_is_returning(business):
    """The chat says "Welcome back" to anyone who registers again: the console counts them."""
    import time_machine

    from kazan.customers.queries import unscoped_customers_platform_stats

    start = dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        services.customer_register(business=business, phone="+4915112345678", channel="web")
        services.customer_register(business=business, phone="+4915187654321", channel="web")
    assert unscoped_customers_platform_stats() == {"total": 2, "returning": 0}
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        services.customer_register(business=business, phone="+4915112345678", channel="web")
    assert unscoped_customers_platform_stats() == {"total": 2, "returning": 1}
