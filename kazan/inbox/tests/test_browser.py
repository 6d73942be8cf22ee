"""Issue 10's "done when", in Chromium: a web visitor hands themselves to a person with the
"Talk to a person" option of the business's stored flow; an agent in the inbox sees the
visitor's message arrive without reloading, replies, and the visitor sees the reply without
reloading. Two browser contexts, one live server, no Redis (the event
stream polls the database)."""

import time

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.conversations.models import Conversation, Status
from kazan.conversations.tests.factories import flow_bound
from kazan.core import sse
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A stored menu whose last option is the hand-off step.
MENU = {
    "key": "menu",
    "start": "menu",
    "steps": {
        "menu": {
            "type": "choose",
            "prompt": {"en": "What can we do for you?"},
            "choices": [
                {"value": "hours", "label": {"en": "Opening hours"}, "next": "hours"},
                {"value": "person", "label": {"en": "Talk to a person"}, "next": "person"},
            ],
        },
        "hours": {"type": "say", "text": {"en": "We are open 9:00 to 18:00."}},
        "person": {
            "type": "handoff",
            "text": {"en": "One moment, someone from our team will answer you here."},
        },
    },
}


def test_an_agent_answers_a_handed_off_visitor_live(live_server, browser, page, business, settings):
    # Short streams: the browser reconnects often, and the server's threads are free soon
    # after the test.
    settings.INBOX_STREAM_SECONDS = 3
    agent = MembershipFactory(
        business=business, role=Role.AGENT, user=UserFactory(name="Kim Agent")
    ).user

    # given a visitor on the landing page, where the business's stored menu answers
    flow_bound(business, MENU, channel="web")
    page.goto(f"{live_server.url}/{business.slug}/")
    chat = page.locator("#chat")
    chat.get_by_text("What can we do for you?").wait_for()
    page.evaluate("window.notReloaded = true")

    # who asks for a person by pressing the menu's button
    page.get_by_role("button", name="Talk to a person").click()
    chat.get_by_text("One moment, someone from our team will answer you here.").wait_for()
    conversation = Conversation.objects.get(business=business, channel="web")
    assert conversation.status == Status.OPEN

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
        page.fill("#composer input", "Can I bring my dog?")
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
        time.sleep(settings.INBOX_STREAM_SECONDS + sse.POLL_SECONDS)
