"""The FAQ pages of the dashboard: list and filters, add (also from an unanswered question),
edit, switch, delete, synonyms, import with its dry run, export, unanswered questions and
"Try it"; only for members who may change settings, and only the business's own objects."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kazan.billing.testing import limits_give
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.models import Faq, FaqQuestion, FaqSynonym
from kazan.faq.queries import faq_match
from kazan.faq.services import faq_question_record
from kazan.faq.tests.factories import cafe_faqs, faq_make, synonyms_make
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_indexes():
    process_cache_clear()


def _asked(business, text):
    match = faq_match(business=business, text=text, language="en")
    return faq_question_record(
        business=business, text=text, language="en", channel="web", match=match
    )


def test_the_list_searches_and_filters_in_a_fixed_number_of_queries(
    owner_client, business, django_assert_max_num_queries
):
    cafe_faqs(business)
    faq_make(business, "Do you sell cakes?", "Yes.", category="Food", is_active=False)
    response = owner_client.get("/dashboard/faq/")
    assert response.status_code == 200
    assert response.text.count('class="faq-row"') == 6
    assert "6 of 500 FAQs" in response.text  # the trial's plan (Professional)

    assert owner_client.get("/dashboard/faq/?q=oat").text.count('class="faq-row"') == 1
    assert owner_client.get("/dashboard/faq/?language=de").text.count('class="faq-row"') == 1
    assert owner_client.get("/dashboard/faq/?active=0").text.count('class="faq-row"') == 1
    assert owner_client.get("/dashboard/faq/?category=Food").text.count('class="faq-row"') == 1
    for n in range(20):
        faq_make(business, f"Question number {n}?", "Yes.")
    with django_assert_max_num_queries(14):
        owner_client.get("/dashboard/faq/")


def test_add_edit_switch_and_delete(owner_client, business):
    response = owner_client.post(
        "/dashboard/faq/new/",
        {
            "question": "Is there wifi?",
            "alternatives": "Do you have wifi?\n\nWifi password?",
            "answer": "Yes.",
            "language": "en",
            "category": "Service",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    faq = Faq.objects.get()
    assert faq.alternatives == ["Do you have wifi?", "Wifi password?"]

    page = owner_client.get(f"/dashboard/faq/{faq.pk}/edit/")
    assert "Wifi password?" in page.text
    owner_client.post(
        f"/dashboard/faq/{faq.pk}/edit/",
        {"question": "Is there wifi?", "answer": "Yes, free.", "language": "en"},
    )
    faq.refresh_from_db()
    assert (faq.answer, faq.is_active, faq.alternatives) == ("Yes, free.", False, [])

    row = owner_client.post(f"/dashboard/faq/{faq.pk}/toggle/", headers={"HX-Request": "true"})
    assert 'class="faq-row"' in row.text and Faq.objects.get().is_active
    owner_client.post(f"/dashboard/faq/{faq.pk}/delete/")
    assert not Faq.objects.exists()


def test_a_refused_faq_shows_the_form_again_with_the_reason(owner_client, business):
    faq_make(business, "Is there wifi?")
    response = owner_client.post(
        "/dashboard/faq/new/", {"question": "Is there wifi?", "answer": "Yes.", "language": "en"}
    )
    assert response.status_code == 409
    assert "already exists in this language" in response.text


def test_at_the_plans_faq_limit_the_page_says_so_with_an_upgrade_link(owner_client, business):
    limits_give(business, faqs=1)
    faq_make(business, "Is there wifi?")
    assert "1 of 1 FAQs" in owner_client.get("/dashboard/faq/").text
    response = owner_client.post(
        "/dashboard/faq/new/", {"question": "Dogs?", "answer": "Yes.", "language": "en"}
    )
    assert response.status_code == 402
    assert "Your plan allows 1 FAQ. Upgrade your plan to add more." in response.text
    assert "data-upgrade" in response.text and "/dashboard/billing/" in response.text
    assert Faq.objects.filter(business=business).count() == 1
    limits_give(business, faqs=None)
    assert "1 FAQs (no limit)" in owner_client.get("/dashboard/faq/").text
    response = owner_client.post(
        "/dashboard/faq/new/", {"question": "Dogs?", "answer": "Yes.", "language": "en"}
    )
    assert response.status_code == 302


def test_an_unanswered_question_becomes_an_faq_or_is_dismissed(owner_client, business):
    cakes = _asked(business, "Do you sell birthday cakes for 20 people?")
    _asked(business, "do you sell birthday cakes for 20 people")
    parking = _asked(business, "Where can I park my car near the cafe?")
    page = owner_client.get("/dashboard/faq/unanswered/")
    assert page.text.count('class="unanswered-row"') == 2
    assert "2 times" in page.text

    form = owner_client.get(f"/dashboard/faq/new/?question={cakes.pk}")
    assert 'value="Do you sell birthday cakes for 20 people?"' in form.text
    owner_client.post(
        "/dashboard/faq/new/",
        {
            "question": cakes.text,
            "answer": "Yes, order two days ahead.",
            "language": "en",
            "is_active": "on",
            "from_question": cakes.pk,
        },
    )
    assert set(FaqQuestion.objects.values_list("resolution", flat=True)) == {"added", ""}
    owner_client.post(f"/dashboard/faq/unanswered/{parking.pk}/dismiss/")
    page = owner_client.get("/dashboard/faq/unanswered/")
    assert "No unanswered questions." in page.text


def test_synonyms_are_added_changed_and_deleted(owner_client, business):
    response = owner_client.post(
        "/dashboard/faq/synonyms/", {"phrases": "flat white\ncoffee with milk"}
    )
    assert response.status_code == 302
    synonym = FaqSynonym.objects.get()
    assert synonym.phrases == ["flat white", "coffee with milk"]
    refused = owner_client.post("/dashboard/faq/synonyms/", {"phrases": "only one"})
    assert refused.status_code == 400 and "2 to 20 different phrases" in refused.text
    owner_client.post(f"/dashboard/faq/synonyms/{synonym.pk}/edit/", {"phrases": "latte\nmilk"})
    synonym.refresh_from_db()
    assert synonym.phrases == ["latte", "milk"]
    owner_client.post(f"/dashboard/faq/synonyms/{synonym.pk}/delete/")
    assert not FaqSynonym.objects.exists()


def _upload(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["question", "answer", "language"])
    writer.writerows(rows)
    return SimpleUploadedFile("faq.csv", out.getvalue().encode(), content_type="text/csv")


def test_import_checks_first_and_imports_on_confirmation(owner_client, business):
    bad = owner_client.post(
        "/dashboard/faq/import/", {"file": _upload([["Wifi?", "", "en"], ["Dogs?", "Yes.", "en"]])}
    )
    assert bad.status_code == 400 and "Row 2" in bad.text and "import-confirm" not in bad.text

    checked = owner_client.post(
        "/dashboard/faq/import/",
        {"file": _upload([["Wifi?", "Yes.", "en"], ["Dogs?", "Yes.", "en"]])},
    )
    assert checked.status_code == 200 and "2 new FAQs, 0 changed." in checked.text
    assert not Faq.objects.exists()
    token = checked.context["token"]
    done = owner_client.post("/dashboard/faq/import/", {"token": token})
    assert done.status_code == 302 and Faq.objects.count() == 2
    again = owner_client.post("/dashboard/faq/import/", {"token": token})
    assert again.status_code == 400 and "expired" in again.text  # used once


def test_export_downloads_csv_and_excel(owner_client, business):
    faq_make(business, "Is there wifi?", "Yes.")
    response = owner_client.get("/dashboard/faq/export/?format=csv")
    assert response["Content-Disposition"].startswith('attachment; filename="faq-cafe-a-')
    assert "Is there wifi?" in response.content.decode("utf-8-sig")
    response = owner_client.get("/dashboard/faq/export/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_try_it_shows_the_answer_and_logs_nothing(owner_client, business):
    cafe_faqs(business)
    response = owner_client.get(
        "/dashboard/faq/try/?q=Are+dogs+allowed%3F&language=en", headers={"HX-Request": "true"}
    )
    assert "The bot answers:" in response.text and "Dogs are welcome." in response.text
    response = owner_client.get(
        "/dashboard/faq/try/?q=Who+won+the+world+cup+in+1954%3F&language=en"
    )
    assert "The bot has no answer" in response.text
    assert not FaqQuestion.objects.exists()


def test_an_agent_may_not_and_another_business_cannot_reach_these_pages(
    client, business, other_business, owner_client
):
    theirs = faq_make(other_business, "Not yours?", "No.")
    synonym = synonyms_make(other_business, "a", "b")
    question = _asked(other_business, "Their question")
    for url in (
        f"/dashboard/faq/{theirs.pk}/edit/",
        f"/dashboard/faq/{theirs.pk}/toggle/",
        f"/dashboard/faq/{theirs.pk}/delete/",
        f"/dashboard/faq/synonyms/{synonym.pk}/edit/",
        f"/dashboard/faq/synonyms/{synonym.pk}/delete/",
        f"/dashboard/faq/unanswered/{question.pk}/dismiss/",
    ):
        assert owner_client.post(url, {"phrases": "x\ny"}).status_code == 404, url
    assert owner_client.get(f"/dashboard/faq/new/?question={question.pk}").status_code == 404
    assert Faq.objects.get(pk=theirs.pk).is_active

    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.get("/dashboard/faq/").status_code == 403
