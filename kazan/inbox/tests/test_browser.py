"""Issue 10's "done when", in Chromium: a web visitor's conversation is handed to a person; an
agent in the inbox sees the visitor's message arrive without reloading, replies, and the visitor
sees the reply without reloading. Two browser contexts, one live server, no Redis (the event
stream polls the database)."""

import time

import pytest
from django.utils import timezone

from kazan.accounts.tests.browser import browser_sign_in
from kazan.conversations.models import Conversation, Status
from kazan.inbox import stream
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_answers_a_handed_off_visitor_live(live_server, browser, page, business, settings):
    # Short streams: the browser reconnects often, and the server's threads are free soon
    # after the test.
    settings.INBOX_STREAM_SECONDS = 3
    agent = MembershipFactory(
        business=business, role=Role.AGENT, user=UserFactory(name="Kim Agent")
    ).user

    # given a visitor on the landing page whose conversation the bot handed to a person
    page.goto(f"{live_server.url}/{business.slug}/")
    chat = page.locator("#chat")
    chat.get_by_text("Welcome to Café A", exact=False).wait_for()
    page.evaluate("window.notReloaded = true")
    conversation = Conversation.objects.get(business=business, channel="web")
    Conversation.objects.filter(pk=conversation.pk).update(
        status=Status.OPEN, updated_at=timezone.now()
    )

    # and an agent with the inbox open
    agent_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    agent_context.set_default_timeout(15_000)
    inbox = agent_context.new_page()
    problems: list[str] = []
    inbox.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    inbox.on("pageerror", lambda error: problems.append(str(error)))
    try:
        browser_sign_in(inbox, f"{live_server.url}/dashboard/inbox/", agent.email)
        inbox.locator("[data-inbox-events][data-live=on]").wait_for()
        inbox.evaluate("window.notReloaded = true")
        row = inbox.locator(f"#inbox-list tr[data-conversation='{conversation.pk}']")
        row.wait_for()

        # when the visitor writes
        page.fill("#composer input[name=name]", "Can I bring my dog?")
        page.keyboard.press("Enter")

        # then the agent's list shows it without a reload
        row.get_by_text("Can I bring my dog?").wait_for()
        assert inbox.evaluate("window.notReloaded") is True

        # when the agent opens the thread and replies
        row.get_by_role("link").click()
        inbox.locator("#thread-live").get_by_text("Can I bring my dog?").wait_for()
        inbox.fill("#reply-text", "Yes, dogs are welcome!")
        inbox.click("#reply-form button[type=submit]")
        inbox.get_by_text("Your reply was sent.").wait_for()

        # then the visitor sees the reply without a reload, and may write on
        chat.get_by_text("Yes, dogs are welcome!").wait_for()
        assert page.evaluate("window.notReloaded") is True
        page.locator("#composer input").wait_for()

        # and the visitor's next message reaches the open thread without a reload
        inbox.locator("[data-inbox-events][data-live=on]").wait_for()
        inbox.evaluate("window.notReloaded = true")
        page.fill("#composer input", "Great, see you at 8")
        page.keyboard.press("Enter")
        inbox.locator("#thread-live").get_by_text("Great, see you at 8").wait_for()
        assert inbox.evaluate("window.notReloaded") is True
        assert not problems, problems
    finally:
        agent_context.close()
        # The server notices a closed stream only when it next writes: let the agent's stream
        # run out before the test database goes away under it.
        time.sleep(settings.INBOX_STREAM_SECONDS + stream.POLL_SECONDS)
