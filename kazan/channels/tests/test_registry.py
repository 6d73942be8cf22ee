"""Channel plugins: registered by key, described by frozen capabilities, each with a renderer;
the SMS renderer turns the channel-neutral payload into one numbered plain text."""

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured

from kazan.channels.providers.base import plugin, plugins
from kazan.messaging.transports import (
    SmsProvider,
    channel_default,
    sms_provider,
    sms_provider_keys,
    sms_render,
)


def test_builtin_plugins_are_registered_by_key():
    assert {"console", "twilio", "web"} <= {p.key for p in plugins()}
    assert {"console", "twilio"} <= set(sms_provider_keys())


def test_capabilities_are_frozen_and_describe_the_channel():
    sms, web = plugin("twilio").capabilities, plugin("web").capabilities
    with pytest.raises(dataclasses.FrozenInstanceError):
        sms.max_text_length = 10
    assert (sms.max_text_length, sms.costs_credits, sms.buttons, sms.inline) == (
        1600,
        True,
        False,
        False,
    )
    assert (web.inline, web.costs_credits, web.buttons) == (True, False, True)
    assert web.service_window_hours is None


def test_only_installable_plugins_have_a_connect_form():
    assert plugin("twilio").installable
    assert not plugin("console").installable
    assert not plugin("web").installable


def test_the_web_chat_has_no_sender():
    with pytest.raises(ImproperlyConfigured):
        plugin("web").sender_build()


def test_platform_default_of_sms_follows_the_setting(settings):
    settings.SMS_PROVIDER = "console"
    assert channel_default("sms").key == "console"
    assert channel_default("web").key == "web"
    assert channel_default("whatsapp") is None


def test_unknown_provider_is_a_configuration_error(settings):
    settings.SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured, match="carrier-pigeon"):
        sms_provider()


def test_providers_satisfy_the_protocol(settings):
    settings.SMS_PROVIDER = "console"
    provider = sms_provider()
    assert isinstance(provider, SmsProvider)
    assert provider.key == "console"


def test_sms_renderer_numbers_options_and_writes_links_as_label_and_url():
    payload = {
        "replies": [
            {"type": "text", "text": "How was your visit?"},
            {
                "type": "choices",
                "choices": [{"value": "y", "label": "Yes"}, {"value": "n", "label": "No"}],
            },
            {"type": "links", "links": [{"label": "Google", "url": "https://g.example/r"}]},
            {"type": "input", "input": "text", "submit": "Send"},
        ]
    }
    assert sms_render(payload) == (
        "How was your visit?\n1. Yes\n2. No\nGoogle: https://g.example/r"
    )


def test_sms_renderer_shows_a_voucher_by_its_code_and_a_list_numbered():
    payload = {
        "replies": [
            {"type": "voucher", "title": "Your gift", "code": "AB12", "discount": "10% off"},
            {"type": "list", "text": "Menu", "rows": [{"title": "Tea"}, {"title": "Cake"}]},
            {"type": "image", "caption": "Our shop", "url": "https://img.example/1.png"},
        ]
    }
    assert sms_render(payload) == (
        "Your gift: AB12\n10% off\nMenu\n1. Tea\n2. Cake\nOur shop\nhttps://img.example/1.png"
    )


def test_web_renderer_passes_the_replies_through():
    replies = [{"type": "choices", "choices": [{"value": "y", "label": "Yes"}]}]
    assert plugin("web").render({"replies": replies}) == replies
