"""form_submit: every validation rule, the customer matched or created by email/phone, consent
recorded with the wording shown only when ticked, the count, the activity, and the
notification email through the retried mail task (or none when the business turned it off)."""

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.activity.models import Activity
from kazan.analytics.enums import EventKind
from kazan.analytics.queries import counts_between
from kazan.analytics.services import events_buffered_flush
from kazan.core.errors import Conflict
from kazan.customers.models import ConsentRecord, Customer
from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory
from kazan.webforms.models import FormSubmission
from kazan.webforms.services import FormInvalid, form_submit
from kazan.webforms.testing import form_configure, submission_sent

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"


def _errors(business, language="en", **data):
    with pytest.raises(FormInvalid) as caught:
        form_submit(business=business, data=data, channel="web", language=language)
    return caught.value.errors


def test_required_fields_are_asked_for(business):
    errors = _errors(business, name="Anna")
    assert set(errors) == {"email", "message"}
    assert errors["email"] == "Please fill in this field."


def test_a_bad_email_and_a_bad_phone_are_refused_each_with_its_message(business):
    errors = _errors(business, email="not-an-email", phone="12", message="Hi")
    assert errors["email"] == "This is not a valid email address."
    assert "not a valid phone number" in errors["phone"]


def test_the_messages_are_in_the_submitters_language(business):
    errors = _errors(business, language="de", email="bad", message="Hi")
    with translation.override("de"):
        expected = gettext("This is not a valid email address.")
    assert expected != "This is not a valid email address."
    assert errors["email"] == expected


def test_a_too_long_message_and_a_non_text_value_are_refused(business):
    errors = _errors(business, email="a@example.com", message="x" * 2001, name=["list"])
    assert "2000" in errors["message"]
    assert errors["name"] == "Please enter text here."


def test_with_email_and_phone_optional_one_of_them_is_still_needed(business):
    fields = {
        "name": {"enabled": True, "required": False},
        "email": {"enabled": True, "required": False},
        "phone": {"enabled": True, "required": False},
        "message": {"enabled": True, "required": False},
    }
    form_configure(business, fields=fields)
    errors = _errors(business, name="Anna", message="Hi")
    assert list(errors) == ["email"]
    assert "email address or a phone number" in errors["email"]
    assert (
        form_submit(business=business, data={"phone": PHONE}, channel="web", language="en").phone
        == PHONE
    )


def test_disabled_fields_are_ignored(business):
    fields = {
        "name": {"enabled": False, "required": False},
        "email": {"enabled": True, "required": True},
        "phone": {"enabled": False, "required": False},
        "message": {"enabled": True, "required": True},
    }
    form_configure(business, fields=fields)
    sent = submission_sent(business, phone="garbage", name="Ignored")
    assert sent.phone == "" and sent.name == ""


def test_required_consent_must_be_ticked(business):
    form_configure(business, consent_required=True)
    errors = _errors(business, email="a@example.com", message="Hi")
    assert errors == {"consent": "Please tick the box to agree."}


def test_a_new_contact_becomes_a_customer_and_the_submission_is_encrypted(business):
    sent = submission_sent(business, phone="0151 12345678", email="Anna@Example.com")
    customer = Customer.objects.get(business=business)
    assert sent.customer == customer
    assert customer.email == "anna@example.com" and customer.phone_e164 == PHONE
    assert customer.name == "Anna Weber"
    assert (sent.email, sent.phone) == ("anna@example.com", PHONE)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT email, phone, message, name FROM webforms_formsubmission")
        row = cursor.fetchone()
    assert "anna" not in " ".join(row).lower() and "cater" not in " ".join(row)


def test_an_existing_customer_is_matched_by_email(business):
    known = CustomerFactory(business=business, email="anna@example.com")
    sent = submission_sent(business, email="ANNA@example.com ")
    assert sent.customer == known
    assert Customer.objects.filter(business=business).count() == 1


