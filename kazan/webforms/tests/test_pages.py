"""The hosted form page (GET shows it translated, POST sends it, CSRF, rate limit) and the
dashboard: the submissions list (search by blind index, filters, paging in a fixed number of
queries), one submission (read, handled, deleted, its customer), settings, and the export."""

import csv

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kazan.activity.models import Activity
from kazan.analytics import services as export_services
from kazan.analytics.models import ExportJob, ExportStatus
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory
from kazan.webforms.models import FormSettings, FormSubmission
from kazan.webforms.services import submit
from kazan.webforms.testing import form_configure, submission_sent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def _page(business):
    return f"/{business.slug}/form"


# --- the hosted page ------------------------------------------------------------------------


def test_the_hosted_page_shows_the_form_in_the_visitors_language(client, business):
    form_configure(business, titles={"de": "Schreib uns"})
    response = client.get(_page(business) + "?lang=de")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Schreib uns" in html and 'name="email"' in html and 'lang="de"' in html
    assert "csrfmiddlewaretoken" in html
    assert "https://" not in html.split("<body", 1)[1].replace(business.slug, "")  # no 3rd party


def test_the_hosted_page_sends_the_form(client, business):
    response = client.post(
        _page(business),
        {"name": "Anna", "email": "anna@example.com", "message": "Hi", "consent": "on"},
    )
    assert response.status_code == 302 and "sent=1" in response["Location"]
    sent = FormSubmission.objects.get()
    assert (sent.channel, sent.consent_given) == ("web", True)
    assert "Thank you" in client.get(response["Location"]).content.decode()


