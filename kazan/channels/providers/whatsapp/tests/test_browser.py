"""In Chromium: an owner connects the business's WhatsApp number on the Channels page (the
fake Graph API answers the test), a wrong field is explained with the secrets not echoed back,
and after connecting the page shows the number's own callback URL for Meta's App Dashboard."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.whatsapp.testing import PHONE_NUMBER_ID, whatsapp_fields

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FORM = "#connect-whatsapp"


def _fill(page, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        if name != "provider":
            page.fill(f"{FORM} [name={name}]", value)


def test_owner_connects_and_tests_their_whatsapp_number(live_server, page, owner, fake_graph):
    fields = whatsapp_fields()
    browser_sign_in(page, f"{live_server.url}/dashboard/channels/", owner.email)
    page.locator("#whatsapp-webhook-help").wait_for()
    assert page.locator(".whatsapp-webhook-url").count() == 0

    # a phone number id with letters is explained; the token is not echoed back
    _fill(page, {**fields, "phone_number_id": "abc"})
    page.click("#connect-whatsapp-submit")
    page.get_by_text("Enter the ID as Meta shows it: digits only.").wait_for()
    assert page.input_value(f"{FORM} [name=access_token]") == ""
    assert fields["access_token"] not in page.content()

    _fill(page, fields)
    page.click("#connect-whatsapp-submit")
    page.get_by_text("Use “Test” to check that Meta accepts it", exact=False).wait_for()
    row = page.locator("tr[data-installation]")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[1:3] == ["WHATSAPP", PHONE_NUMBER_ID]
    for secret in (fields["access_token"], fields["app_secret"], fields["verify_token"]):
        assert secret not in page.content()
    installation = ChannelInstallation.objects.get()
    key = installation.config["hook_key"]
    assert page.inner_text(".whatsapp-webhook-url").endswith(f"/hooks/whatsapp/{key}/")

    row.get_by_role("button", name="Test").click()
    page.get_by_text("The connection works.").wait_for()
    assert ("GET", f"/v23.0/{PHONE_NUMBER_ID}") in fake_graph.requests
