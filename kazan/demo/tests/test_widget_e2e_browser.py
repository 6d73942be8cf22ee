"""Issue 11's "done when", in Chromium: a static page served from another local origin
(127.0.0.1, while Kazan runs on localhost) embeds the widget with the one-line snippet exactly as
the dashboard shows it. Until the launcher is clicked the page makes no request to Kazan but the
loader and stores nothing (no cookie, no local or session storage, no IndexedDB). Then the
visitor asks an FAQ in German and reads the answer, follows the menu to the contact form and
sends it, and asks for a person; a team member sees the submission in the dashboard's forms and
answers the hand-off from the inbox, and the visitor reads the answer in the widget (live
polling). No third-party request, no CSP violation (the `page` fixture fails on either)."""

import functools
import http.server
import threading

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.channels.widget.tests.factories import widget_on
from kazan.conversations.models import Conversation
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.services import faq_create
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory
from kazan.webforms.models import FormSubmission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAUNCHER = "Fragen? Schreib uns"
GREETING = "Hallo! Willkommen im Café A."
OPENING_ANSWER = "Wir haben montags bis samstags von 8 bis 19 Uhr geöffnet."
GERMAN_FAQS = [
    (
        "Wann habt ihr geöffnet?",
        ["Wie sind eure Öffnungszeiten?", "Habt ihr am Samstag offen?"],
        OPENING_ANSWER,
    ),
    (
        "Kann ich mit Karte bezahlen?",
        ["Nehmt ihr Kreditkarten?"],
        "Ja, wir nehmen alle gängigen Karten.",
    ),
    ("Habt ihr WLAN?", ["Gibt es Internet?"], "Ja, das Passwort steht auf der Karte."),
    (
        "Kann ich einen Tisch reservieren?",
        ["Nehmt ihr Reservierungen an?"],
        "Ja, über das Kontaktformular.",
    ),
]
HOST_PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Café A</title></head><body><h1>Willkommen im Café A</h1>
SNIPPET
</body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def host_site(tmp_path):
    """The business's own website: static files on 127.0.0.1 (another origin than Kazan's)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _stored(page) -> dict:
    """Everything the page could have stored in the visitor's browser."""
    return page.evaluate(
        """async () => ({
            cookie: document.cookie,
            local: localStorage.length,
            session: sessionStorage.length,
            indexeddb: (await indexedDB.databases()).length,
        })"""
    )


NOTHING = {"cookie": "", "local": 0, "session": 0, "indexeddb": 0}


def test_a_visitor_uses_the_widget_on_the_business_website_and_the_team_answers(
    live_server, browser, page, business, host_site, settings
):
    settings.INBOX_STREAM_SECONDS = 3
    folder, origin = host_site
    process_cache_clear()
    owner = MembershipFactory(
        business=business, role=Role.OWNER, user=UserFactory(name="Olga Owner")
    ).user
    widget_on(
        business,
        allowed_origins=[origin],
        launcher_texts={"en": LAUNCHER},
        greetings={"en": GREETING},
    )
    for question, alternatives, answer in GERMAN_FAQS:
        faq_create(
            business=business,
            actor=owner,
            language="de",
            question=question,
            alternatives=alternatives,
            answer=answer,
        )

    # The team member signs in and copies the snippet the dashboard shows.
    team_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    team_context.set_default_timeout(15_000)
    team = team_context.new_page()
    try:
        browser_sign_in(team, f"{live_server.url}/dashboard/widget/", owner.email)
        line = team.locator("#snippet").inner_text().strip()
        assert line.startswith(f'<script src="{live_server.url}/widget.js"')
        assert f'data-client="{business.client_id}"' in line and line.endswith("async></script>")
        (folder / "index.html").write_text(HOST_PAGE.replace("SNIPPET", line), encoding="utf-8")

        # The visitor opens the business's website: the loader, and nothing else from Kazan.
        kazan_requests: list[str] = []
        page.on(
            "request",
            lambda request: (
                kazan_requests.append(request.url)
                if request.url.startswith(live_server.url)
                else None
            ),
        )
        page.goto(f"{origin}/index.html")
        launcher = page.get_by_role("button", name=LAUNCHER)
        launcher.wait_for()
        page.wait_for_load_state("networkidle")
        assert kazan_requests == [f"{live_server.url}/widget.js"]
        assert _stored(page) == NOTHING
        assert page.context.cookies() == []
        assert page.locator("iframe").count() == 0

        # Opened: the chat greets with its menu.
        launcher.click()
        frame = page.frame_locator(f"iframe[title='{LAUNCHER}']")
        frame.get_by_text(GREETING).wait_for()

        # An FAQ, asked in German, answered.
        frame.get_by_role("button", name="Ask a question").click()
        question = frame.get_by_label("Type your question…")
        question.fill("Wann habt ihr am Samstag offen?")
        question.press("Enter")
        frame.get_by_text(OPENING_ANSWER).wait_for()

        # The menu, then the contact form: fields and consent.
        frame.get_by_role("button", name="Contact form").last.wait_for()
        frame.get_by_role("button", name="Contact form").last.click()
        frame.get_by_label("Your name").fill("Erika Gast")
        frame.get_by_label("Email address").fill("erika.gast@example.com")
        frame.get_by_label("Your message").fill("Habt ihr einen Tisch für sechs am Freitag?")
        frame.get_by_role("checkbox").check()
        frame.get_by_role("button", name="Send").click()
        frame.get_by_text("Thank you! We received your message", exact=False).wait_for()
        submission = FormSubmission.objects.get(business=business)
        assert submission.consent_given and submission.origin == origin

        # The team member sees it in the dashboard's forms.
        team.goto(f"{live_server.url}/dashboard/forms/")
        team.get_by_role("cell", name="Erika Gast").wait_for()

        # The visitor asks for a person (no opening hours set: the team is in).
        frame.get_by_role("button", name="Talk to a person").last.wait_for()
        frame.get_by_role("button", name="Talk to a person").last.click()
        frame.get_by_text("A person from our team will answer you here shortly.").wait_for()
        conversation = Conversation.objects.get(business=business, channel="widget")

        # The team member answers from the inbox; the widget shows the answer.
        team.goto(f"{live_server.url}/dashboard/inbox/")
        team.locator(f"#inbox-list tr[data-conversation='{conversation.pk}'] a").click()
        team.wait_for_url(f"**/dashboard/inbox/{conversation.pk}/**")
        team.fill("#reply-text", "Hallo Erika, ja, der Tisch ist für Sie reserviert!")
        team.get_by_role("button", name="Send reply").click()
        frame.get_by_text("Hallo Erika, ja, der Tisch ist für Sie reserviert!").wait_for(
            timeout=30_000
        )
    finally:
        team_context.close()
    assert page.context.cookies() == []
    assert _stored(page) == NOTHING
