"""POST /hooks/twilio/inbound, replaying Twilio's documented incoming-message payloads
(fixtures/inbound_*.json) signed the way Twilio signs them: STOP words withdraw SMS marketing
consent for the sender in every business that has messaged the number."""

import pytest
from django.test import TestCase

from kazan.campaigns.models import StopReply
from kazan.campaigns.services import stop_word
from kazan.channels.providers.twilio.tests.signing import PUBLIC_URL, twilio_fixture, twilio_post
from kazan.customers.models import ConsentRecord
from kazan.customers.queries import consent_is_granted
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging.services import sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import credits_given
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db

TOKEN = "inbound-test-auth-token"
PHONE = "+4915112345678"  # the From of every fixture
SMS = ConsentRecord.Purpose.SMS_MARKETING


def fixture(name: str) -> dict[str, str]:
    return twilio_fixture(f"inbound_{name}")


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_URL = PUBLIC_URL


def post(client, params: dict, *, signature: str | None = "sign", token: str = TOKEN):
    """Posts like Twilio, then runs the processing task the webhook enqueued, as a worker."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = twilio_post(
            client, "hooks:twilio_inbound", params, token=token, signature=signature
        )
    tasks_run_all()
    return response


def _customer_messaged(business):
    customer = CustomerFactory(business=business, phone_e164=PHONE)
    consent_given(customer)
    credits_given(business, 5)
    sms_send(business=business, to=PHONE, body="Offer", purpose="marketing", customer=customer)
    return customer


@pytest.fixture
def two_shops(business, other_business):
    """The same person is a customer of two businesses that both texted them, and of a third
    that never did."""
    third = BusinessFactory(slug="never-texted")
    silent = CustomerFactory(business=third, phone_e164=PHONE)
    consent_given(silent)
    return _customer_messaged(business), _customer_messaged(other_business), silent


def test_fixtures_are_twilios_documented_shape():
    for name in ["stop", "stop_german", "text"]:
        params = fixture(name)
        assert params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"]
        assert params["SmsStatus"] == "received"
        assert params["From"] == PHONE
        assert params["ApiVersion"] == "2010-04-01"
        assert {"To", "Body", "NumMedia", "AccountSid"} <= set(params)


def test_stop_withdraws_consent_in_every_business_that_messaged_the_number(client, two_shops):
    a, b, silent = two_shops
    response = post(client, fixture("stop"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode().endswith("<Response></Response>")
    for customer in (a, b):
        assert not consent_is_granted(business=customer.business, customer=customer, purpose=SMS)
        latest = ConsentRecord.objects.filter(customer=customer).order_by("-id").first()
        assert latest.channel == "sms-stop"
    assert consent_is_granted(business=silent.business, customer=silent, purpose=SMS)


def test_the_same_stop_delivered_twice_is_applied_once(client, two_shops):
    a, _b, _silent = two_shops
    post(client, fixture("stop"))
    post(client, fixture("stop"))
    assert ConsentRecord.objects.filter(customer=a, granted=False).count() == 1
    assert StopReply.objects.get().withdrawn == 2


def test_german_opt_out_word_works(client, two_shops):
    a, _b, _silent = two_shops
    assert post(client, fixture("stop_german")).status_code == 200
    assert not consent_is_granted(business=a.business, customer=a, purpose=SMS)


def test_an_ordinary_reply_changes_nothing(client, two_shops):
    a, _b, _silent = two_shops
    assert post(client, fixture("text")).status_code == 200
    assert consent_is_granted(business=a.business, customer=a, purpose=SMS)
    assert not StopReply.objects.exists()


@pytest.mark.parametrize("signature", [None, "bm90IGEgc2lnbmF0dXJl", "wrong-token"])
def test_missing_or_wrong_signature_is_403_and_changes_nothing(client, two_shops, signature):
    a, _b, _silent = two_shops
    if signature == "wrong-token":
        response = post(client, fixture("stop"), token="another-token")
    else:
        response = post(client, fixture("stop"), signature=signature)
    assert response.status_code == 403
    assert consent_is_granted(business=a.business, customer=a, purpose=SMS)


def test_malformed_payloads_are_400_not_500(client, db):
    params = fixture("stop")
    assert post(client, {**params, "MessageSid": "nope"}).status_code == 400
    assert post(client, {**params, "From": ""}).status_code == 400
    # A short code or alphanumeric sender is not a customer's number: nothing to do.
    assert post(client, {**params, "From": "KAZAN"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", " Stop. ", "STOPALL", "Unsubscribe", "cancel", "END", "quit", "STOPP",
     "abmelden", "İPTAL", "iptal", "RET", "basta", "Annulla", "BAJA", "parar"],
)  # fmt: skip
def test_opt_out_words(body):
    assert stop_word(body)


@pytest.mark.parametrize("body", ["", "Stop sending me the menu please", "thanks", "STOP IT NOW"])
def test_other_texts_are_not_opt_outs(body):
    assert not stop_word(body)
