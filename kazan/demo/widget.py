"""The demo café's website widget: switched on for the local development origins (so the demo
page at /widget/demo and a page served on port 8001 can embed it), with a WhatsApp number,
opening hours, texts in a few languages, and the seeded widget flow."""

from kazan.channels.widget.services import widget_settings_update

ALLOWED_ORIGINS = ["http://localhost:8000", "http://127.0.0.1:8000", "http://localhost:8001"]
WEEKDAY_HOURS = [["08:00", "19:00"]]


def widget_load(*, business, owner) -> None:
    widget_settings_update(
        business=business,
        actor=owner,
        enabled=True,
        allowed_origins=ALLOWED_ORIGINS,
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
