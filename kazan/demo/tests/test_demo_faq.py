"""The demo café's FAQ: ten questions in five languages that its matcher answers in each,
the synonyms, a few unanswered questions in the dashboard, and the FAQ answers switched on."""

import pytest
from django.core.management import call_command

from kazan.conversations.queries import bot_settings_get
from kazan.demo.faq import FAQS
from kazan.demo.services import DEMO_SLUG
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.queries import faq_count, faq_match, synonym_list, unanswered_list
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db


def test_the_demo_cafe_answers_its_faqs_in_five_languages(capsys):
    process_cache_clear()
    call_command("demo_load")
    cafe = Business.objects.get(slug=DEMO_SLUG)
    assert faq_count(business=cafe) == 50
    assert bot_settings_get(business=cafe).faq_fallback
    assert len(synonym_list(business=cafe)) == 2
    for _category, translations in FAQS:
        for language, (question, alternatives, _answer) in translations.items():
            match = faq_match(business=cafe, text=alternatives[0], language=language)
            assert match.best and match.best.card.question == question, (language, question)
    groups = list(unanswered_list(business=cafe))
    assert [g["count"] for g in groups if g["key"] == "do you sell gift cards"] == [2]
