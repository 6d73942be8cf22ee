"""In a real browser on a phone-sized screen: a customer opens their registration link, fills
the form and sees the thank-you page; the page fetches nothing from another origin and runs
without a script error or a CSP violation."""

import pytest

from kazan.customers.models import ConsentRecord
from kazan.customers.queries import customer_is_registered
from kazan.customers.tests.factories import CustomerFactory
from kazan.links.services import secure_link_issue
from kazan.links.testing import link_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_registers_on_a_phone(live_server, page, business):
    customer = CustomerFactory(business=business, language="es", name="")
    url = live_server.url + link_path(
        secure_link_issue(
            business=business, customer=customer, purpose="registration", channel="whatsapp"
        )
    )
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(url + "?lang=en")
    page.fill("#id_first_name", "Lucía")
    page.fill("#id_last_name", "Martínez")
    page.fill("#id_email", "lucia@example.com")
    page.fill("#id_street", "Calle Mayor 5")
    page.fill("#id_postal_code", "28013")
    page.fill("#id_city", "Madrid")
    page.select_option("#id_country", "ES")
    page.select_option("#id_language", "es")
    page.click("#register-submit")
    # Without the consent the form comes back with the message next to the box.
    page.locator("#id_data_processing_error").wait_for()
    assert page.input_value("#id_first_name") == "Lucía"
    page.check("#id_data_processing")
    page.check("#id_marketing")
    page.click("#register-submit")
    page.locator("#registered").wait_for()

    assert customer_is_registered(type(customer).objects.get(pk=customer.pk))
    assert ConsentRecord.objects.filter(purpose="whatsapp_marketing", granted=True).exists()
    # Nothing asked of another origin, no script error, no CSP report in the console.
    assert requested and all(url.startswith(live_server.url) for url in requested), requested
    # (the 422 of the form sent without consent is the only error the console may show)
    assert [problem for problem in problems if "status of 422" not in problem] == []
    # The page fits the phone's width: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
