"""Manual payments: the platform's bank details (staff set them, validated and logged), the
payment page that shows them, and the pro-forma invoice emailed to the owners."""

import pytest
from django.core import mail
from django.utils import timezone

from kazan.accounts.tests.staff import staff_sign_in
from kazan.activity.models import Activity
from kazan.billing import queries, services
from kazan.billing.models import BankDetails, Payment
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db

GOOD = {
    "recipient": "Kazan GmbH",
    "iban": "de89 3704 0044 0532 0130 00",
    "bic": "cobadeffxxx",
    "bank_name": "Commerzbank",
    "address": "Torstraße 1, Berlin",
}


def _set_bank(staff_user, **changes) -> BankDetails:
    return services.bank_details_update(**{**GOOD, **changes}, actor=staff_user)


def _manual_order(business, owner, package, capture):
    with capture(execute=True):
        return services.package_upgrade_start(
            business=business, package=package, actor=owner
        ).payment


def test_staff_set_bank_details_stored_compact_and_logged(staff_user):
    row = _set_bank(staff_user)

    assert (row.iban, row.bic) == ("DE89370400440532013000", "COBADEFFXXX")
    assert row.iban_formatted == "DE89 3704 0044 0532 0130 00"
    log = Activity.objects.get(action="billing.bank_details_changed")
    assert log.actor == staff_user
    assert set(log.data["fields"]) == {"recipient", "iban", "bic", "bank_name", "address"}
    assert log.data["iban"] == ["", "DE…3000"]  # masked, never the whole number

    _set_bank(staff_user, bank_name="Deutsche Bank")
    second = Activity.objects.filter(action="billing.bank_details_changed").order_by("-pk")[0]
    assert second.data["fields"] == ["bank_name"]
    _set_bank(staff_user, bank_name="Deutsche Bank")  # no change: no log row
    assert Activity.objects.filter(action="billing.bank_details_changed").count() == 2


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("iban", "DE89 3704 0044 0532 0130 01", "invalid_iban"),  # mod-97 check fails
        ("iban", "DE89 3704 0044 0532 0130", "invalid_iban"),  # too short for Germany
        ("iban", "XX00 1234", "invalid_iban"),
        ("iban", "", "invalid_iban"),
        ("iban", "A" * 5000, "invalid_iban"),
        ("bic", "COBA", "invalid_bic"),
        ("bic", "", "invalid_bic"),
        ("recipient", "   ", "invalid_recipient"),
        ("bank_name", "x" * 141, "invalid_bank_name"),
    ],
)
def test_bad_bank_details_are_refused_with_a_clear_message(staff_user, field, value, code):
    with pytest.raises(ValidationFailed) as refused:
        _set_bank(staff_user, **{field: value})

    assert refused.value.code == code
    assert not BankDetails.objects.exists()


def test_only_staff_set_bank_details(owner):
    with pytest.raises(PermissionDenied):
        services.bank_details_update(**GOOD, actor=owner)


def test_console_page_saves_details_and_shows_errors_per_field(client, staff_user):
    staff_sign_in(client, staff_user)
    page = client.get("/console/bank-details/").content.decode()
    assert 'id="bank-details-missing"' in page  # the console warns while none are set

    bad = client.post("/console/bank-details/", {**GOOD, "iban": "DE00 1234 5678"})
    assert bad.status_code == 400
    assert "not a valid IBAN" in bad.content.decode()

    response = client.post("/console/bank-details/", GOOD, follow=True)
    page = response.content.decode()
    assert "The bank details were saved." in page
    assert 'id="bank-details-missing"' not in page
    assert "DE89 3704 0044 0532 0130 00" in page


def test_members_cannot_reach_the_bank_details_page(owner_client):
    assert owner_client.get("/console/bank-details/").status_code == 404
    assert owner_client.post("/console/bank-details/", GOOD).status_code == 404
    assert not BankDetails.objects.exists()


