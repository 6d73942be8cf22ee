"""The SMS provider registry: providers by key, chosen by settings.SMS_PROVIDER."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kazan.channels.providers.base import SmsProvider, sms_provider, sms_provider_keys


def test_builtin_providers_are_registered():
    assert {"console", "twilio"} <= set(sms_provider_keys())


def test_unknown_provider_is_a_configuration_error(settings):
    settings.SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured, match="carrier-pigeon"):
        sms_provider()


def test_providers_satisfy_the_protocol(settings):
    settings.SMS_PROVIDER = "console"
    provider = sms_provider()
    assert isinstance(provider, SmsProvider)
    assert provider.key == "console"
