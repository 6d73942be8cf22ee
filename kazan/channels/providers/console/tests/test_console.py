"""The offline console provider: "delivers" at once, logs nothing personal."""

import logging

from kazan.channels.providers.console import ConsoleSmsProvider
from kazan.messaging.transports import SmsRequest, sms_provider

NUMBER = "+4915112345678"


def _request(key: str = "key-1") -> SmsRequest:
    return SmsRequest(to=NUMBER, body="Your code is 424242", from_="", idempotency_key=key)


def test_console_is_the_default_provider(settings):
    settings.SMS_PROVIDER = "console"
    assert isinstance(sms_provider(), ConsoleSmsProvider)


def test_console_reports_delivered_with_an_id_stable_per_idempotency_key():
    provider = ConsoleSmsProvider()
    first = provider.send(_request("key-1"))
    assert first.status == "delivered"
    assert provider.send(_request("key-1")).provider_message_id == first.provider_message_id
    assert provider.send(_request("key-2")).provider_message_id != first.provider_message_id


def test_console_logs_neither_number_nor_text(caplog):
    caplog.set_level(logging.INFO, logger="kazan.sms.console")
    ConsoleSmsProvider().send(_request())
    assert "console sms delivered" in caplog.text
    assert NUMBER not in caplog.text
    assert "15112345678" not in caplog.text
    assert "424242" not in caplog.text