def test_an_existing_customer_is_matched_by_phone_and_gets_the_email(business):
    known = CustomerFactory(business=business, phone_e164=PHONE, email="")
    sent = submission_sent(business, phone="+49 151 12345678", email="new@example.com")
    assert sent.customer == known
    known.refresh_from_db()
    assert known.email == "new@example.com"


def test_another_business_customer_is_never_matched(business, other_business):
    CustomerFactory(business=other_business, email="anna@example.com")
    sent = submission_sent(business)
    assert sent.customer.business == business
    assert Customer.objects.filter(business=business).count() == 1


def test_consent_is_recorded_with_the_wording_shown_only_when_ticked(business):
    form_configure(business, consent_texts={"de": "Ja, schickt mir Angebote."})
    unticked = submission_sent(business, language="de", phone=PHONE)
    assert not unticked.consent_given and unticked.consent_text == ""
    assert not ConsentRecord.objects.filter(business=business).exists()

    ticked = submission_sent(business, language="de", phone=PHONE, consent=True)
    assert ticked.consent_given and ticked.consent_text == "Ja, schickt mir Angebote."
    records = ConsentRecord.objects.filter(business=business, customer=ticked.customer)
    assert {r.purpose for r in records} == {"email_marketing", "sms_marketing"}
    assert {r.wording.text for r in records} == {"Ja, schickt mir Angebote."}
    assert {r.wording.language for r in records} == {"de"}
    assert {r.channel for r in records} == {"web"}


def test_the_default_consent_text_names_the_business(business):
    sent = submission_sent(business, consent=True)
    assert business.name in sent.consent_text
    assert ConsentRecord.objects.get(customer=sent.customer).wording.text == sent.consent_text


def test_consent_is_not_recorded_when_the_form_asks_for_none(business):
    form_configure(business, consent_enabled=False)
    sent = submission_sent(business, consent=True)
    assert not sent.consent_given
    assert not ConsentRecord.objects.exists()


def test_a_submission_is_counted_and_logged(business):
    sent = submission_sent(business)
    events_buffered_flush()
    today = timezone.localdate()
    totals = counts_between(
        business=business, start=today, end=today, kinds=[EventKind.FORM_SUBMITTED]
    )
    assert totals[EventKind.FORM_SUBMITTED] == 1
    entry = Activity.objects.get(action="form.submitted")
    assert entry.target_id == str(sent.pk) or int(entry.target_id) == sent.pk
    assert "anna" not in str(entry.data).lower()


def test_the_owner_is_emailed_through_the_task_in_the_business_language(
    business, owner, django_capture_on_commit_callbacks
):
    business.language = "de"
    business.save()
    with django_capture_on_commit_callbacks(execute=True):
        sent = submission_sent(business, language="en")
    assert mail.outbox == []  # never inline
    tasks_run_all(sweep=False)
    assert [m.to for m in mail.outbox] == [[owner.email]]
    body = mail.outbox[0].body
    assert "Do you cater?" in body and "anna@example.com" in body
    assert f"/dashboard/forms/{sent.pk}/" in body


def test_the_chosen_members_are_emailed_instead_of_the_owner(
    business, owner, django_capture_on_commit_callbacks
):
    agent = MembershipFactory(business=business, role=Role.AGENT, user=UserFactory())
    form_configure(business, notify_member_ids=[agent.pk])
    with django_capture_on_commit_callbacks(execute=True):
        submission_sent(business)
    tasks_run_all(sweep=False)
    assert [m.to for m in mail.outbox] == [[agent.user.email]]


def test_no_email_when_the_business_turned_it_off(
    business, owner, django_capture_on_commit_callbacks
):
    form_configure(business, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        submission_sent(business)
    tasks_run_all(sweep=False)
    assert mail.outbox == []


def test_third_party_mode_takes_no_submissions(business):
    form_configure(business, mode="third_party", third_party_url="https://forms.example.com/x")
    with pytest.raises(Conflict):
        submission_sent(business)
    assert not FormSubmission.objects.exists()
