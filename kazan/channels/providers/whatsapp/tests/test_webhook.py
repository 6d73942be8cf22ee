"""/hooks/whatsapp/<hook_key>/: each installation's own callback URL. Meta's GET handshake with
that installation's verify token, and signed POSTs (X-Hub-Signature-256) checked with that
installation's app secret over the raw body before anything is parsed; an unknown or
disconnected key, a missing or wrong signature: 403 with nothing stored; junk never a 5xx."""

import json
from unittest import mock

import pytest
from django.urls import reverse

from kazan.channels.models import InboundEvent
from kazan.channels.providers.whatsapp import webhooks
from kazan.channels.providers.whatsapp.testing import (
    VERIFY_TOKEN,
    sign,
    wa_envelope,
    wa_fixture,
    wa_status,
    wa_text,
    whatsapp_connected,
    whatsapp_hook_path,
    whatsapp_post,
)
from kazan.channels.services import installation_disconnect

pytestmark = pytest.mark.django_db
OTHER_NUMBER = "200000000000001"
OTHER_SECRET = "f" * 32
HANDSHAKE = {
    "hub.mode": "subscribe",
    "hub.verify_token": VERIFY_TOKEN,
    "hub.challenge": "1158201444",
}


@pytest.fixture
def theirs(other_business, wa):
    """Another business's number, with its own Meta app (secret) and verify token."""
    return whatsapp_connected(
        other_business,
        phone_number_id=OTHER_NUMBER,
        app_secret=OTHER_SECRET,
        verify_token="their-verify-token",
    )


def test_each_installation_has_its_own_url(wa, theirs):
    key = wa.config["hook_key"]
    assert len(key) == 24 and key != theirs.config["hook_key"]
    assert whatsapp_hook_path(wa) == reverse("hooks:whatsapp", args=[key])
    assert whatsapp_hook_path(wa) == f"/hooks/whatsapp/{key}/"


def test_the_old_shared_url_is_gone(client, wa):
    assert (
        client.post("/hooks/whatsapp/", b"{}", content_type="application/json").status_code == 404
    )
    assert client.get("/hooks/whatsapp/", HANDSHAKE).status_code == 404


def test_the_handshake_echoes_the_challenge_for_the_installation_s_verify_token(client, wa):
    response = client.get(whatsapp_hook_path(wa), HANDSHAKE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


def test_the_handshake_is_per_installation(client, wa, theirs):
    # Each URL answers its own verify token only.
    assert client.get(whatsapp_hook_path(wa), HANDSHAKE).status_code == 200
    assert client.get(whatsapp_hook_path(theirs), HANDSHAKE).status_code == 403
    params = {**HANDSHAKE, "hub.verify_token": "their-verify-token"}
    assert client.get(whatsapp_hook_path(theirs), params).status_code == 200
    assert client.get(whatsapp_hook_path(wa), params).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong-token", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1" * 201},
        {},
    ],
)
def test_the_handshake_refuses_anything_else(client, wa, params):
    assert client.get(whatsapp_hook_path(wa), params).status_code == 403


@pytest.mark.parametrize(
    "key", ["x" * 24, "unknown-key-0123456789ab", "short", "a" * 65, "bad.key%00", "é" * 24]
)
def test_an_unknown_key_is_refused(client, wa, key):
    url = f"/hooks/whatsapp/{key}/"
    assert client.get(url, HANDSHAKE).status_code == 403
    body = json.dumps(wa_fixture("message_text")).encode()
    headers = {"X-Hub-Signature-256": sign(body)}
    response = client.post(url, body, content_type="application/json", headers=headers)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


