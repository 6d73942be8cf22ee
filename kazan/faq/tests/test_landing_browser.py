"""In a real browser, on the QR landing page: a guest asks, the FAQ's answer shows as rich text
(bold, a link opening in a new tab) and a script in an answer stays text; unsure, the bot asks
"Did you mean …?" and the guest's pick gets the answer."""

import pytest

from kazan.conversations.tests.factories import flow_bound
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.tests.factories import cafe_faqs, faq_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASK_LOOP = {
    "key": "ask",
    "start": "question",
    "steps": {
        "question": {
            "type": "ask",
            "input": "text",
            "var": "question",
            "prompt": {"en": "What would you like to know?"},
            "next": "answer",
        },
        "answer": {
            "type": "act",
            "action": "faq_answer",
            "next": "question",
            "on_error": {"*": "question"},
        },
    },
}


def _ask(page, text):
    page.fill("#composer input[name=text]", text)
    page.click("#composer button[type=submit]")


def test_a_guest_reads_rich_answers_and_picks_a_suggestion(live_server, page, business, settings):
    process_cache_clear()
    cafe_faqs(business)
    faq_make(business, "Is it safe?", "Sure <script>window.pwned = 1</script> **yes**")
    flow_bound(business, ASK_LOOP, channel="web")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/{business.slug}/")
    chat = page.locator("#chat")
    chat.get_by_text("What would you like to know?").first.wait_for()
    _ask(page, "Do you have oat milk?")
    link = chat.locator(".msg.rich a", has_text="our menu")
    link.wait_for()
    assert link.get_attribute("href") == "https://cafe.example/menu"
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")

    _ask(page, "Is it safe?")
    chat.locator(".msg.rich strong", has_text="yes").wait_for()
    assert page.evaluate("window.pwned") is None
    assert "<script>" in chat.locator(".msg.rich").last.inner_text()

    settings.FAQ_ANSWER_CONFIDENCE = 1.01  # unsure of everything: it asks instead
    _ask(page, "Are dogs allowed?")
    chat.get_by_text("Did you mean one of these?").wait_for()
    chat.locator(".choices button", has_text="Can I bring my dog?").click()
    chat.locator(".msg.rich", has_text="Dogs are welcome.").wait_for()
    assert problems == []
