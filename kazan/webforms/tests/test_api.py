"""/api/v1/forms: the form's settings and sending it with the publishable id (X-Client-ID),
422 with each field's mistake, 409 in third-party mode, rate limits; the team's submissions
with an API key or session, paged and filtered, another business's unknown."""

import pytest

from kazan.tenancy.services import api_key_create
from kazan.webforms.models import FormSubmission
from kazan.webforms.services import submit
from kazan.webforms.testing import form_configure, submission_sent

pytestmark = pytest.mark.django_db

SETTINGS = "/api/v1/forms/settings"
SUBMISSIONS = "/api/v1/forms/submissions"


def _client_id(business):
    return {"HTTP_X_CLIENT_ID": business.client_id}


def _post(client, business, body, **extra):
    return client.post(
        SUBMISSIONS, body, content_type="application/json", **_client_id(business), **extra
    )


def test_settings_name_the_fields_and_consent_in_the_asked_language(client, business):
    form_configure(business, consent_texts={"de": "Ja, gern."}, titles={"de": "Kontakt"})
    data = client.get(f"{SETTINGS}?language=de-AT", **_client_id(business)).json()
    assert data["mode"] == "built_in" and data["language"] == "de"
    assert data["title"] == "Kontakt"
    assert data["consent"] == {"text": "Ja, gern.", "required": False}
    assert [f["name"] for f in data["fields"]] == ["name", "email", "phone", "message"]
    assert data["url"].endswith(f"/{business.slug}/form")


def test_settings_need_the_client_id(client, business):
    assert client.get(SETTINGS).status_code == 401


def test_a_visitor_sends_the_form(client, business):
    response = _post(
        client,
        business,
        {"name": "Anna", "email": "anna@example.com", "message": "Hi", "origin": "https://x.de"},
    )
    assert response.status_code == 201, response.content
    sent = FormSubmission.objects.get(pk=response.json()["id"])
    assert (sent.business, sent.channel, sent.origin) == (business, "api", "https://x.de")


def test_mistakes_are_a_422_with_each_field(client, business):
    response = _post(client, business, {"email": "nope", "language": "en"})
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid_submission"
    fields = {tuple(e["loc"]): e["msg"] for e in data["errors"]}
    assert fields[("body", "email")] == "This is not a valid email address."
    assert fields[("body", "message")] == "Please fill in this field."
    assert not FormSubmission.objects.exists()


def test_unknown_fields_and_wrong_types_are_a_422(client, business):
    assert _post(client, business, {"role": "owner"}).status_code == 422
    assert _post(client, business, {"email": ["x"]}).status_code == 422


def test_third_party_mode_is_a_409(client, business):
    form_configure(business, mode="third_party", third_party_url="https://forms.example.com/")
    response = _post(client, business, {"email": "a@example.com", "message": "Hi"})
    assert response.status_code == 409
    assert response.json()["code"] == "form_unavailable"


def test_sending_is_rate_limited_per_address(client, business, monkeypatch):
    monkeypatch.setattr(submit, "LIMIT_PER_IP", (2, 600))
    body = {"email": "a@example.com", "message": "Hi"}
    assert [_post(client, business, body).status_code for _ in range(3)] == [201, 201, 429]


def test_the_team_lists_and_reads_submissions_with_an_api_key(
    client, business, other_business, owner
):
    mine = submission_sent(business, name="Anna Weber")
    submission_sent(business, name="Bruno", email="bruno@example.com")
    theirs = submission_sent(other_business, name="Stranger", email="s@example.com")
    key = api_key_create(business=business, name="CRM", actor=owner).secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    listed = client.get(SUBMISSIONS, **auth).json()
    assert listed["count"] == 2
    found = client.get(f"{SUBMISSIONS}?q=anna%20weber", **auth).json()
    assert [item["id"] for item in found["items"]] == [mine.pk]
    assert found["items"][0]["email_masked"] == "a•••@example.com"
    assert client.get(f"{SUBMISSIONS}/{mine.pk}", **auth).json()["message"] == "Do you cater?"
    assert client.get(f"{SUBMISSIONS}/{theirs.pk}", **auth).status_code == 404
    assert client.get(f"{SUBMISSIONS}?status=nope", **auth).status_code == 422


def test_the_publishable_id_cannot_read_submissions(client, business):
    submission_sent(business)
    assert client.get(SUBMISSIONS, **_client_id(business)).status_code == 401
