"""White label (decision 0033): the pages a business's customers see — the landing page, the
website widget, the contact form, the SMS unsubscribe page — carry Kazan's name ("Powered by
Kazan", the title, the favicon) unless the business's plan has white label; one business's
white label never hides the name on another's pages."""

import pytest
from django.core.cache import cache

from kazan.billing.testing import limits_give
from kazan.campaigns.links import unsubscribe_token
from kazan.channels.widget.tests.factories import HOST, widget_on
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _landing(client, business) -> str:
    response = client.get(f"/{business.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def _frame(client, business) -> str:
    response = client.get("/widget/frame", {"client": business.client_id, "origin": HOST})
    assert response.status_code == 200
    return response.content.decode()


def _unsubscribe(client, business) -> str:
    customer = CustomerFactory(business=business)
    token = unsubscribe_token(business_id=business.pk, customer_id=customer.pk)
    return client.get(f"/u/{token}").content.decode()


def test_without_white_label_the_landing_page_and_widget_say_powered_by_kazan(client, business):
    limits_give(business, white_label=False)
    widget_on(business)
    assert "Powered by Kazan" in _landing(client, business)
    assert "Powered by Kazan" in _frame(client, business)


def test_with_white_label_kazans_name_is_nowhere_on_them(client, business):
    limits_give(business, white_label=True)
    widget_on(business)
    for page in (_landing(client, business), _frame(client, business)):
        assert "data-powered-by" not in page
        assert "Kazan" not in page.replace("KazanChat", "")  # the script's global is no name


def test_the_unsubscribe_page_titles_the_business_under_white_label(client, business):
    limits_give(business, white_label=True)
    page = _unsubscribe(client, business)
    assert f"· {business.name}</title>" in page
    assert "Kazan" not in page and "favicon.svg" not in page


def test_the_unsubscribe_page_names_kazan_without_white_label(client, business):
    limits_give(business, white_label=False)
    page = _unsubscribe(client, business)
    assert "· Kazan</title>" in page and "favicon.svg" in page


def test_the_contact_form_shows_no_kazan_icon_under_white_label(client, business):
    limits_give(business, white_label=True)
    page = client.get(f"/{business.slug}/form").content.decode()
    assert "favicon.svg" not in page
    limits_give(business, white_label=False)
    cache.clear()  # the answer is kept a minute (kazan.core.branding)
    assert "favicon.svg" in client.get(f"/{business.slug}/form").content.decode()


def test_one_business_white_label_leaves_anothers_pages_as_they_are(
    client, business, other_business
):
    limits_give(business, white_label=True)
    limits_give(other_business, white_label=False)
    assert "Powered by Kazan" not in _landing(client, business)
    assert "Powered by Kazan" in _landing(client, other_business)
