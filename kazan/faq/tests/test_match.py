"""faq_match: the business's active FAQs answer clear-cut questions in their language or
another, out-of-scope questions get none, and the index each process keeps is rebuilt when,
and only when, the business's FAQs or synonyms change."""

import pytest
from django.test import override_settings

from kazan.faq import queries, services
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.tests.factories import cafe_faqs, faq_make, synonyms_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_indexes():
    process_cache_clear()
    yield
    process_cache_clear()


def _best(business, text, language="en"):
    match = queries.faq_match(business=business, text=text, language=language)
    return match.outcome, match.best.card.question if match.best else None


def test_clear_questions_find_their_faq_in_each_language(business):
    cafe_faqs(business)
    assert _best(business, "When are you open?") == ("answered", "What are your opening hours?")
    assert _best(business, "Are dogs allowed?") == ("answered", "Can I bring my dog?")
    assert _best(business, "Was sind eure Öffnungszeiten?", "de") == (
        "answered",
        "Wann habt ihr geöffnet?",
    )
    # The visitor's language is preferred, not required: a German question in an English chat.
    assert _best(business, "Was sind eure Öffnungszeiten?", "en")[1] == "Wann habt ihr geöffnet?"


def test_an_out_of_scope_question_gets_no_answer(business):
    cafe_faqs(business)
    match = queries.faq_match(
        business=business, text="Who won the football world cup in 1954?", language="en"
    )
    assert match.outcome == "unanswered" and match.best is None


def test_nothing_to_match_is_unanswered(business):
    assert queries.faq_match(business=business, text="Wifi?", language="en").outcome == (
        "unanswered"
    )
    faq_make(business)
    assert queries.faq_match(business=business, text="  ", language="en").outcome == "unanswered"


def test_an_inactive_faq_never_answers(business):
    faq = faq_make(business, "Is there wifi?", alternatives=["Do you have wifi?"])
    assert _best(business, "Do you have wifi?")[0] == "answered"
    services.faq_toggle(business=business, actor=None, faq=faq, active=False)
    assert _best(business, "Do you have wifi?") == ("unanswered", None)


def test_a_synonym_makes_another_word_find_the_faq(business):
    faq_make(business, "Do you serve coffee with milk?", "Yes.")
    faq_make(business, "Do you have a garden?", "Yes.")
    without = queries.faq_match(business=business, text="flat white?", language="en")
    synonyms_make(business, "coffee with milk", "flat white")
    found = queries.faq_match(business=business, text="flat white?", language="en")
    assert found.best and found.best.card.question == "Do you serve coffee with milk?"
    assert found.confidence > without.confidence


@override_settings(FAQ_ANSWER_CONFIDENCE=1.01)
def test_below_the_answer_confidence_the_best_and_runners_up_are_suggested(business):
    cafe_faqs(business)
    match = queries.faq_match(business=business, text="When are you open?", language="en")
    assert match.outcome == "suggested"
    assert match.choices[0].card.question == "What are your opening hours?"


def test_the_index_is_built_once_and_rebuilt_after_any_change(business, django_assert_num_queries):
    cafe_faqs(business)
    queries.faq_match(business=business, text="When are you open?", language="en")
    with django_assert_num_queries(0):  # cached in the process, its version in the cache
        queries.faq_match(business=business, text="Are dogs allowed?", language="en")

    assert _best(business, "Do you sell birthday cakes?")[1] != "Do you sell birthday cakes?"
    faq_make(business, "Do you sell birthday cakes?", "Yes, order two days ahead.")
    assert _best(business, "Do you sell birthday cakes?") == (
        "answered",
        "Do you sell birthday cakes?",
    )


def test_another_process_sees_a_change_through_the_shared_version(business):
    """A change made elsewhere reaches this process by the version in the shared cache alone."""
    from django.core.cache import cache

    faq = faq_make(business, "Is there wifi?", alternatives=["Do you have wifi?"])
    assert _best(business, "Do you have wifi?")[0] == "answered"
    # Another process switches it off: its rows change and it bumps the shared version.
    type(faq).objects.filter(pk=faq.pk).update(is_active=False)
    assert _best(business, "Do you have wifi?")[0] == "answered"  # still this process's index
    cache.set(f"faq:version:{business.pk}", "elsewhere", None)
    assert _best(business, "Do you have wifi?") == ("unanswered", None)


def test_each_business_matches_its_own_faqs_only(business, other_business):
    faq_make(other_business, "Do you repair bikes?", "Yes.")
    assert _best(business, "Do you repair bikes?") == ("unanswered", None)
    assert _best(other_business, "Do you repair bikes?")[0] == "answered"
