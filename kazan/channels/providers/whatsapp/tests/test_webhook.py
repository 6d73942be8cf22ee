"""/hooks/whatsapp/: Meta's GET handshake and the signed POSTs (X-Hub-Signature-256), refused
with 403 before anything is stored when the number is unknown or the signature is missing or
wrong; junk never gets a 5xx."""

import json

import pytest
from django.urls import reverse

from kazan.channels.models import InboundEvent
from kazan.channels.providers.whatsapp.testing import (
    APP_SECRET,
    VERIFY_TOKEN,
    sign,
    wa_envelope,
    wa_fixture,
    wa_status,
    wa_text,
    whatsapp_connected,
    whatsapp_post,
)
from kazan.channels.services import installation_disconnect

pytestmark = pytest.mark.django_db
URL = "/hooks/whatsapp/"


def test_the_url_is_one_for_every_business():
    assert reverse("hooks:whatsapp") == URL


def test_the_handshake_echoes_the_challenge_for_a_known_verify_token(client, wa):
    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong-token", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {},
    ],
)
def test_the_handshake_refuses_anything_else(client, wa, params):
    assert client.get(URL, params).status_code == 403


def test_the_handshake_refuses_the_token_of_a_disconnected_number(client, business, wa):
    installation_disconnect(business=business, actor=None, installation=wa)
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}
    assert client.get(URL, params).status_code == 403


def test_a_signed_post_is_stored(client, wa):
    response = whatsapp_post(client, wa_fixture("message_text"))
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.provider, event.channel, event.installation_id) == ("whatsapp", "whatsapp", wa.pk)


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", "sha256=", "nonsense"],
    ids=["missing", "wrong", "other-algorithm", "empty", "malformed"],
)
def test_a_missing_or_wrong_signature_is_refused_before_anything_is_stored(client, wa, signature):
    response = whatsapp_post(client, wa_fixture("message_text"), signature=signature)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_the_body_must_be_the_signed_one(client, wa):
    body = json.dumps(wa_fixture("message_text")).encode()
    tampered = body.replace(b"another color", b"another price")
    response = whatsapp_post(client, tampered, signature=sign(body))
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_another_business_s_secret_does_not_sign_for_this_number(
    client, business, other_business, fake_graph, wa
):
    whatsapp_connected(
        other_business, phone_number_id="200000000000001", app_secret="f" * 32, verify_token="x" * 8
    )
    # Signed with the other business's secret, but naming this business's number.
    response = whatsapp_post(client, wa_text("hello"), app_secret="f" * 32)
    assert response.status_code == 403
    # Its own number with its own secret is fine.
    response = whatsapp_post(
        client, wa_text("hello", phone_number_id="200000000000001"), app_secret="f" * 32
    )
    assert response.status_code == 200
    assert InboundEvent.objects.get().business == other_business


def test_a_body_naming_two_numbers_needs_both_secrets(client, other_business, wa):
    whatsapp_connected(
        other_business, phone_number_id="200000000000001", app_secret="f" * 32, verify_token="x" * 8
    )
    payload = wa_text("one")
    payload["entry"] += wa_text("two", phone_number_id="200000000000001")["entry"]
    assert whatsapp_post(client, payload, app_secret=APP_SECRET).status_code == 403
    assert whatsapp_post(client, payload, app_secret="f" * 32).status_code == 403
    assert not InboundEvent.objects.exists()


def test_an_unknown_or_disconnected_number_is_refused(client, business, wa):
    assert whatsapp_post(client, wa_text("hi", phone_number_id="999999999")).status_code == 403
    installation_disconnect(business=business, actor=None, installation=wa)
    assert whatsapp_post(client, wa_fixture("message_text")).status_code == 403
    assert not InboundEvent.objects.exists()


def test_several_messages_and_statuses_in_one_post(client, wa):
    payload = wa_envelope(
        messages=[
            wa_text("one")["entry"][0]["changes"][0]["value"]["messages"][0],
            wa_text("two")["entry"][0]["changes"][0]["value"]["messages"][0],
        ],
        statuses=wa_status("wamid.unknown", "delivered")["entry"][0]["changes"][0]["value"][
            "statuses"
        ],
    )
    assert whatsapp_post(client, payload).status_code == 200
    assert InboundEvent.objects.count() == 2


def test_a_replayed_wamid_is_stored_once(client, wa):
    payload = wa_fixture("message_text")
    assert whatsapp_post(client, payload).status_code == 200
    assert whatsapp_post(client, payload).status_code == 200
    assert InboundEvent.objects.count() == 1


JUNK = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b'"string"',
    b"{}",
    b'{"entry": 5}',
    b'{"entry": [{"changes": "x"}]}',
    b'{"entry": [{"changes": [{"value": {"metadata": {"phone_number_id": ["x"]}}}]}]}',
    b'{"entry": [{"changes": [{"value": {"metadata": {"phone_number_id": "../../etc"}}}]}]}',
    b"\xff\xfe\x00garbage",
    b'{"entry": [{"changes": [{"value": null}]}]}',
]


@pytest.mark.parametrize("body", JUNK)
def test_junk_never_gets_a_5xx(client, wa, body):
    for signature in ("", sign(body), "sha256=" + "a" * 64):
        response = whatsapp_post(client, body, signature=signature)
        assert response.status_code < 500
        assert response.status_code in (200, 403)
    assert not InboundEvent.objects.exists()


def test_signed_junk_inside_a_valid_envelope_is_answered_200_and_skipped(client, wa):
    payload = wa_envelope(
        messages=[
            {"id": "x"},
            {"from": "not-a-number", "id": "wamid.1", "type": "text", "text": {"body": "x"}},
            {"from": "16505551234", "id": "wamid.2", "type": "interactive", "interactive": 5},
            {"from": "16505551234", "id": "wamid.3", "type": "image", "image": {}},
            "string",
        ],
        statuses=[{"id": "wamid.x", "status": "exploded"}, 7],
    )
    payload["entry"][0]["changes"][0]["value"]["contacts"] = [{"profile": 5}, "x"]
    assert whatsapp_post(client, payload).status_code == 200
    assert not InboundEvent.objects.exists()


def test_other_methods_are_not_allowed(client, wa):
    assert client.put(URL).status_code == 405
