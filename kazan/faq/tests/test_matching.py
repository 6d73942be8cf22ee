"""The FAQ matcher's behaviour: synonyms, inflections, languages, abstention, suggestions and
confidence. The index is built once per module (the model loads once per process)."""

import threading

import pytest

from kazan.faq.matching import FaqEntry, Synonym, index_build
from kazan.faq.matching.index import ABSTAIN_BELOW, SURE_ABOVE
from kazan.faq.matching.text import SynonymMap, normal, stems

CAFE = [
    FaqEntry(
        "hours",
        "en",
        (
            "What are your opening hours?",
            "When are you open?",
            "What time do you close today?",
            "Are you open on Sunday?",
            "How late are you open tonight?",
        ),
    ),
    FaqEntry(
        "milk-coffee",
        "en",
        (
            "Do you serve coffee with milk?",
            "Can I get a coffee with milk?",
            "How much is a coffee with milk?",
            "Is there coffee with milk on the menu?",
        ),
    ),
    FaqEntry(
        "reservation",
        "en",
        (
            "Can I reserve a table?",
            "How do I book a table for four?",
            "Do you take bookings for tonight?",
            "I want to reserve a table for Saturday",
        ),
    ),
    FaqEntry(
        "wifi",
        "en",
        (
            "Do you have wifi?",
            "What is the wifi password?",
            "Is there free internet here?",
            "Can I connect my laptop to the internet?",
        ),
    ),
    FaqEntry(
        "parking",
        "en",
        (
            "Where can I park my car?",
            "Is there a car park nearby?",
            "Do you have parking spaces?",
            "Is parking free for customers?",
        ),
    ),
    FaqEntry(
        "oat-milk-de",
        "de",
        (
            "Habt ihr Hafermilch?",
            "Gibt es pflanzliche Milch?",
            "Kann ich meinen Kaffee mit Hafermilch bekommen?",
            "Bietet ihr vegane Milchalternativen an?",
        ),
    ),
    FaqEntry(
        "dogs-tr",
        "tr",
        (
            "Köpeğimi getirebilir miyim?",
            "Evcil hayvanlar içeri girebilir mi?",
            "Kafeye köpekle gelmek serbest mi?",
            "Köpekler kabul ediliyor mu?",
        ),
    ),
    FaqEntry(
        "vegan-it",
        "it",
        (
            "Avete piatti vegani?",
            "C'è qualcosa di vegano nel menu?",
            "Servite dolci senza latte e uova?",
            "Avete opzioni vegetariane o vegane?",
        ),
    ),
    FaqEntry(
        "delivery-es",
        "es",
        (
            "¿Hacen entregas a domicilio?",
            "¿Puedo pedir comida para llevar a casa?",
            "¿Tienen servicio de reparto?",
            "¿Envían pedidos a mi dirección?",
        ),
    ),
]
SYNONYMS = [Synonym(("coffee with milk", "flat white", "latte"))]


@pytest.fixture(scope="module")
def index():
    return index_build(CAFE, SYNONYMS)


def test_synonym_map_rewrites_phrases_to_the_first():
    synonyms = SynonymMap(SYNONYMS)
    assert synonyms.apply(normal("A Flat-White, please")) == "a coffee with milk please"
    assert synonyms.apply("plain white tea") == "plain white tea"


def test_a_synonym_matches_the_faq_that_uses_the_other_phrase(index):
    result = index.match("How much is a flat white?", "en")
    assert result.faq_id == "milk-coffee"
    without = index_build(CAFE).match("How much is a flat white?", "en")
    assert result.confidence > without.confidence


def test_inflected_forms_share_a_stem():
    assert stems(["reservations", "reserved"], "en") == stems(["reservation", "reserve"], "en")
    assert stems(["Öffnungszeiten"], "de") == stems(["Öffnungszeit"], "de")


def test_regional_language_tags_use_the_language_stemmer():
    entries = [FaqEntry("hours", "de-AT", ("Öffnungszeiten",)), FaqEntry("x", "de", ("Parkplatz",))]
    index = index_build(entries)
    assert (
        index._prepare("Öffnungszeit", "DE-de").stemmed
        == index._prepare("Öffnungszeiten", "de").stemmed
    )


def test_an_inflected_question_matches(index):
    assert index.match("reserving tables for saturdays", "en").faq_id == "reservation"
    assert index.match("is the parking of cars free", "en").faq_id == "parking"


