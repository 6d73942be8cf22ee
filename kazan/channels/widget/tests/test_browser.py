"""In Chromium: a static page on another local origin (127.0.0.1, while Kazan runs on
localhost) embeds the widget with the one-line snippet. Until the launcher is clicked the page
makes no request to Kazan but the loader and stores nothing; then the chat opens in the frame,
greets, and a menu option answers; Esc closes it and gives the focus back to the launcher.
The host page's calls made before the loader ran (the queue) and its event listeners work."""

import functools
import http.server
import os
import threading

import pytest
from django.db.models import Count

from conftest import ARTIFACTS_DIR
from kazan.analytics.models import Event
from kazan.channels.widget.tests.factories import widget_on
from kazan.faq.services import faq_create
from kazan.webforms.formdef import hosted_form_url
from kazan.webforms.testing import form_configure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Café A's own website</title></head><body>
<h1>Welcome to our website</h1>
<script>window.Kazan=window.Kazan||function(){(Kazan.q=Kazan.q||[]).push(arguments)};
window.seen=[];Kazan("on","open",function(){seen.push("open")});
Kazan("on","close",function(){seen.push("close")});
Kazan("on","message",function(){seen.push("message")});
Kazan("identify",{name:"Ada",email:"ada@example.com"});</script>
SNIPPET
</body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def host_site(tmp_path):
    """A static web server on 127.0.0.1 (another origin than Kazan's localhost)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _storage(page) -> dict:
    return page.evaluate(
        "() => ({cookie: document.cookie, local: localStorage.length, "
        "session: sessionStorage.length})"
    )


def test_the_widget_on_another_website(live_server, page, business, host_site):
    folder, origin = host_site
    widget_on(
        business,
        allowed_origins=[origin],
        launcher_texts={"en": "Questions? Chat with us"},
        greetings={"en": "Hello from Café A!"},
    )
    from kazan.channels.widget.presenters import snippet
    from kazan.channels.widget.queries import widget_settings_for

    line = snippet(
        loader_url=f"{live_server.url}/widget.js",
        business=business,
        widget=widget_settings_for(business=business),
        language="en",
    )
    (folder / "index.html").write_text(HOST_PAGE.replace("SNIPPET", line), encoding="utf-8")
    kazan_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            kazan_requests.append(request.url) if request.url.startswith(live_server.url) else None
        ),
    )

    page.goto(f"{origin}/index.html")
    launcher = page.get_by_role("button", name="Questions? Chat with us")
    launcher.wait_for()
    page.wait_for_timeout(700)
    # Before the click: the loader only, nothing stored anywhere.
    assert kazan_requests == [f"{live_server.url}/widget.js"]
    assert _storage(page) == {"cookie": "", "local": 0, "session": 0}
    assert page.context.cookies() == []
    assert page.locator("iframe").count() == 0

    # Keyboard: the launcher is reachable with Tab and opens with Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.shadowRoot.activeElement.textContent") == (
        "Questions? Chat with us"
    )
    page.keyboard.press("Enter")
    frame = page.frame_locator("iframe[title='Questions? Chat with us']")
    frame.get_by_text("Hello from Café A!").wait_for()
    frame.get_by_role("button", name="Ask a question").click()
    frame.get_by_text("Type your question below", exact=False).wait_for()
    # The answer box: at least 16 px (no zoom on phones), and labelled.
    question = frame.get_by_label("Type your question…")
    assert question.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
    page.screenshot(path=os.path.join(ARTIFACTS_DIR, "widget-open.png"))
    assert any("/widget/frame?client=" in url for url in kazan_requests)
    assert any(url.endswith("/api/v1/widget/chat") for url in kazan_requests)
    assert page.context.cookies() == []
    assert _storage(page) == {"cookie": "", "local": 0, "session": 0}

    # Esc closes and the focus goes back to the launcher.
    question.focus()
    page.keyboard.press("Escape")
    page.locator("iframe").wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.shadowRoot.activeElement.textContent") == (
        "Questions? Chat with us"
    )
    seen = page.evaluate("() => window.seen")
    assert seen[0] == "open" and "message" in seen and seen[-1] == "close"


def test_a_website_not_allowed_gets_no_chat(live_server, browser, business, host_site):
    """Its own browser context: the refusal is a CSP violation, which the `page` fixture
    rightly fails on elsewhere; here it is the expected outcome."""
    folder, origin = host_site
    widget_on(business, allowed_origins=["https://www.cafe-a.example"])
    (folder / "index.html").write_text(
        HOST_PAGE.replace(
            "SNIPPET",
            f'<script src="{live_server.url}/widget.js" data-client="{business.client_id}" '
            'data-label="Chat" async></script>',
        ),
        encoding="utf-8",
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{origin}/index.html")
        with page.expect_console_message(
            lambda msg: "frame-ancestors" in msg.text, timeout=20_000
        ) as blocked:
            page.get_by_role("button", name="Chat").click()
        assert "'none'" in blocked.value.text, blocked.value.text
        assert page.frame_locator("iframe").get_by_text("Ask a question").count() == 0
    finally:
        context.close()


def test_each_followed_link_counts_its_kind_of_redirect(live_server, page, business, host_site):
    """WhatsApp, the business's own form (a link in third-party mode), and the links inside an
    FAQ's answer (one to another page, one to Kazan's hosted form): each click posts the
    matching kind to /api/v1/events. The links do not open (the test stops the navigation)."""
    folder, origin = host_site
    widget_on(
        business,
        allowed_origins=[origin],
        whatsapp_number="+4915112345678",
        launcher_texts={"en": "Chat"},
    )
    form_configure(business, mode="third_party", third_party_url="https://forms.cafe-a.example/c")
    faq_create(
        business=business,
        actor=None,
        actor_kind="system",
        language="en",
        question="Do you have a menu?",
        answer=f"See [our menu](https://www.cafe-a.example/menu) or [write to us]"
        f"({hosted_form_url(business)}).",
    )
    from kazan.channels.widget.presenters import snippet
    from kazan.channels.widget.queries import widget_settings_for

    line = snippet(
        loader_url=f"{live_server.url}/widget.js",
        business=business,
        widget=widget_settings_for(business=business),
        language="en",
    )
    (folder / "index.html").write_text(HOST_PAGE.replace("SNIPPET", line), encoding="utf-8")
    page.goto(f"{origin}/index.html")
    page.get_by_role("button", name="Chat").click()
    frame = page.frame_locator("iframe[title='Chat']")
    frame.get_by_role("button", name="Ask a question").wait_for()
    frame.locator("body").evaluate(
        "() => document.addEventListener('click', (event) => "
        "event.target.closest('a') && event.preventDefault())"
    )

    def counted(link) -> dict:
        with page.expect_response(
            lambda response: (
                response.url.endswith("/api/v1/events") and response.request.method == "POST"
            )
        ) as event:
            link.click()
        assert event.value.ok, event.value.status
        return event.value.request.post_data_json

    frame.get_by_role("button", name="Chat on WhatsApp").click()
    whatsapp = frame.get_by_role("link", name="Chat on WhatsApp")
    assert counted(whatsapp) == {"kind": "redirect_whatsapp"}
    frame.get_by_role("button", name="Contact form").last.click()
    assert counted(frame.get_by_role("link", name="Contact form")) == {"kind": "redirect_form"}
    question = frame.get_by_label("Type your question…")
    question.fill("Do you have a menu?")
    question.press("Enter")
    assert counted(frame.get_by_role("link", name="our menu")) == {"kind": "redirect_link"}
    assert counted(frame.get_by_role("link", name="write to us")) == {"kind": "redirect_form"}
    counts = dict(
        Event.objects.filter(business=business, kind__startswith="redirect_")
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    assert counts == {"redirect_whatsapp": 1, "redirect_form": 2, "redirect_link": 1}
