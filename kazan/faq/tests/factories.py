"""FAQs for tests, made through the services (so the version bump and checks run)."""

from kazan.faq.services import faq_create, synonym_create

CAFE = [
    (
        "What are your opening hours?",
        ["When are you open?", "What time do you open?"],
        "We are open **daily** from 8 to 18.",
    ),
    (
        "Do you have oat milk?",
        ["Can I get oat milk in my coffee?", "Is there oat milk?"],
        "Yes, oat milk at no extra cost. See [our menu](https://cafe.example/menu).",
    ),
    ("Is there wifi?", ["Do you have wifi?", "What is the wifi password?"], "Yes: ask at the bar."),
    ("Can I bring my dog?", ["Are dogs allowed?", "Is my dog welcome?"], "Dogs are welcome."),
]


def faq_make(business, question="Is there wifi?", answer="Yes.", language="en", **extra):
    return faq_create(
        business=business,
        actor=None,
        question=question,
        answer=answer,
        language=language,
        **extra,
    )


def cafe_faqs(business) -> dict[str, object]:
    """The four café FAQs in English and one in German, by their question."""
    made = {
        question: faq_make(business, question, answer, alternatives=alternatives)
        for question, alternatives, answer in CAFE
    }
    german = faq_make(
        business,
        "Wann habt ihr geöffnet?",
        "Wir haben täglich von 8 bis 18 Uhr geöffnet.",
        language="de",
        alternatives=["Was sind eure Öffnungszeiten?", "Habt ihr heute offen?"],
    )
    made[german.question] = german
    return made


def synonyms_make(business, *phrases):
    return synonym_create(business=business, actor=None, phrases=list(phrases))
