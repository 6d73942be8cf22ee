""" "Send a test to yourself": once to the team member's own mobile, marked as a test, charged
like any SMS, never a recipient, at most five an hour, and only to a valid mobile number."""

import pytest
from django.db import connection
from django.urls import reverse

from kazan.activity.models import Activity
from kazan.campaigns import queries, services
from kazan.campaigns.models import CampaignRecipient
from kazan.core.errors import NotFound, RateLimited, ValidationFailed
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.queries import sms_balance
from kazan.messaging.tests.factories import credits_given
from kazan.tenancy.models import Membership

pytestmark = pytest.mark.django_db

MOBILE = "+49 151 23456789"
LANDLINE = "+49 30 12345678"


@pytest.fixture
def membership(business, owner):
    return Membership.objects.get(business=business, user=owner)


def _send(business, owner, membership, *, phone=MOBILE, body="Hi {name}, 2 for 1!", **kwargs):
    return services.campaign_test_send(
        business=business, actor=owner, membership=membership, phone=phone, body=body, **kwargs
    )


def test_a_test_goes_once_marked_and_charged_but_is_no_recipient(
    business, owner, membership, customers
):
    # Given 10 credits
    credits_given(business, 10)
    # When the owner sends a test of a text with a voucher
    message = _send(
        business, owner, membership, body="Hi {name}: {voucher}", voucher_discount="10% off"
    )
    # Then one transactional SMS, marked as a test, goes to their number and is charged
    assert OutboundMessage.objects.count() == 1
    assert message.purpose == Purpose.TRANSACTIONAL
    assert message.to == "+4915123456789"
    assert message.body.startswith("[Test] Hi ")
    assert services.TEST_VOUCHER_CODE in message.body
    assert message.payload == {"replies": [{"type": "text", "text": message.body}]}
    assert sms_balance(business=business) == 10 - message.credits
    # And it is nobody's campaign copy, and is in the activity log without the number
    assert not CampaignRecipient.objects.exists()
    activity = Activity.objects.get(action="campaign.test_sent")
    assert activity.data == {"channel": "sms", "credits": message.credits}
    assert "2345" not in str(activity.data)
    # And the number is remembered (encrypted) for the next test
    assert queries.test_phone_of(business=business, membership=membership) == "+4915123456789"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM campaigns_selftestphone")
        (raw,) = cursor.fetchone()
    assert "23456789" not in raw


def test_five_tests_an_hour_then_refused(business, owner, membership):
    credits_given(business, 50)
    for _ in range(services.TEST_SENDS_PER_HOUR):
        _send(business, owner, membership)
    with pytest.raises(RateLimited):
        _send(business, owner, membership)
    assert OutboundMessage.objects.count() == services.TEST_SENDS_PER_HOUR


@pytest.mark.parametrize("phone", ["", "12", "not a number", LANDLINE, "+49 151 2345678999999"])
def test_an_invalid_or_fixed_line_number_is_refused_and_nothing_charged(
    business, owner, membership, phone
):
    credits_given(business, 10)
    with pytest.raises(ValidationFailed) as refused:
        _send(business, owner, membership, phone=phone)
    assert refused.value.code == "invalid_phone"
    assert not OutboundMessage.objects.exists()
    assert sms_balance(business=business) == 10


def test_a_member_cannot_test_as_another_business(business, other_business, owner, membership):
    credits_given(other_business, 10)
    with pytest.raises(NotFound):
        services.campaign_test_send(
            business=other_business, actor=owner, membership=membership, phone=MOBILE, body="Hi"
        )
    assert not OutboundMessage.objects.exists()


def test_the_page_sends_a_test_and_shows_problems(owner_client, business, membership):
    credits_given(business, 10)
    url = reverse("campaigns:test")
    sent = owner_client.post(
        url, {"test_phone": MOBILE, "body": "Hello {name}", "channel": "sms"}, HTTP_HX_REQUEST="1"
    )
    assert sent.status_code == 200
    assert 'id="campaign-test-sent"' in sent.content.decode()
    bad = owner_client.post(url, {"test_phone": LANDLINE, "body": "Hello"}, HTTP_HX_REQUEST="1")
    assert bad.status_code == 400
    assert 'id="campaign-test-problem"' in bad.content.decode()
    empty = owner_client.post(url, {"test_phone": MOBILE, "body": ""}, HTTP_HX_REQUEST="1")
    assert empty.status_code == 400
    assert OutboundMessage.objects.count() == 1
    # The form remembers the number for next time
    page = owner_client.get(reverse("campaigns:new")).content.decode()
    assert 'value="+4915123456789"' in page
