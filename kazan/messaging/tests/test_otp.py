"""Phone verification codes: sending (limits, countries, credits) and checking (expiry, attempts,
single use), and that no code or number leaks into storage, activity or analytics."""

import json
import logging
import re
from datetime import timedelta

import phonenumbers
import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from kazan.activity.models import Activity
from kazan.analytics.models import Event, EventKind
from kazan.core.errors import InsufficientCredits, RateLimited, ValidationFailed
from kazan.core.testing import run_in_threads
from kazan.customers.phones import SMS_CAPABLE_TYPES
from kazan.messaging.models import OtpChallenge, OtpThrottle, OutboundMessage, Purpose
from kazan.messaging.otp import otp_phone_check, otp_send, otp_verify
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"
OTHER = "+4915112345679"
IP = "203.0.113.7"


def _code(challenge: OtpChallenge) -> str:
    challenge.message.refresh_from_db()
    return re.search(r"\b(\d{6})\b", challenge.message.body).group(1)


@pytest.fixture
def funded(business):
    credits_given(business, 100)
    return business


def test_send_queues_an_otp_sms_in_the_customers_language_and_verify_accepts_the_code(funded):
    challenge = otp_send(business=funded, phone_e164=PHONE, ip=IP, language="de")
    message = OutboundMessage.objects.get(business=funded)
    assert message.purpose == Purpose.OTP
    assert message.to == PHONE
    assert "Bestätigungscode" in message.body or "verification code" in message.body
    code = _code(challenge)
    verified = otp_verify(business=funded, phone_e164=PHONE, code=code)
    assert verified.pk == challenge.pk and verified.verified_at is not None
    kinds = list(Event.objects.filter(business=funded).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([EventKind.OTP_SENT, EventKind.OTP_VERIFIED])


def test_a_code_works_once(funded):
    code = _code(otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en"))
    otp_verify(business=funded, phone_e164=PHONE, code=code)
    with pytest.raises(ValidationFailed) as error:
        otp_verify(business=funded, phone_e164=PHONE, code=code)
    assert error.value.code == "otp_missing"


def test_the_code_is_stored_only_as_a_salted_hmac(funded, caplog):
    caplog.set_level(logging.DEBUG)
    one = otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en")
    code = _code(one)
    row = OtpChallenge.objects.values().get(pk=one.pk)
    stored = json.dumps(row, default=str)
    assert code not in stored
    assert PHONE not in stored and "15112345678" not in stored
    assert len(row["code_hash"]) == 64 and row["salt"]
    # Another row with the same code would still hash differently (per-row salt).
    from kazan.messaging.otp import _code_hash

    assert _code_hash(code, "other-salt") != row["code_hash"]
    # Nothing about the code, number or IP in activity, analytics or logs.
    leaks = json.dumps(list(Activity.objects.values("data", "target_id")), default=str)
    leaks += json.dumps(list(Event.objects.values("data")), default=str)
    leaks += caplog.text
    for secret in (code, PHONE, "15112345678", IP):
        assert secret not in leaks


def test_code_expires_after_ten_minutes(funded):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = _code(otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en"))
    with (
        time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False),
        pytest.raises(ValidationFailed) as error,
    ):
        otp_verify(business=funded, phone_e164=PHONE, code=code)
    assert error.value.code == "otp_missing"


def test_code_is_still_valid_just_before_expiry(funded):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = _code(otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en"))
    with time_machine.travel(start + timedelta(minutes=9, seconds=50), tick=False):
        assert otp_verify(business=funded, phone_e164=PHONE, code=code).verified_at


def test_five_wrong_attempts_kill_the_code(funded):
    code = _code(otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en"))
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(5):
        with pytest.raises(ValidationFailed) as error:
            otp_verify(business=funded, phone_e164=PHONE, code=wrong)
        messages.append((error.value.code, str(error.value.message)))
    assert [c for c, _m in messages] == ["otp_wrong"] * 4 + ["otp_missing"]
    assert "4 tries left" in messages[0][1]
    # Even the right code is refused now.
    with pytest.raises(ValidationFailed) as error:
        otp_verify(business=funded, phone_e164=PHONE, code=code)
    assert error.value.code == "otp_missing"
    assert OtpChallenge.objects.get().attempts == 5


def test_malformed_code_is_refused_without_using_an_attempt(funded):
    otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en")
    for typed in ["12345", "abcdef", "1234567", "", "١٢٣٤٥٦"]:
        with pytest.raises(ValidationFailed) as error:
            otp_verify(business=funded, phone_e164=PHONE, code=typed)
        assert error.value.code == "otp_format"
    assert OtpChallenge.objects.get().attempts == 0


def test_resend_waits_for_the_cooldown_and_supersedes_the_old_code(funded):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = _code(otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en"))
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        with pytest.raises(RateLimited) as error:
            otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en")
        assert error.value.code == "otp_cooldown"
        assert "30 seconds" in str(error.value.message)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        second = _code(otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en"))
        if first != second:
            with pytest.raises(ValidationFailed):
                otp_verify(business=funded, phone_e164=PHONE, code=first)
        assert otp_verify(business=funded, phone_e164=PHONE, code=second)


def _send_at(business, phone, ip, at):
    with time_machine.travel(at, tick=False):
        return otp_send(business=business, phone_e164=phone, ip=ip, language="en")


@override_settings(OTP_LIMIT_PER_PHONE_PER_DAY=2, OTP_RESEND_COOLDOWN_SECONDS=1)
def test_limit_per_phone(funded, other_business):
    credits_given(other_business, 10)
    start = timezone.now()
    _send_at(funded, PHONE, "203.0.113.1", start)
    _send_at(funded, PHONE, "203.0.113.2", start + timedelta(seconds=5))
    with pytest.raises(RateLimited) as error:
        _send_at(other_business, PHONE, "203.0.113.3", start + timedelta(seconds=10))
    assert error.value.code == "otp_limit"
    _send_at(funded, OTHER, "203.0.113.4", start + timedelta(seconds=15))  # others unaffected


@override_settings(OTP_LIMIT_PER_IP_PER_HOUR=2)
def test_limit_per_ip(funded):
    otp_send(business=funded, phone_e164="+4915112345001", ip=IP, language="en")
    otp_send(business=funded, phone_e164="+4915112345002", ip=IP, language="en")
    with pytest.raises(RateLimited) as error:
        otp_send(business=funded, phone_e164="+4915112345003", ip=IP, language="en")
    assert error.value.code == "otp_limit"
    otp_send(business=funded, phone_e164="+4915112345004", ip="203.0.113.99", language="en")


@override_settings(OTP_LIMIT_PER_BUSINESS_PER_HOUR=2)
def test_limit_per_business(funded, other_business):
    credits_given(other_business, 10)
    otp_send(business=funded, phone_e164="+4915112345001", ip="203.0.113.1", language="en")
    otp_send(business=funded, phone_e164="+4915112345002", ip="203.0.113.2", language="en")
    with pytest.raises(RateLimited):
        otp_send(business=funded, phone_e164="+4915112345003", ip="203.0.113.3", language="en")
    otp_send(business=other_business, phone_e164="+4915112345003", ip="203.0.113.3", language="en")


def test_numbers_of_other_countries_are_refused_with_a_clear_message(funded):
    with pytest.raises(ValidationFailed) as error:
        otp_send(business=funded, phone_e164="+905321234567", ip=IP, language="en")
    assert error.value.code == "otp_country"
    assert "DE (+49)" in str(error.value.message)
    assert not OutboundMessage.objects.exists()
    funded.allowed_countries = ["DE", "TR"]
    funded.save()
    otp_send(business=funded, phone_e164="+905321234567", ip=IP, language="en")


def test_invalid_number_is_refused(funded):
    with pytest.raises(ValidationFailed) as error:
        otp_send(business=funded, phone_e164="12", ip=IP, language="en")
    assert error.value.code == "invalid_phone"


def test_without_credits_the_customer_gets_a_friendly_error_and_nothing_is_left(business):
    with pytest.raises(InsufficientCredits) as error:
        otp_send(business=business, phone_e164=PHONE, ip=IP, language="en")
    assert error.value.code == "otp_unavailable"
    assert "ask the staff" in str(error.value.message)
    assert not OtpChallenge.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not Event.objects.filter(kind=EventKind.OTP_SENT).exists()
    # A send that failed started no cooldown: once the business has credits, it works at once.
    credits_given(business, 5)
    assert otp_send(business=business, phone_e164=PHONE, ip=IP, language="en")


def test_codes_are_per_business(funded, other_business):
    credits_given(other_business, 10)
    code = _code(otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en"))
    with pytest.raises(ValidationFailed):
        otp_verify(business=other_business, phone_e164=PHONE, code=code)
    assert otp_verify(business=funded, phone_e164=PHONE, code=code)


@override_settings(OTP_LIMIT_PER_BUSINESS_PER_DAY=2)
def test_limit_per_business_per_day(funded):
    otp_send(business=funded, phone_e164="+4915112345001", ip="203.0.113.1", language="en")
    otp_send(business=funded, phone_e164="+4915112345002", ip="203.0.113.2", language="en")
    with pytest.raises(RateLimited):
        otp_send(business=funded, phone_e164="+4915112345003", ip="203.0.113.3", language="en")


def test_retention_blanks_used_up_codes_and_forgets_unclaimed_numbers(funded):
    from kazan.messaging.otp import otp_retention_apply

    challenge = otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en")
    message = challenge.message
    OutboundMessage.objects.filter(pk=message.pk).update(status="delivered")
    code = _code(challenge)

    assert otp_retention_apply() == 0  # still usable: nothing changes
    message.refresh_from_db()
    assert code in message.body

    later = timezone.now() + timedelta(minutes=11)
    assert otp_retention_apply(now=later) == 1
    message.refresh_from_db()
    assert code not in message.body and "••••••" in message.body
    assert message.to == PHONE  # the number stays while it may still become a customer
    assert not OtpChallenge.objects.exists()

    assert otp_retention_apply(now=timezone.now() + timedelta(days=31)) == 1
    message.refresh_from_db()
    assert message.to == "" and message.to_index == ""


def test_retention_forgets_a_numbers_throttle_once_its_cooldown_is_over(funded):
    from kazan.messaging.otp import otp_retention_apply

    otp_send(business=funded, phone_e164=PHONE, ip=IP, language="en")
    otp_retention_apply()
    assert OtpThrottle.objects.filter(business=funded).count() == 1
    otp_retention_apply(now=timezone.now() + timedelta(minutes=11))
    assert not OtpThrottle.objects.exists()


# --- parallel requests ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_requests_for_one_number_send_one_code(business):
    """20 conversations for one number submit at the same moment: one SMS, 19 told to wait."""
    credits_given(business, 100)

    results = run_in_threads(
        20,
        lambda: otp_send(business=business, phone_e164=PHONE, ip=IP, language="en"),
    )

    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(refused) == 19, results
    assert {r.code for r in refused} == {"otp_cooldown"}
    assert OutboundMessage.objects.filter(business=business, purpose=Purpose.OTP).count() == 1
    assert OtpChallenge.objects.filter(business=business).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0, OTP_LIMIT_PER_IP_PER_HOUR=3)
def test_parallel_requests_cannot_pass_the_limit_per_ip(business):
    """20 different numbers from one IP at once, without a cooldown in the way: 3 codes."""
    credits_given(business, 100)
    numbers = iter(f"+49151123450{n:02d}" for n in range(20))

    results = run_in_threads(
        20,
        lambda: otp_send(business=business, phone_e164=next(numbers), ip=IP, language="en"),
    )

    assert len([r for r in results if isinstance(r, OtpChallenge)]) == 3, results
    assert OutboundMessage.objects.filter(business=business, purpose=Purpose.OTP).count() == 3


# --- only numbers that can receive a text ----------------------------------------------------

REGIONS = ["DE", "GB", "US", "FR", "IT", "ES", "TR", "AT", "CH", "NL"]
REFUSED_TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
]


def _examples(types) -> list:
    """phonenumbers' example number of each type and region (where the region has one)."""
    found = []
    for region in REGIONS:
        for kind in types:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append(pytest.param(region, number, id=f"{region}-{kind}"))
    return found


def _refused_examples() -> list:
    # In the US a landline looks like a mobile (FIXED_LINE_OR_MOBILE): no one can tell them apart.
    return [
        example
        for example in _examples(REFUSED_TYPES)
        if phonenumbers.number_type(example.values[1]) not in SMS_CAPABLE_TYPES
    ]


@pytest.mark.parametrize(("region", "number"), _refused_examples())
def test_numbers_that_cannot_receive_a_text_get_no_code(funded, region, number):
    """Landlines, premium-rate (0900), shared-cost (0180), freephone (0800), personal, VoIP,
    pager, UAN and voicemail numbers, typed as a local customer would or in E.164."""
    funded.country, funded.allowed_countries = region, [region]
    funded.save()
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    with pytest.raises(ValidationFailed) as error:
        otp_phone_check(business=funded, phone=national)
    assert error.value.code == "otp_not_mobile"
    assert "only send the code to a mobile number" in str(error.value.message)
    with pytest.raises(ValidationFailed) as error:
        otp_send(business=funded, phone_e164=e164, ip=IP, language="en")
    assert error.value.code == "otp_not_mobile"
    assert not OutboundMessage.objects.exists() and not OtpChallenge.objects.exists()


@pytest.mark.parametrize(("region", "number"), _examples([PhoneNumberType.MOBILE]))
def test_mobile_numbers_get_a_code(funded, region, number):
    """Mobiles of every region, and the US's numbers, which may be mobiles (no one can tell)."""
    funded.country, funded.allowed_countries = region, [region]
    funded.save()
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    assert otp_phone_check(business=funded, phone=national) == e164
    otp_send(business=funded, phone_e164=e164, ip=IP, language="en")
    assert OutboundMessage.objects.get(purpose=Purpose.OTP).to == e164
