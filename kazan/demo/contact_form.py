"""The demo café's contact form: its settings (every field, consent texts in the café's
languages, email to the manager) and a few messages in different languages, sent the way a
visitor sends them (form_submit), so they are matched to customers, counted and logged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kazan.webforms.models import fields_default

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

CONSENT_TEXTS = {
    "en": "Yes, Demo Café may send me news and offers by email or SMS. I can withdraw at any time.",
    "de": (
        "Ja, das Demo Café darf mir Neuigkeiten und Angebote per E-Mail oder SMS schicken. Ich "
        "kann jederzeit widerrufen."
    ),
    "tr": (
        "Evet, Demo Café bana e-posta veya SMS ile haber ve fırsatlar gönderebilir. İstediğim "
        "zaman geri çekebilirim."
    ),
    "it": (
        "Sì, Demo Café può inviarmi novità e offerte via e-mail o SMS. Posso revocare in "
        "qualsiasi momento."
    ),
    "es": (
        "Sí, Demo Café puede enviarme novedades y ofertas por correo o SMS. Puedo retirarlo en "
        "cualquier momento."
    ),
}
TITLES = {
    "en": "Write to us",
    "de": "Schreib uns",
    "tr": "Bize yazın",
    "it": "Scrivici",
    "es": "Escríbenos",
}
# (language, channel, data) of the demo's messages.
MESSAGES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "de",
        "web",
        {
            "name": "Jana Kraus",
            "email": "jana.kraus@example.com",
            "message": "Kann ich für Samstag einen Tisch für 8 Personen reservieren?",
            "consent": True,
        },
    ),
    (
        "en",
        "api",
        {
            "name": "Tom Baker",
            "email": "tom.baker@example.com",
            "phone": "+4915155500001",
            "message": "Do you cater for office breakfasts of about 20 people?",
        },
    ),
    (
        "tr",
        "web",
        {
            "name": "Ayşe Demir",
            "phone": "+4915155599901",
            "message": "Glutensiz kek var mı?",
        },
    ),
    (
        "it",
        "web",
        {
            "name": "Luca Rossi",
            "email": "luca.rossi@example.com",
            "message": "Organizzate anche feste di compleanno?",
            "consent": True,
        },
    ),
]


def forms_load(*, business: Business, manager_membership_id: int | None = None) -> None:
    """The form's settings, then the messages (the first one handled already)."""
    from kazan.webforms.services import (
        form_settings_update,
        form_submit,
        submission_mark_handled,
    )

    form_settings_update(
        business=business,
        actor=None,
        mode="built_in",
        # Email or phone, whichever the guest prefers (the form asks for one of them).
        fields={**fields_default(), "email": {"enabled": True, "required": False}},
        titles=TITLES,
        consent_texts=CONSENT_TEXTS,
        notify=True,
        notify_member_ids=[manager_membership_id] if manager_membership_id else [],
    )
    for index, (language, channel, data) in enumerate(MESSAGES):
        sent = form_submit(business=business, data=data, channel=channel, language=language)
        if index == 0:
            submission_mark_handled(business=business, submission=sent, actor=None)
