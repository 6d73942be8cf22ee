"""In Chromium, the Channels page as an owner uses it: a wrong account SID is explained and the
typed fields stay (the auth token does not), the business's own Twilio account (the local fake
Twilio, a real HTTP server the live server's thread calls through the SDK) is connected and
listed masked, its test succeeds, and it is disconnected after a confirmation step. An agent is
refused the page and is not offered it in the navigation."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.channels.tests.factories import BUSINESS_NUMBER, connect_fields
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill(page, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        page.fill(f"#connect-form [name={name}]", value)


def test_owner_connects_tests_and_disconnects_their_twilio_number(
    live_server, page, owner, platform_twilio
):
    fields = connect_fields()
    url = f"{live_server.url}/dashboard/channels/"
    browser_sign_in(page, url, owner.email)
    page.locator("#no-installations").wait_for()

    # when the owner mistypes the account SID
    _fill(page, {**fields, "account_sid": "AC123"})
    page.click("#connect-submit")

    # then the field says what is wrong, and what they typed is kept but the auth token
    page.get_by_text("An account SID is AC followed by 32 hex digits.").wait_for()
    assert page.input_value("#connect-form [name=label]") == fields["label"]
    assert page.input_value("#connect-form [name=account_sid]") == "AC123"
    assert page.input_value("#connect-form [name=from_number]") == fields["from_number"]
    assert page.input_value("#connect-form [name=auth_token]") == ""
    assert fields["auth_token"] not in page.content()
    assert page.locator("tr[data-installation]").count() == 0

    # when they correct it (and type the token again)
    _fill(page, {"account_sid": fields["account_sid"], "auth_token": fields["auth_token"]})
    page.click("#connect-submit")

    # then the connection is listed with only the SID's last 4 and the masked number
    page.get_by_text("Connected. Use “Test” to check that Twilio accepts it.").wait_for()
    row = page.locator("tr[data-installation]")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[:5] == [
        "Front desk",
        "SMS",
        "…" + fields["account_sid"][-4:],
        "+15••••661",
        "Connected",
    ]
    html = page.content()
    for secret in (fields["auth_token"], fields["account_sid"], BUSINESS_NUMBER):
        assert secret not in html
    assert platform_twilio.requests == []  # connecting saves; only "Test" asks Twilio

    # when they press "Test", Twilio (the fake) is asked with their own account
    row.get_by_role("button", name="Test").click()
    page.get_by_text("The connection works.").wait_for()
    assert "works" in row.locator("td").nth(5).inner_text()
    assert {r.method for r in platform_twilio.requests} == {"GET"}
    assert all(fields["account_sid"] in r.path for r in platform_twilio.requests)
    assert fields["auth_token"] not in page.content()

    # when they disconnect, they are asked first
    row.get_by_role("link", name="Disconnect").click()
    page.wait_for_url("**/dashboard/channels/*/disconnect")
    page.get_by_text("Disconnect this channel?").wait_for()
    assert "+15••••661" in page.locator("main").inner_text()
    page.click("#disconnect-confirm")

    # then it no longer sends or can be tested: it stays listed as disconnected, without actions
    page.get_by_text("Disconnected. Messages now go out through Kazan's own number.").wait_for()
    page.wait_for_url(url)
    assert row.locator("td").nth(4).inner_text() == "Disconnected"
    assert row.get_by_role("button", name="Test").count() == 0
    assert row.get_by_role("link", name="Disconnect").count() == 0
    assert fields["auth_token"] not in page.content()


def test_an_agent_is_refused_the_page_and_not_offered_it(live_server, page, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    browser_sign_in(page, f"{live_server.url}/dashboard/", agent.email)
    page.locator("nav.topnav").get_by_role("link", name="Customers").wait_for()
    assert page.locator("nav.topnav").get_by_role("link", name="Channels").count() == 0

    response = page.goto(f"{live_server.url}/dashboard/channels/")
    assert response is not None and response.status == 403
    page.get_by_text("Access denied").wait_for()
    assert page.locator("#connect-form").count() == 0
