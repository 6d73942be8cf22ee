"""A business connects, tests and disconnects its own Twilio number: fields checked, secrets
encrypted and never shown again, one number per business, every change in the activity log, and
the test asks Twilio (the local fake) through the SDK."""

import pytest
from django.db import connection

from kazan.activity.models import Activity
from kazan.channels.models import ChannelInstallation
from kazan.channels.queries import (
    address_index,
    installation_active,
    unscoped_installation_for_address,
)
from kazan.channels.services import (
    installation_connect,
    installation_disconnect,
    installation_test,
)
from kazan.channels.tests.factories import BUSINESS_NUMBER, connect_fields
from kazan.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def _connect(business, owner, **overrides):
    return installation_connect(
        business=business, actor=owner, provider="twilio", fields=connect_fields(**overrides)
    )


def test_connect_stores_the_secrets_encrypted_and_shows_only_masked_parts(business, owner):
    installation = _connect(business, owner)
    assert installation.is_active and installation.channel == "sms"
    assert installation.config["account_sid_last4"] == connect_fields()["account_sid"][-4:]
    assert BUSINESS_NUMBER not in str(installation.config)
    assert installation.address_index == address_index(BUSINESS_NUMBER)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM channels_channelinstallation WHERE id = %s",
            [installation.pk],
        )
        stored = cursor.fetchone()[0]
    assert connect_fields()["auth_token"] not in stored
    assert BUSINESS_NUMBER not in stored
    assert Activity.objects.filter(business=business, action="channel.connected").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account_sid", "XX123", "AC followed by 32 hex"),
        ("auth_token", "short", "auth token"),
        ("from_number", "not a number", "international format"),
        ("messaging_service_sid", "MG1", "MG followed by 32 hex"),
    ],
)
def test_connect_refuses_wrong_fields_with_a_clear_message(business, owner, field, value, message):
    with pytest.raises(ValidationFailed, match=message):
        _connect(business, owner, **{field: value})
    assert not ChannelInstallation.objects.exists()


def test_connect_needs_a_number_or_a_messaging_service(business, owner):
    with pytest.raises(ValidationFailed, match="phone number or a messaging service"):
        _connect(business, owner, from_number="", messaging_service_sid="")


def test_a_number_answers_for_one_business_only(business, other_business, owner):
    _connect(business, owner)
    with pytest.raises(Conflict):
        _connect(other_business, owner)


def test_connecting_again_replaces_the_earlier_installation(business, owner):
    first = _connect(business, owner)
    second = _connect(business, owner, from_number="+15017122662")
    first.refresh_from_db()
    assert first.status == ChannelInstallation.Status.DISCONNECTED
    assert installation_active(business=business, channel="sms") == second


def test_test_asks_twilio_for_the_account_and_the_number(business, owner, platform_twilio):
    installation = _connect(business, owner)
    assert installation_test(business=business, actor=owner, installation=installation)
    installation.refresh_from_db()
    assert installation.last_test_ok is True and installation.last_tested_at is not None
    paths = [r.path for r in platform_twilio.requests if r.method == "GET"]
    assert any(path.endswith(f"{connect_fields()['account_sid']}.json") for path in paths)
    assert any("IncomingPhoneNumbers.json" in path for path in paths)
    assert Activity.objects.filter(action="channel.tested", data__ok=True).count() == 1


def test_test_reports_wrong_credentials(business, owner, platform_twilio):
    installation = _connect(business, owner, auth_token="wrong-token-0123456789")
    assert not installation_test(business=business, actor=owner, installation=installation)
    installation.refresh_from_db()
    assert installation.last_test_ok is False
    assert Activity.objects.get(action="channel.tested").data["code"] == "20003"


def test_test_reports_a_number_that_is_not_the_accounts(business, owner, platform_twilio):
    installation = _connect(business, owner, from_number="+15017129999")
    assert not installation_test(business=business, actor=owner, installation=installation)


def test_disconnect_stops_routing_and_is_logged_once(business, owner):
    installation = _connect(business, owner)
    installation_disconnect(business=business, actor=owner, installation=installation)
    installation_disconnect(business=business, actor=owner, installation=installation)
    assert installation.status == ChannelInstallation.Status.DISCONNECTED
    assert installation_active(business=business, channel="sms") is None
    assert unscoped_installation_for_address(provider="twilio", address=BUSINESS_NUMBER) is None
    assert Activity.objects.filter(action="channel.disconnected").count() == 1
