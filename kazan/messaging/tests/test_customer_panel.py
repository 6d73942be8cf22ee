import pytest
from django.urls import reverse

from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging.services import sms_send
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db


def test_customer_page_lists_that_customers_messages_only(owner_client, business):
    credits_given(business, 10)
    anna, ben = CustomerFactory.create_batch(2, business=business)
    sms_send(
        business=business,
        to=anna.phone_e164,
        customer=anna,
        body="Hello Anna",
        purpose="transactional",
    )
    sms_send(
        business=business,
        to=ben.phone_e164,
        customer=ben,
        body="Hello Ben",
        purpose="transactional",
    )

    page = owner_client.get(reverse("customers:detail", args=[anna.pk])).content.decode()

    assert 'id="panel-messages"' in page
    assert "Hello Anna" in page
    assert "Hello Ben" not in page
