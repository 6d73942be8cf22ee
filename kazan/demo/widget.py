"""The demo café's website widget: switched on for the local development origins (so the demo
page at /widget/demo and a page served on port 8001 can embed it), with a WhatsApp number,
opening hours, texts in a few languages, and the seeded widget flow."""

from urllib.parse import urlsplit

from django.conf import settings

from kazan.channels.widget.services import widget_settings_update

ALLOWED_ORIGINS = ["http://localhost:8000", "http://127.0.0.1:8000", "http://localhost:8001"]


def _allowed_origins() -> list[str]:
    """The development origins plus this installation's own (`PORT=9000 make run` serves the
    demo page on another port, which must be allowed to frame the chat too)."""
    public = urlsplit(settings.PUBLIC_URL)
    own = [f"{public.scheme}://{public.netloc}"]
    if public.port:
        own += [
            f"{public.scheme}://localhost:{public.port}",
            f"{public.scheme}://127.0.0.1:{public.port}",
        ]
    return list(dict.fromkeys(ALLOWED_ORIGINS + own))


WEEKDAY_HOURS = [["08:00", "19:00"]]


def widget_load(*, business, owner) -> None:
    widget_settings_update(
        business=business,
        actor=owner,
        enabled=True,
        allowed_origins=_allowed_origins(),
        whatsapp_number="+4915112345678",
        whatsapp_text="Hallo Demo Café!",
        greetings={
            "en": "Hello! Welcome to Demo Café. How can we help?",
            "de": "Hallo! Willkommen im Demo Café. Wie können wir helfen?",
        },
        launcher_texts={"en": "Chat with us", "de": "Schreib uns"},
        offline_messages={
            "en": "We are closed right now. Leave us a message and we will answer tomorrow.",
            "de": "Wir haben gerade geschlossen. Schreib uns, wir antworten morgen.",
        },
        opening_hours={
            **{str(day): WEEKDAY_HOURS for day in range(6)},
            "6": [["09:00", "17:00"]],
        },
    )
