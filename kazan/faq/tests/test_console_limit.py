"""Platform staff set a business's FAQ limit on its console page; members of a business cannot."""

import pytest
from django.test import override_settings

from kazan.accounts.tests.staff import staff_sign_in
from kazan.faq.queries import faq_limit
from kazan.faq.tests.factories import faq_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    staff_sign_in(client, staff_user)  # with the second factor, as the console requires
    return client


@override_settings(FAQ_LIMIT_DEFAULT=200)
def test_staff_set_and_reset_the_limit_on_the_business_page(staff_client, business):
    faq_make(business)
    page = staff_client.get(f"/console/businesses/{business.pk}/")
    assert 'id="faq-limit-form"' in page.text and "1 FAQs of 200 allowed." in page.text

    url = f"/console/businesses/{business.pk}/faq-limit/"
    assert staff_client.post(url, {"faq_limit": "20"}).status_code == 302
    assert faq_limit(business=business) == 20
    assert staff_client.post(url, {"faq_limit": "-1"}).status_code == 400
    assert staff_client.post(url, {"faq_limit": ""}).status_code == 302
    assert faq_limit(business=business) == 200


def test_a_business_owner_cannot_change_the_limit(owner_client, business):
    response = owner_client.post(
        f"/console/businesses/{business.pk}/faq-limit/", {"faq_limit": "9999"}
    )
    assert response.status_code == 404
    assert faq_limit(business=business) != 9999