@pytest.mark.parametrize(
    ("text", "language", "faq"),
    [
        ("Gibt es bei euch Hafermilch für den Cappuccino?", "de", "oat-milk-de"),
        ("Köpeğimle içeri gelebilir miyim?", "tr", "dogs-tr"),
        ("Nel menu ci sono piatti vegani?", "it", "vegan-it"),
        ("¿Hacen reparto a domicilio?", "es", "delivery-es"),
        ("Wann habt ihr heute geöffnet?", "de", "hours"),  # German question, English FAQ
    ],
)
def test_questions_in_other_languages_match(index, text, language, faq):
    assert index.match(text, language).faq_id == faq


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of Mongolia?",
        "Please transfer 300 euros to my savings account",
        "Who won the football world cup in 1998?",
    ],
)
def test_out_of_scope_questions_abstain(index, text):
    result = index.match(text, "en")
    assert result.faq_id is None
    assert result.abstained
    assert result.confidence < ABSTAIN_BELOW


def test_suggestions_appear_when_unsure(index):
    result = index.match("wifi or parking?", "en")
    assert result.confidence < SURE_ABOVE
    suggested = {m.faq_id for m in result.suggestions}
    assert suggested & {"wifi", "parking"}
    assert result.faq_id not in suggested
    assert all(0 <= m.confidence <= 1 for m in result.suggestions)


def test_a_sure_answer_has_no_suggestions(index):
    result = index.match("What is the wifi password?", "en")
    assert result.faq_id == "wifi"
    assert result.confidence >= SURE_ABOVE
    assert result.suggestions == ()


def test_confidence_is_a_probability_and_falls_with_relevance(index):
    exact = index.match("Do you have parking spaces?", "en")
    paraphrase = index.match("any place to leave the car?", "en")
    unrelated = index.match("How do volcanoes form?", "en")
    for result in (exact, paraphrase, unrelated):
        assert 0.0 <= result.confidence <= 1.0
    assert exact.confidence > paraphrase.confidence > unrelated.confidence


@pytest.mark.parametrize("text", ["", "   ", "?!…", "qxzv wkjh plmbr", "🙂🙂", "a" * 5000])
def test_empty_or_garbage_input_abstains(index, text):
    result = index.match(text, None)
    assert result.faq_id is None
    assert 0.0 <= result.confidence <= 1.0


def test_an_empty_index_abstains():
    assert index_build([]).match("When are you open?", "en").faq_id is None
    assert index_build([FaqEntry("x", "en", ("",))]).match("hello", "en").faq_id is None


def test_a_single_faq_index_answers_and_abstains():
    single = index_build([CAFE[0]])
    assert single.match("when do you open?", "en").faq_id == "hours"
    assert single.match("Please transfer 300 euros to my savings account", "en").faq_id is None


def test_matching_from_threads_gives_the_same_answers(index):
    questions = ["Do you have wifi?", "Habt ihr Hafermilch?", "Can I book a table?"] * 4
    expected = [index.match(q, None) for q in questions]
    got: list = [None] * len(questions)

    def work(i: int) -> None:
        got[i] = index.match(questions[i], None)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == expected


def test_rebuilding_an_index_embeds_only_the_changed_phrasings(monkeypatch):
    from kazan.faq.matching import encoder

    index_build(CAFE[:3])
    model = encoder._loaded()
    embedded: list[str] = []
    original = model.encode

    def counting(texts):
        embedded.extend(texts)
        return original(texts)

    monkeypatch.setattr(model, "encode", counting)
    changed = FaqEntry("hours", "en", (*CAFE[0].questions, "Are you open on bank holidays?"))
    rebuilt = index_build([changed, *CAFE[1:3]])
    assert embedded == ["Are you open on bank holidays?"]
    assert rebuilt.match("open on bank holidays?", "en").faq_id == "hours"


def test_a_set_of_two_faqs_answers_and_tells_them_apart():
    """Two FAQs make scikit-learn fit a single logit: both must still get their own
    probability (they once both scored 1.0, and a two-FAQ business never got an answer)."""
    index = index_build(
        [
            FaqEntry("wifi", "en", ("Is there wifi?", "Do you have wifi?")),
            FaqEntry("dogs", "en", ("Can I bring my dog?", "Are dogs allowed?")),
        ]
    )
    result = index.match("Are dogs welcome here?", "en")
    assert result.faq_id == "dogs" and result.confidence >= ABSTAIN_BELOW
    assert index.match("Is there wifi here?", "en").faq_id == "wifi"