def test_payment_page_shows_amount_reference_and_bank_details(
    owner_client, business, owner, staff_user, packages, django_capture_on_commit_callbacks
):
    _set_bank(staff_user)
    Business.objects.filter(pk=business.pk).update(language="de")
    payment = _manual_order(
        business, owner, packages["business"], django_capture_on_commit_callbacks
    )

    page = owner_client.get(f"/dashboard/billing/payments/{payment.pk}/").content.decode()

    assert "29,00\u00a0€" in page
    assert f'data-payment="reference">Kazan {payment.pk}<' in page
    assert "DE89 3704 0044 0532 0130 00" in page
    assert "COBADEFFXXX" in page and "Kazan GmbH" in page and "Commerzbank" in page
    assert 'id="bank-missing"' not in page


def test_without_bank_details_the_page_says_it_cannot_be_paid_and_staff_are_told(
    owner_client, business, owner, staff_user, packages, django_capture_on_commit_callbacks
):
    payment = _manual_order(
        business, owner, packages["starter"], django_capture_on_commit_callbacks
    )

    page = owner_client.get(f"/dashboard/billing/payments/{payment.pk}/").content.decode()

    assert 'id="bank-missing"' in page
    assert "cannot be paid yet" in page
    assert f"Kazan {payment.pk}" not in page  # never a reference without details
    tasks_run_all(sweep=False)
    assert [m.to for m in mail.outbox] == [[staff_user.email]]
    assert f"#{payment.pk}" in mail.outbox[0].body


def test_proforma_email_goes_to_the_owners_with_the_bank_details(
    business, owner, staff_user, packages, django_capture_on_commit_callbacks
):
    _set_bank(staff_user)
    payment = _manual_order(
        business, owner, packages["business"], django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        tasks_run_all(sweep=False)
    tasks_run_all(sweep=False)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [owner.email]
    assert f"Kazan {payment.pk}" in email.subject and "€29.00" in email.subject
    html = email.alternatives[0].content
    for text in (email.body, html):
        assert "DE89 3704 0044 0532 0130 00" in text
        assert "COBADEFFXXX" in text and "Kazan GmbH" in text
        assert "1,000 SMS credits" in text
    assert Payment.objects.get(pk=payment.pk).proforma_sent_at is not None
    assert Activity.objects.filter(action="payment.proforma_sent", business=business).exists()

    # sent once: a second run of the task sends nothing
    assert services.payment_proforma_send(payment_id=payment.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_proforma_waits_for_the_bank_details_then_goes_out(
    business, owner, staff_user, packages, django_capture_on_commit_callbacks
):
    payment = _manual_order(
        business, owner, packages["starter"], django_capture_on_commit_callbacks
    )
    tasks_run_all(sweep=False)
    mail.outbox.clear()  # the staff warning

    with django_capture_on_commit_callbacks(execute=True):
        _set_bank(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        tasks_run_all(sweep=False)
    tasks_run_all(sweep=False)

    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert f"Kazan {payment.pk}" in mail.outbox[0].subject


def test_a_failed_proforma_send_is_retried_later(
    business,
    owner,
    staff_user,
    packages,
    monkeypatch,
    time_machine,
    django_capture_on_commit_callbacks,
):
    time_machine.move_to(timezone.now(), tick=False)
    _set_bank(staff_user)
    payment = services.package_upgrade_start(
        business=business, package=packages["starter"], actor=owner
    ).payment
    calls = []

    def flaky_send(self, fail_silently=False):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("SMTP server unreachable")
        return 1

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", flaky_send)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.payment_proforma_send(payment_id=payment.pk) == "sent"
    tasks_run_all(sweep=False)
    assert len(calls) == 1  # the first attempt failed; the retry waits for its backoff
    tasks_run_all(sweep=False)
    assert len(calls) == 1
    time_machine.shift(120)
    tasks_run_all(sweep=False)
    assert len(calls) == 2
    assert Payment.objects.get(pk=payment.pk).proforma_sent_at is not None


def test_bank_details_query_is_none_until_set(staff_user):
    assert queries.bank_details() is None
    _set_bank(staff_user)
    assert queries.bank_details().recipient == "Kazan GmbH"
