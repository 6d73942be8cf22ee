"""The FAQ services: the rules of a FAQ, synonyms and the limit, each write in the activity log
and each change bumping the version every process's matcher index is keyed by."""

import pytest

from kazan.activity.models import Activity
from kazan.analytics.enums import EventKind
from kazan.analytics.models import Event
from kazan.billing.testing import limits_give, subscription_status_set
from kazan.core.entitlements import PlanLimitReached, SubscriptionInactive
from kazan.core.errors import Conflict, ValidationFailed
from kazan.faq import queries, services
from kazan.faq.error_codes import FaqErrorCode
from kazan.faq.index_cache import version_get
from kazan.faq.models import Faq, FaqQuestion
from kazan.faq.tests.factories import faq_make, synonyms_make

pytestmark = pytest.mark.django_db


def _actions(business):
    return list(
        Activity.objects.filter(business=business, action__startswith="faq.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_an_faq_is_saved_tidy_with_its_phrasings_and_recorded(business, owner):
    faq = services.faq_create(
        business=business,
        actor=owner,
        question="  Do you   have oat milk? ",
        alternatives=["Oat milk?", "", "oat milk?", "Do you have oat milk?", "Plant milk?"],
        answer="Yes.\r\nAlways.",
        language="en",
        category=" Drinks ",
    )
    assert faq.question == "Do you have oat milk?"
    assert faq.alternatives == ["Oat milk?", "Plant milk?"]  # no blanks, no repeats
    assert (faq.answer, faq.category, faq.is_active) == ("Yes.\nAlways.", "Drinks", True)
    entry = Activity.objects.get(action="faq.created")
    assert (entry.actor, entry.target_id) == (owner, str(faq.pk))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("question", " "),
        ("question", "x" * 301),
        ("answer", ""),
        ("answer", "x" * 5001),
        ("language", "fr"),
        ("category", "x" * 81),
        ("alternatives", ["y" * 301]),
    ],
)
def test_a_malformed_faq_is_refused_with_a_clear_message(business, field, value):
    fields = {"question": "Wifi?", "answer": "Yes.", "language": "en", field: value}
    with pytest.raises(ValidationFailed) as caught:
        services.faq_create(business=business, actor=None, **fields)
    assert caught.value.code == FaqErrorCode.INVALID_FAQ
    assert str(caught.value.message)
    assert not Faq.objects.exists()


def test_the_same_question_twice_in_a_language_is_a_conflict(business):
    faq_make(business, "Is there wifi?")
    with pytest.raises(Conflict) as caught:
        faq_make(business, "is there WIFI?")
    assert caught.value.code == FaqErrorCode.DUPLICATE_QUESTION
    faq_make(business, "Is there wifi?", language="de")  # another language is another FAQ


def test_the_plans_faq_limit_refuses_one_more_with_its_code(business, owner):
    limits_give(business, faqs=2)
    faq_make(business, "One?")
    faq_make(business, "Two?")
    with pytest.raises(PlanLimitReached) as caught:
        faq_make(business, "Three?")
    assert caught.value.code == "plan_limit_reached" and caught.value.limit == 2
    assert str(caught.value.message) == "Your plan allows 2 FAQs. Upgrade your plan to add more."
    assert Faq.objects.filter(business=business).count() == 2
    limits_give(business, faqs=3)
    faq_make(business, "Three?")


def test_the_limit_is_per_business(business, other_business, owner):
    limits_give(business, faqs=0)
    with pytest.raises(PlanLimitReached):
        faq_make(business)
    faq_make(other_business)


def test_a_suspended_subscription_adds_no_faq(business):
    subscription_status_set(business)
    with pytest.raises(SubscriptionInactive):
        faq_make(business)


def test_update_toggle_and_delete_change_the_faq_and_the_log(business, owner):
    faq = faq_make(business, "Is there wifi?", alternatives=["Wifi?"])
    services.faq_update(business=business, actor=owner, faq=faq, answer="Yes, free.")
    faq.refresh_from_db()
    assert (faq.answer, faq.alternatives) == ("Yes, free.", ["Wifi?"])  # the rest stays
    assert Activity.objects.get(action="faq.updated").data == {"fields": ["answer"]}

    services.faq_toggle(business=business, actor=owner, faq=faq, active=False)
    assert not Faq.objects.get().is_active
    services.faq_delete(business=business, actor=owner, faq=faq)
    assert not Faq.objects.exists()
    assert _actions(business) == [
        "faq.created",
        "faq.updated",
        "faq.deactivated",
        "faq.deleted",
    ]


def test_every_write_bumps_the_version_of_the_business_only(business, other_business):
    theirs = version_get(other_business.pk)
    seen = {version_get(business.pk)}
    faq = faq_make(business)
    seen.add(version_get(business.pk))
    services.faq_update(business=business, actor=None, faq=faq, answer="Now yes.")
    seen.add(version_get(business.pk))
    synonym = synonyms_make(business, "wifi", "internet")
    seen.add(version_get(business.pk))
    services.synonym_delete(business=business, actor=None, synonym=synonym)
    seen.add(version_get(business.pk))
    assert len(seen) == 5
    assert version_get(other_business.pk) == theirs


def test_synonyms_need_two_different_phrases(business):
    synonym = synonyms_make(business, " flat  white ", "coffee with milk", "Flat White")
    assert synonym.phrases == ["flat white", "coffee with milk"]
    for phrases in (["only one"], ["same", "SAME"], ["x" * 101, "y"]):
        with pytest.raises(ValidationFailed) as caught:
            synonyms_make(business, *phrases)
        assert caught.value.code == FaqErrorCode.INVALID_SYNONYM
    services.synonym_update(
        business=business, actor=None, synonym=synonym, phrases=["latte", "milk coffee"]
    )
    synonym.refresh_from_db()
    assert synonym.phrases == ["latte", "milk coffee"]


def test_a_logged_question_keeps_no_email_or_phone_and_is_counted(business):
    match = queries.faq_match(business=business, text="hello", language="en")
    question = services.faq_question_record(
        business=business,
        text="Call me on +49 151 12345678 or anna@example.com about a table",
        language="en",
        channel="web",
        match=match,
    )
    assert "12345678" not in question.text and "anna@example.com" not in question.text
    assert "[phone]" in question.text and "[email]" in question.text
    assert question.outcome == FaqQuestion.Outcome.UNANSWERED
    assert Event.objects.filter(business=business, kind=EventKind.FAQ_UNANSWERED).count() == 1


def test_resolving_a_question_resolves_its_repeats(business, owner):
    match = queries.faq_match(business=business, text="x", language="en")
    asked = [
        services.faq_question_record(
            business=business, text=text, language="en", channel="web", match=match
        )
        for text in ("Do you sell cakes?", "do you sell CAKES", "Is there parking?")
    ]
    assert queries.unanswered_count(business=business) == 2
    resolved = services.unanswered_resolve(
        business=business,
        actor=owner,
        question=asked[0],
        resolution=FaqQuestion.Resolution.DISMISSED,
    )
    assert resolved == 2
    assert [g["text"] for g in queries.unanswered_list(business=business)] == ["Is there parking?"]
    assert Activity.objects.filter(action="faq.question_dismissed").exists()
