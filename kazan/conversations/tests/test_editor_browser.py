"""In a real browser: an owner edits the greeting of the flow that answers the web channel,
tries it in the page's preview, and saves it as a new version — with no third-party request and
no CSP violation (the `page` fixture fails on either)."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.conversations.flowstore import flow_default_ensure, flow_for_channel
from kazan.customers.models import Customer
from kazan.messaging.models import OutboundMessage
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_GREETING = "Hello from our brand-new greeting!"


def _edit_try_and_save(live_server, page, business) -> None:
    """The owner's part: edit the greeting, try it, save it."""
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    flow = flow_default_ensure(business=business)
    browser_sign_in(page, f"{live_server.url}/dashboard/flows/", owner.email)
    page.click(f"tr[data-flow='{flow.key}'] >> text=Edit")
    page.wait_for_url(f"**/dashboard/flows/{flow.pk}/")

    # htmx moves a step down and back up, the typed text staying in the form
    page.fill("#s0-text-en", NEW_GREETING)
    page.click("li[data-step=greet] button[value='down:0']")
    page.locator(".flow-step").first.and_(page.locator("[data-step=ask_name]")).wait_for()
    page.click("li[data-step=greet] button[value='up:1']")
    page.locator(".flow-step").first.and_(page.locator("[data-step=greet]")).wait_for()
    assert page.input_value("#s0-text-en") == NEW_GREETING
    page.click("#preview-start")
    preview = page.locator("#flow-preview")
    preview.get_by_text(NEW_GREETING).wait_for()
    page.fill("#preview-message", "Anna")
    page.click("#preview-send")
    preview.get_by_text("Nice to meet you, Anna!", exact=False).wait_for()
    assert flow_for_channel(business=business, channel="web").number == 1  # tried, not saved

    page.click("#flow-save")
    page.locator("#flow-saved").get_by_text("Saved as version 2", exact=False).wait_for()
    assert page.input_value("#s0-text-en") == NEW_GREETING
    assert not Customer.objects.filter(business=business).exists()
    assert not OutboundMessage.objects.filter(business=business).exists()


def test_owner_edits_the_greeting_tries_it_and_saves_a_new_version(live_server, page, business):
    _edit_try_and_save(live_server, page, business)

    version = flow_for_channel(business=business, channel="web")
    assert version.number == 2
    assert version.definition["steps"]["greet"]["text"]["en"] == NEW_GREETING


# LANDING STEP — waits for the ENGINE merge: on main the landing page still runs the review
# funnel from code (conversation_receive's contract), not the stored flow. Once the engine runs
# flow_for_channel's version for new visitors this test passes, and strict xfail turns that
# into a failure so the marker gets removed.
@pytest.mark.xfail(
    strict=True, reason="the landing page runs the stored flow after the ENGINE merge"
)
def test_a_new_visitor_reads_the_saved_greeting_on_the_landing_page(live_server, page, business):
    _edit_try_and_save(live_server, page, business)
    visitor = page.context.browser.new_context(locale="en-US")
    try:
        landing = visitor.new_page()
        landing.goto(f"{live_server.url}/{business.slug}/")
        landing.locator("#chat").get_by_text(NEW_GREETING).wait_for(timeout=5_000)
    finally:
        visitor.close()
