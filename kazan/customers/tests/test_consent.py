"""The consent ledger: append-only, the wording is recorded, the latest row wins, and
customers_consenting selects exactly the people whose latest word was "yes"."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.customers import services
from kazan.customers.models import ConsentRecord, ConsentWording, Customer
from kazan.customers.queries import (
    consent_history,
    consent_is_granted,
    consent_wording_current,
    consent_wording_get,
    customers_consenting,
)
from kazan.customers.tests.factories import CustomerFactory, consent_given

pytestmark = pytest.mark.django_db
SMS = ConsentRecord.Purpose.SMS_MARKETING


def test_the_sms_wording_is_seeded_in_every_language():
    wordings = ConsentWording.objects.filter(purpose=SMS, version="2026-11-v1")
    texts = dict(wordings.values_list("language", "text"))
    assert set(texts) == {"en", "de", "tr", "it", "es"}
    assert texts["en"].startswith("Yes, I would like to receive offers from this business by SMS")
    assert "STOP" in texts["de"] and "Einwilligung" in texts["de"]
    assert len(set(texts.values())) == 5  # really translated, not copies


def test_current_wording_is_in_the_language_asked_for_else_english():
    assert consent_wording_current(purpose=SMS, language="de").language == "de"
    assert consent_wording_current(purpose=SMS, language="tr-TR").language == "tr"
    assert consent_wording_current(purpose=SMS, language="fr").language == "en"
    assert consent_wording_current(purpose=SMS, language="").language == "en"


def test_a_newer_version_becomes_current():
    newer = ConsentWording.objects.create(
        purpose=SMS, version="2027-01-v2", language="de", text="Neue Fassung."
    )
    assert consent_wording_current(purpose=SMS, language="de") == newer
    assert consent_wording_current(purpose=SMS, language="it").version == "2026-11-v1"


def test_a_purpose_without_wording_has_no_current_wording():
    with pytest.raises(NotFound):
        consent_wording_current(purpose=ConsentRecord.Purpose.TELEGRAM_MARKETING, language="en")
    with pytest.raises(ValidationFailed):
        consent_wording_current(purpose="spam", language="en")


def test_grant_records_the_wording_and_evidence(business, customer):
    wording = consent_wording_current(purpose=SMS, language="de")
    record = services.consent_grant(
        business=business,
        customer=customer,
        purpose=SMS,
        channel="web",
        wording=wording,
        ip="203.0.113.7",
        user_agent="Mozilla/5.0\x00 (test)",
    )
    record.refresh_from_db()
    assert record.granted
    assert record.wording == wording
    assert record.ip_address == "203.0.113.7"
    assert record.user_agent == "Mozilla/5.0 (test)"
    assert consent_is_granted(business=business, customer=customer, purpose=SMS)
    entry = Activity.objects.get(action="consent.granted")
    assert entry.data == {
        "purpose": SMS,
        "channel": "web",
        "record": record.pk,
        "wording": "2026-11-v1/de",
    }
    assert "203.0.113.7" not in str(entry.data)


def test_grant_without_the_wording_shown_is_refused(business, customer):
    with pytest.raises(ValidationFailed):
        services.consent_grant(
            business=business, customer=customer, purpose=SMS, channel="web", wording=None
        )
    other_purpose = ConsentWording.objects.create(
        purpose="email_marketing", version="v1", language="en", text="Emails, yes."
    )
    with pytest.raises(ValidationFailed):
        services.consent_grant(
            business=business,
            customer=customer,
            purpose=SMS,
            channel="web",
            wording=other_purpose,
        )
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"purpose": "spam"}, "invalid_purpose"),
        ({"channel": ""}, "invalid_channel"),
        ({"channel": "Web Site!"}, "invalid_channel"),
        ({"ip": "999.1.1.1"}, "invalid_ip"),
    ],
)
def test_withdraw_refuses_bad_input(business, customer, kwargs, code):
    with pytest.raises(ValidationFailed) as caught:
        services.consent_withdraw(
            business=business, customer=customer, **({"purpose": SMS, "channel": "sms"} | kwargs)
        )
    assert caught.value.code == code
    assert not ConsentRecord.objects.exists()


def test_latest_record_wins_and_the_ledger_keeps_every_row(business, customer):
    consent_given(customer)
    assert consent_is_granted(business=business, customer=customer, purpose=SMS)
    consent_given(customer, granted=False, channel="sms")
    assert not consent_is_granted(business=business, customer=customer, purpose=SMS)
    consent_given(customer)
    assert consent_is_granted(business=business, customer=customer, purpose=SMS)
    history = list(consent_history(business=business, customer=customer))
    assert [r.granted for r in history] == [True, False, True]  # newest first
    assert history[1].channel == "sms" and history[1].wording is None
    assert Activity.objects.filter(action="consent.withdrawn").count() == 1


def test_equal_timestamps_are_ordered_by_insertion(business, customer):
    record = consent_given(customer)
    withdrawal = consent_given(customer, granted=False)
    ConsentRecord.objects.filter(pk=withdrawal.pk).update(occurred_at=record.occurred_at)
    assert not consent_is_granted(business=business, customer=customer, purpose=SMS)
    assert not customers_consenting(business=business, purpose=SMS).exists()


def test_purposes_are_independent(business, customer):
    consent_given(customer)
    assert not consent_is_granted(
        business=business, customer=customer, purpose=ConsentRecord.Purpose.WHATSAPP_MARKETING
    )


def test_consent_of_another_business_customer_is_not_found(business, other_customer):
    wording = consent_wording_current(purpose=SMS, language="en")
    with pytest.raises(NotFound):
        services.consent_grant(
            business=business,
            customer=other_customer,
            purpose=SMS,
            channel="web",
            wording=wording,
        )
    assert not consent_is_granted(business=business, customer=other_customer, purpose=SMS)


def test_consent_of_an_erased_customer_is_refused(business, owner, customer):
    stale = Customer.objects.get(pk=customer.pk)  # loaded by someone before the erasure
    services.customer_erase(business=business, customer=customer, actor=owner)
    with pytest.raises(Conflict):
        consent_given(customer)
    with pytest.raises(Conflict):
        consent_given(stale)
    with pytest.raises(Conflict):
        services.identity_attach(business=business, customer=stale, channel="web", external_id="v")
    assert ConsentRecord.objects.filter(granted=True, customer=customer).count() == 0


def test_customers_consenting_selects_only_the_latest_yes(
    business, other_business, django_assert_num_queries
):
    # Given 40 customers with long and mixed histories, in two businesses
    expected = set()
    now = timezone.now()
    wording = consent_wording_current(purpose=SMS, language="en")
    rows = []
    for n in range(40):
        customer = CustomerFactory(business=business)
        # history pattern by n: the last decision decides
        decisions = [[True], [True, False], [False, True], [True, False, True, False], []][n % 5]
        for step, granted in enumerate(decisions):
            rows.append(
                ConsentRecord(
                    business=business,
                    customer=customer,
                    purpose=SMS,
                    granted=granted,
                    channel="web",
                    wording=wording if granted else None,
                    occurred_at=now - dt.timedelta(days=30 - step),
                )
            )
        # noise: another purpose says yes for everyone
        rows.append(
            ConsentRecord(
                business=business,
                customer=customer,
                purpose="email_marketing",
                granted=True,
                channel="web",
                occurred_at=now,
            )
        )
        if decisions and decisions[-1]:
            expected.add(customer.pk)
    ConsentRecord.objects.bulk_create(rows)
    consent_given(CustomerFactory(business=other_business))  # another business's "yes"
    erased = CustomerFactory(business=business)
    consent_given(erased)
    services.customer_erase(business=business, customer=erased, actor=None)

    # When marketing selects recipients, then it is one query and exactly the latest "yes"
    with django_assert_num_queries(1):
        selected = set(
            customers_consenting(business=business, purpose=SMS).values_list("pk", flat=True)
        )
    assert selected == expected
    assert len(expected) == 16


def test_customers_consenting_refuses_an_unknown_purpose(business):
    with pytest.raises(ValidationFailed):
        customers_consenting(business=business, purpose="everything")


def test_wording_lookup_by_version(business):
    assert consent_wording_get(purpose=SMS, version="2026-11-v1", language="it").language == "it"
    with pytest.raises(ValidationFailed):
        consent_wording_get(purpose=SMS, version="1999-v0", language="it")


def test_register_creates_the_customer_and_the_consent_together(business):
    wording = consent_wording_current(purpose=SMS, language="en")
    customer, created = services.customer_register(
        business=business,
        phone="0151 12345678",
        name="Anna",
        channel="web",
        wording=wording,
        ip="2001:db8::1",
    )
    assert created
    assert consent_is_granted(business=business, customer=customer, purpose=SMS)
    assert ConsentRecord.objects.get().ip_address == "2001:db8::1"


def test_register_with_bad_consent_evidence_leaves_no_customer(business):
    wording = consent_wording_current(purpose=SMS, language="en")
    with pytest.raises(ValidationFailed):
        services.customer_register(
            business=business, phone="0151 12345678", channel="web", wording=wording, ip="nope"
        )
    assert not business.customers.exists()