class _Unreadable:
    """A request stream that fails the test when anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def _unread_post(rf, path, *, headers=None, length=100):
    request = rf.post(path, b"x" * length, content_type="application/json", headers=headers)
    request._stream = _Unreadable()
    return request


def test_refusals_before_the_signature_do_not_read_the_body(rf, wa):
    view = webhooks.whatsapp_webhook
    signed = {"X-Hub-Signature-256": sign(b"x" * 100)}
    # An unknown key, even correctly signed with this installation's secret.
    request = _unread_post(rf, "/hooks/whatsapp/unknown-key-0123456789ab/", headers=signed)
    assert view(request, hook_key="unknown-key-0123456789ab").status_code == 403
    key = wa.config["hook_key"]
    # The installation's key without a signature.
    assert view(_unread_post(rf, whatsapp_hook_path(wa)), hook_key=key).status_code == 403
    # Over the size cap by its Content-Length.
    request = _unread_post(rf, whatsapp_hook_path(wa), headers=signed)
    request.META["CONTENT_LENGTH"] = str(webhooks.BODY_MAX_BYTES + 1)
    assert view(request, hook_key=key).status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_disconnected_installation_s_key_is_refused(client, business, wa):
    path = whatsapp_hook_path(wa)
    installation_disconnect(business=business, actor=None, installation=wa)
    assert client.get(path, HANDSHAKE).status_code == 403
    response = whatsapp_post(client, wa_fixture("message_text"), installation=wa)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_reconnecting_gives_a_new_url_and_the_old_one_is_refused(client, business, wa):
    again = whatsapp_connected(business)
    assert again.config["hook_key"] != wa.config["hook_key"]
    assert whatsapp_post(client, wa_fixture("message_text"), installation=wa).status_code == 403
    assert whatsapp_post(client, wa_fixture("message_text"), installation=again).status_code == 200
    assert InboundEvent.objects.get().installation_id == again.pk


def test_a_signed_post_is_stored(client, wa):
    response = whatsapp_post(client, wa_fixture("message_text"))
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.provider, event.channel, event.installation_id) == ("whatsapp", "whatsapp", wa.pk)


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", "sha256=", "nonsense", "sha256=é" + "0" * 63],
    ids=["missing", "wrong", "other-algorithm", "empty", "malformed", "not-ascii"],
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


def test_a_bad_signature_is_refused_before_the_body_is_parsed(client, wa):
    """Not JSON and wrongly signed: 403 (not the 400 of unparsable JSON), and json.loads is
    never called."""
    body = b"not json"
    with mock.patch.object(webhooks.json, "loads", wraps=json.loads) as loads:
        for signature in ("", "sha256=" + "0" * 64, sign(body, OTHER_SECRET)):
            response = whatsapp_post(client, body, signature=signature, installation=wa)
            assert response.status_code == 403
        assert body not in [call.args[0] for call in loads.call_args_list if call.args]
        # The same body correctly signed does reach json.loads (so the check above can fail).
        assert whatsapp_post(client, body, installation=wa).status_code == 400
        assert body in [call.args[0] for call in loads.call_args_list if call.args]
    assert not InboundEvent.objects.exists()


def test_a_correctly_signed_body_that_is_not_json_is_a_400(client, wa):
    response = whatsapp_post(client, b"not json", installation=wa)
    assert response.status_code == 400
    assert response.json()["code"] == "unreadable_body"
    assert not InboundEvent.objects.exists()


def test_another_installation_s_secret_does_not_sign_for_this_one(
    client, other_business, wa, theirs
):
    # This installation's URL and number, signed with the other business's app secret.
    response = whatsapp_post(client, wa_text("hello"), app_secret=OTHER_SECRET, installation=wa)
    assert response.status_code == 403
    # Naming the other business's number does not help either.
    payload = wa_text("hello", phone_number_id=OTHER_NUMBER)
    response = whatsapp_post(client, payload, app_secret=OTHER_SECRET, installation=wa)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()
    # Its own URL with its own secret is fine.
    assert whatsapp_post(client, payload, app_secret=OTHER_SECRET).status_code == 200
    event = InboundEvent.objects.get()
    assert (event.business, event.installation_id) == (other_business, theirs.pk)


def test_changes_for_another_number_are_skipped(client, business, wa, theirs, caplog):
    payload = wa_text("mine")
    payload["entry"] += wa_text("theirs", phone_number_id=OTHER_NUMBER)["entry"]
    payload["entry"] += wa_status("wamid.x", "read", phone_number_id=OTHER_NUMBER)["entry"]
    with caplog.at_level("WARNING", logger="kazan.hooks.whatsapp"):
        response = whatsapp_post(client, payload, installation=wa)
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.business, event.installation_id) == (business, wa.pk)
    assert "another number" in caplog.text
    assert OTHER_NUMBER not in caplog.text
    # Signed with the other app's secret the same body is refused at this URL.
    assert (
        whatsapp_post(client, payload, app_secret=OTHER_SECRET, installation=wa).status_code == 403
    )


def test_a_change_naming_no_number_is_skipped(client, wa):
    payload = wa_text("hello")
    del payload["entry"][0]["changes"][0]["value"]["metadata"]
    assert whatsapp_post(client, payload, installation=wa).status_code == 200
    assert not InboundEvent.objects.exists()


def test_an_oversized_body_is_refused(client, wa, monkeypatch):
    monkeypatch.setattr(webhooks, "BODY_MAX_BYTES", 100)
    payload = wa_text("hello " + "x" * 200)
    assert whatsapp_post(client, payload, installation=wa).status_code == 403
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
    """Unsigned or wrongly signed: 403. Correctly signed: 400 when it is not JSON, else 200
    with nothing stored."""
    for signature in ("", "sha256=" + "a" * 64):
        assert whatsapp_post(client, body, signature=signature, installation=wa).status_code == 403
    response = whatsapp_post(client, body, installation=wa)
    try:
        json.loads(body)
    except ValueError:
        assert response.status_code == 400
    else:
        assert response.status_code == 200
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
    assert client.put(whatsapp_hook_path(wa)).status_code == 405
