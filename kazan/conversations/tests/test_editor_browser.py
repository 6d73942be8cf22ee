"""In a real browser: an owner edits the greeting of the flow that answers the web channel,
tries it in the page's preview, and saves it as a new version — with no third-party request and
no CSP violation (the `page` fixture fails on either). The landing page then greets a new
visitor with it, while a guest who started before the save finishes the version they started."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.conversations.flowstore import flow_default_ensure, flow_for_channel
from kazan.conversations.models import ConversationSession
from kazan.customers.models import Customer
from kazan.messaging.models import OutboundMessage
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_GREETING = "Hello from our brand-new greeting!"
OLD_GREETING = "Welcome to Café A! Thank you for visiting."


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


def _visitor(page):
    """A second guest: a browser context of their own (their own chat cookie)."""
    context = page.context.browser.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    return context


def test_a_new_visitor_reads_the_saved_greeting_while_one_mid_flow_finishes_the_old(
    live_server, page, business
):
    # Given a guest who started chatting before the owner saves
    early = _visitor(page)
    later = _visitor(page)
    try:
        before = early.new_page()
        before.goto(f"{live_server.url}/{business.slug}/")
        before.locator("#chat").get_by_text(OLD_GREETING).wait_for()

        # When the owner saves a new greeting
        _edit_try_and_save(live_server, page, business)

        # Then a new visitor of the landing page reads it, on the new version
        landing = later.new_page()
        landing.goto(f"{live_server.url}/{business.slug}/")
        landing.locator("#chat").get_by_text(NEW_GREETING).wait_for()
        # ...while the guest mid-flow answers on and finishes the version they started
        before.fill("#composer input[name=name]", "Ben")
        before.keyboard.press("Enter")
        before.locator("#chat").get_by_text("Nice to meet you, Ben!", exact=False).wait_for()
        before.reload()
        before.locator("#chat").get_by_text("Nice to meet you, Ben!", exact=False).wait_for()
        assert before.locator("#chat").get_by_text(NEW_GREETING).count() == 0
    finally:
        early.close()
        later.close()

    sessions = ConversationSession.objects.filter(business=business, conversation__channel="web")
    assert sorted(
        (session.flow_version.number, session.state.get("name")) for session in sessions
    ) == [(1, "Ben"), (2, None)]