def test_the_hosted_page_shows_mistakes_next_to_the_fields(client, business):
    response = client.post(_page(business), {"name": "Anna", "email": "nope"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "This is not a valid email address." in html and 'value="Anna"' in html
    assert not FormSubmission.objects.exists()


def test_the_hosted_page_needs_the_csrf_token(business):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(_page(business), {"email": "a@example.com", "message": "Hi"})
    assert response.status_code == 403
    assert not FormSubmission.objects.exists()


def test_the_hosted_page_is_rate_limited(client, business, monkeypatch):
    monkeypatch.setattr(submit, "LIMIT_PER_IP", (1, 600))
    data = {"email": "a@example.com", "message": "Hi"}
    assert client.post(_page(business), data).status_code == 302
    assert client.post(_page(business), data).status_code == 429
    assert FormSubmission.objects.count() == 1


def test_the_hosted_page_redirects_to_a_third_party_form(client, business):
    form_configure(business, mode="third_party", third_party_url="https://forms.example.com/a")
    response = client.get(_page(business))
    assert response.status_code == 302 and response["Location"] == "https://forms.example.com/a"


def test_an_unknown_business_has_no_form(client, db):
    assert client.get("/no-such-shop/form").status_code == 404


# --- the dashboard ---------------------------------------------------------------------------


def test_the_list_searches_by_exact_name_or_email_and_filters(
    owner_client, business, other_business
):
    anna = submission_sent(business, name="Anna Weber")
    bruno = submission_sent(business, name="Bruno", email="bruno@example.com", channel="api")
    submission_sent(other_business, name="Anna Weber")
    url = reverse("forms:list")
    html = owner_client.get(url).content.decode()
    assert "Anna Weber" in html and "Bruno" in html and "2 messages" in html
    by_email = owner_client.get(url, {"q": "Bruno@Example.com"}).content.decode()
    assert "Bruno" in by_email and "Anna Weber" not in by_email
    by_name = owner_client.get(url, {"q": "anna  weber"}).content.decode()
    assert "1 message" in by_name
    assert reverse("forms:detail", args=[anna.pk]) in by_name
    by_channel = owner_client.get(url, {"channel": "api"}).content.decode()
    assert reverse("forms:detail", args=[bruno.pk]) in by_channel
    assert reverse("forms:detail", args=[anna.pk]) not in by_channel
    assert "No message matches" in owner_client.get(url, {"status": "handled"}).content.decode()


def test_the_list_takes_the_same_queries_for_more_rows(owner_client, business):
    url = reverse("forms:list")
    submission_sent(business)
    owner_client.get(url)
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    for n in range(10):
        submission_sent(business, email=f"p{n}@example.com")
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url)
    assert len(many) == len(few)


def test_the_detail_is_read_handled_reopened_and_deleted(owner_client, business):
    sent = submission_sent(business)
    detail = reverse("forms:detail", args=[sent.pk])
    html = owner_client.get(detail).content.decode()
    assert "anna@example.com" in html and "Do you cater?" in html
    assert reverse("customers:detail", args=[sent.customer_id]) in html
    sent.refresh_from_db()
    assert sent.status == "read"
    owner_client.post(reverse("forms:handled", args=[sent.pk]))
    sent.refresh_from_db()
    assert sent.status == "handled" and sent.handled_at is not None
    owner_client.post(reverse("forms:handled", args=[sent.pk]), {"handled": "0"})
    sent.refresh_from_db()
    assert sent.status == "read"
    response = owner_client.post(reverse("forms:delete", args=[sent.pk]))
    assert response.status_code == 302
    assert not FormSubmission.objects.exists()
    assert {"form.handled", "form.reopened", "form.deleted"} <= set(
        Activity.objects.values_list("action", flat=True)
    )


def test_agents_read_but_do_not_change(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    sent = submission_sent(business)
    assert client.get(reverse("forms:detail", args=[sent.pk])).status_code == 200
    assert client.post(reverse("forms:delete", args=[sent.pk])).status_code in (403, 404)
    assert client.get(reverse("forms:settings")).status_code in (403, 404)
    assert FormSubmission.objects.exists()


def test_another_business_submission_is_a_404(owner_client, other_business):
    theirs = submission_sent(other_business)
    for name in ("forms:detail",):
        assert owner_client.get(reverse(name, args=[theirs.pk])).status_code == 404
    for name in ("forms:handled", "forms:delete"):
        assert owner_client.post(reverse(name, args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"


def test_settings_are_saved_and_checked(owner_client, business, owner):
    url = reverse("forms:settings")
    assert owner_client.get(url).status_code == 200
    data = {
        "mode": "built_in",
        "email_enabled": "on",
        "email_required": "on",
        "message_enabled": "on",
        "consent_enabled": "on",
        "consent_texts_de": "Ja, Angebote bitte.",
        "notify": "on",
    }
    assert owner_client.post(url, data).status_code == 302
    saved = FormSettings.objects.get(business=business)
    assert saved.fields["phone"] == {"enabled": False, "required": False}
    assert saved.consent_texts == {"de": "Ja, Angebote bitte."}
    no_contact = {**data, "email_enabled": "", "email_required": ""}
    response = owner_client.post(url, no_contact)
    assert response.status_code == 400
    assert "email address or a phone number" in response.content.decode()
    http = {**data, "mode": "third_party", "third_party_url": "http://forms.example.com/"}
    assert owner_client.post(url, http).status_code == 400
    saved.refresh_from_db()
    assert saved.mode == "built_in"


def test_the_export_holds_the_filtered_submissions_masked(owner_client, business, other_business):
    submission_sent(business, name="Anna Weber", phone="+4915112345678")
    submission_sent(business, name="Api", email="api@example.com", channel="api")
    submission_sent(other_business, name="Stranger")
    response = owner_client.post(reverse("forms:export"), {"format": "csv", "query": "channel=web"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert (job.kind, job.filters) == ("form_submissions", {"channel": "web"})
    export_services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    download = owner_client.get(reverse("customers:export_download", args=[job.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert len(rows) == 2
    assert rows[1][1] == "Anna Weber" and rows[1][2] == "a•••@example.com"
    assert "12345678" not in text and rows[1][4] == "Do you cater?"


def test_the_customer_page_lists_their_messages(owner_client, business):
    sent = submission_sent(business, message="Is the terrace open?")
    html = owner_client.get(reverse("customers:detail", args=[sent.customer_id])).content.decode()
    assert "Is the terrace open?" in html
    assert reverse("forms:detail", args=[sent.pk]) in html
