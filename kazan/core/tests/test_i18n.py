"""Every user-facing word ships in English, German, Turkish, Italian and Spanish."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "kazan" / "locale"
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]


def _entries(po_text: str):
    """(flags, msgid, msgstr-joined) for each entry of a .po file, the header excluded."""
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        body = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = "".join(re.findall(r'"(.*)"', body.split("msgstr")[0])) if "msgid" in body else ""
        msgstr = "".join(re.findall(r'"(.*)"', "msgstr".join(body.split("msgstr")[1:])))
        if msgid:
            yield flags, msgid, msgstr


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").read_text()
    entries = list(_entries(po))
    assert len(entries) > 100
    missing = [msgid for _, msgid, msgstr in entries if not msgstr]
    fuzzy = [msgid for flags, msgid, _ in entries if "fuzzy" in flags]
    assert not missing, f"{language}: untranslated {missing[:5]}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy[:5]}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Seite nicht gefunden"),
        ("tr", "bulunamadı"),
        ("it", "non trovata"),
        ("es", "no encontrada"),
    ],
)
def test_pages_speak_the_visitors_language(client, language, expected, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert expected.lower() in response.content.decode().lower()
    assert f'lang="{language}"' in response.content.decode()


def test_compiled_catalogues_are_used():
    with translation.override("de"):
        assert translation.gettext("Customers") != "Customers"
