"""Sending on Telegram: every reply type as the Bot API calls the fake received, within
Telegram's limits (4096-character texts split on line/word boundaries, callback_data ≤ 64
bytes), step-by-step menus edited in place, documents uploaded, flood control per bot and per
chat (counted, not timed), a 429's retry_after honoured and a blocked bot a permanent failure."""

from datetime import timedelta

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from kazan.channels.providers.telegram.botapi import BotApi, error_classify
from kazan.channels.providers.telegram.process import _edits
from kazan.channels.providers.telegram.render import (
    callback_data,
    telegram_calls,
    text_split,
)
from kazan.channels.providers.telegram.sender import flood_wait
from kazan.channels.providers.telegram.testing import USER_ID
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.outbox import outbox_deliver_message
from kazan.messaging.services import message_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.transports import PermanentProviderError, TransientProviderError

pytestmark = pytest.mark.django_db
HANDLE = str(USER_ID)


def send(business, *replies, key=None, run=True):
    message = message_send(
        business=business,
        channel="telegram",
        to=HANDLE,
        payload={"replies": list(replies)},
        purpose="transactional",
        idempotency_key=key,
    )
    if run:
        tasks_run_all()
        message.refresh_from_db()
    return message


def test_a_long_text_is_split_on_line_and_word_boundaries(business, bot, fake_bot_api):
    # Given a text of 9,000 characters in lines of words
    line = ("word " * 19 + "end") + "\n"
    text = line * (9000 // len(line) + 1)
    message = send(business, {"type": "text", "text": text})
    # Then it went out as several messages of at most 4096 characters, cut at line ends
    sent = [m["text"] for m in fake_bot_api.called("sendMessage")]
    assert message.status == Status.SENT
    assert len(sent) == 3 and all(len(piece) <= 4096 for piece in sent)
    assert all(piece.endswith("end") for piece in sent)
    assert "".join(sent).replace("\n", "") == text.replace("\n", "")


def test_text_split_falls_back_to_spaces_then_hard_cuts():
    assert text_split("aaaa bbbb cccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert text_split("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]
    assert text_split("  ") == []


def test_text_split_counts_utf16_units_as_telegram_does():
    # An emoji outside the BMP is two UTF-16 units: 4,096 units hold 2,048 of them
    text = "😀" * 5000
    pieces = text_split(text)
    assert [len(piece.encode("utf-16-le")) // 2 for piece in pieces] == [4096, 4096, 1808]
    assert "".join(pieces) == text
    assert text_split("ab😀cd", limit=3) == ["ab", "😀c", "d"]


def test_choices_are_an_inline_keyboard_and_long_values_fit_64_bytes(business, bot, fake_bot_api):
    long_value = "package:" + "ü" * 40  # 88 bytes
    send(
        business,
        {"type": "text", "text": "Pick one"},
        {
            "type": "choices",
            "choices": [
                {"value": "basic", "label": "Basic"},
                {"value": long_value, "label": "Deluxe"},
            ],
        },
    )
    (call,) = fake_bot_api.called("sendMessage")
    assert call["text"] == "Pick one"  # the text became the keyboard's text
    keyboard = call["reply_markup"]["inline_keyboard"]
    assert keyboard[0] == [{"text": "Basic", "callback_data": "basic"}]
    data = keyboard[1][0]["callback_data"]
    assert data == callback_data(long_value) and len(data.encode()) <= 64
    from kazan.channels.providers.telegram.process import _choice

    assert _choice(data) == long_value  # the sender kept the digest's value


def test_a_value_that_looks_like_a_digest_is_never_sent_raw():
    assert callback_data("#abc").startswith("#") and callback_data("#abc") != "#abc"


def test_links_are_url_buttons_and_images_photos(business, bot, fake_bot_api):
    send(
        business,
        {
            "type": "links",
            "text": "Pay here",
            "links": [{"label": "Pay", "url": "https://p.example/x"}],
        },
        {"type": "image", "url": "https://shop.example/box.jpg", "caption": "The box"},
    )
    (link,) = fake_bot_api.called("sendMessage")
    assert link["reply_markup"]["inline_keyboard"] == [
        [{"text": "Pay", "url": "https://p.example/x"}]
    ]
    assert fake_bot_api.called("sendPhoto") == [
        {"chat_id": HANDLE, "photo": "https://shop.example/box.jpg", "caption": "The box"}
    ]


def test_a_document_is_uploaded_from_private_storage(business, bot, fake_bot_api):
    path = default_storage.save("private/exports/orders.csv", ContentFile(b"id,total\n1,50\n"))
    message = send(
        business,
        {"type": "document", "storage_path": path, "filename": "orders.csv", "caption": "Export"},
    )
    assert message.status == Status.SENT
    (call,) = fake_bot_api.called("sendDocument")
    assert call["caption"] == "Export" and call["chat_id"] == HANDLE
    assert fake_bot_api.uploads == [("orders.csv", b"id,total\n1,50\n")]
    assert message.body == "Export"  # other channels show the caption


def test_a_document_outside_private_storage_is_refused(business, bot, fake_bot_api):
    message = send(business, {"type": "document", "storage_path": "../etc/passwd", "caption": "x"})
    assert (message.status, message.error_code) == (Status.FAILED, "no_file")
    assert not fake_bot_api.uploads


def test_an_edit_reply_after_a_button_edits_the_pressed_menu():
    replies = [
        {
            "type": "choices",
            "text": "Step 2",
            "edit": True,
            "choices": [{"value": "a", "label": "A"}],
        }
    ]
    raw = {"kind": "callback", "message_id": 77}
    calls = telegram_calls({"replies": _edits(replies, raw)})
    assert calls[0]["method"] == "editMessageText" and calls[0]["message_id"] == 77
    # A typed message (no pressed menu) sends a new message instead
    calls = telegram_calls({"replies": _edits(replies, {"kind": "text"})})
    assert calls[0]["method"] == "sendMessage" and "message_id" not in calls[0]


def test_an_edit_of_buttons_that_took_in_the_text_before_them_edits_the_menu():
    calls = telegram_calls(
        {
            "replies": [
                {"type": "text", "text": "Pick one"},
                {
                    "type": "choices",
                    "edit": True,
                    "edit_message_id": 55,
                    "choices": [{"value": "a", "label": "A"}],
                },
            ]
        }
    )
    assert len(calls) == 1
    assert calls[0]["method"] == "editMessageText" and calls[0]["message_id"] == 55
    assert calls[0]["text"] == "Pick one" and "reply_markup" in calls[0]


def test_the_edit_goes_out_as_edit_message_text(business, bot, fake_bot_api):
    send(business, {"type": "text", "text": "Step 3", "edit": True, "edit_message_id": 77})
    assert fake_bot_api.called("editMessageText") == [
        {"chat_id": HANDLE, "text": "Step 3", "message_id": 77}
    ]


@pytest.mark.parametrize(
    "description",
    ["Bad Request: message can't be edited", "Bad Request: message to edit not found"],
)
def test_an_edit_telegram_refuses_for_good_is_sent_as_a_new_message(
    business, bot, fake_bot_api, description
):
    fake_bot_api.fail_next(400, description=description)
    message = send(
        business, {"type": "text", "text": "Step 3", "edit": True, "edit_message_id": 77}
    )
    assert message.status == Status.SENT
    assert fake_bot_api.called("sendMessage") == [{"chat_id": HANDLE, "text": "Step 3"}]


def test_an_edit_that_changes_nothing_is_sent(business, bot, fake_bot_api):
    fake_bot_api.fail_next(400, description="Bad Request: message is not modified")
    message = send(
        business, {"type": "text", "text": "Step 3", "edit": True, "edit_message_id": 77}
    )
    assert message.status == Status.SENT
    assert not fake_bot_api.called("sendMessage")


# --- errors, retries and flood control ---------------------------------------------------------


def test_a_429_retry_after_is_honoured(business, bot, fake_bot_api):
    # Given Telegram answers "Too Many Requests, retry after 35"
    fake_bot_api.fail_next(429, retry_after=35)
    before = timezone.now()
    message = send(business, {"type": "text", "text": "Hello"})
    # Then the message waits in the queue until then, not for the outbox's own backoff
    assert (message.status, message.error_code) == (Status.QUEUED, "429")
    wait = (message.next_attempt_at - before).total_seconds()
    assert 35 <= wait < 37
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_deliver_message(message_id=message.pk) == "sent"


def test_a_user_who_blocked_the_bot_fails_with_code_blocked(business, bot, fake_bot_api):
    fake_bot_api.block(HANDLE)
    message = send(business, {"type": "text", "text": "Hello"})
    assert (message.status, message.error_code) == (Status.FAILED, "blocked")


def test_error_classification():
    flood = error_classify(
        status=429,
        body={
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )
    assert isinstance(flood, TransientProviderError) and flood.retry_after == 7
    blocked = error_classify(
        status=403,
        body={"ok": False, "error_code": 403, "description": "Forbidden: user is deactivated"},
    )
    assert isinstance(blocked, PermanentProviderError) and blocked.code == "blocked"
    assert isinstance(error_classify(status=400, body=None), PermanentProviderError)
    assert isinstance(error_classify(status=502, body=None), TransientProviderError)


def test_a_retry_resends_only_the_parts_telegram_has_not_accepted(
    business, bot, fake_bot_api, settings
):
    settings.TELEGRAM_CHAT_MESSAGES_PER_SECOND = 0  # flood control has its own tests
    message = send(
        business,
        {"type": "text", "text": "one"},
        {"type": "image", "url": "https://shop.example/box.jpg"},
        run=False,
    )
    fake_bot_api.fail_next(500)  # the first call fails: nothing accepted
    assert outbox_deliver_message(message_id=message.pk) == "retry"
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_deliver_message(message_id=message.pk) == "sent"
    message.refresh_from_db()
    # The photo fails once after the text was accepted: the retry sends only the photo
    second = send(
        business,
        {"type": "text", "text": "two"},
        {"type": "image", "url": "https://shop.example/box.jpg"},
        run=False,
    )
    original = fake_bot_api.handle

    def photo_fails_once(path, content_type, body):
        if path.endswith("/sendPhoto") and not getattr(photo_fails_once, "done", False):
            photo_fails_once.done = True  # type: ignore[attr-defined]
            fake_bot_api.fail_next(500)
        return original(path, content_type, body)

    fake_bot_api.handle = photo_fails_once
    assert outbox_deliver_message(message_id=second.pk) == "retry"
    OutboundMessage.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now())
    assert outbox_deliver_message(message_id=second.pk) == "sent"
    # (the fake records refused calls too: "one" was refused once, then accepted)
    texts = [m["text"] for m in fake_bot_api.called("sendMessage")]
    assert texts == ["one", "one", "two"]  # "two" was not sent again
    assert len(fake_bot_api.called("sendPhoto")) == 3  # the first's, the refused, its retry


def test_flood_control_counts_per_bot_and_per_chat(settings):
    # Given Telegram's limits: 30 per second per bot, 1 per second per chat (over 3 s windows)
    settings.TELEGRAM_MESSAGES_PER_SECOND = 30
    settings.TELEGRAM_CHAT_MESSAGES_PER_SECOND = 1
    settings.TELEGRAM_CHAT_WINDOW_SECONDS = 3
    # Then one chat gets 3 messages in its window, the 4th waits
    for _ in range(3):
        flood_wait(bot_id="1", chat_id="42", max_wait=0)
    with pytest.raises(TransientProviderError) as limited:
        flood_wait(bot_id="1", chat_id="42", max_wait=0)
    assert limited.value.code == "throughput"
    assert limited.value.retry_after == 1.0
    # And the bot as a whole: 30 sends in a second across chats, the 31st waits
    for chat in range(100, 126):  # 4 slots were taken above (the 4th counted on the bot too)
        flood_wait(bot_id="1", chat_id=str(chat), max_wait=0)
    with pytest.raises(TransientProviderError):
        flood_wait(bot_id="1", chat_id="999", max_wait=0)
    # Another bot has its own budget
    flood_wait(bot_id="2", chat_id="42", max_wait=0)


def test_a_message_over_the_flood_limit_goes_back_to_the_queue(
    business, bot, settings, fake_bot_api
):
    settings.TELEGRAM_THROUGHPUT_WAIT_SECONDS = 0
    settings.TELEGRAM_CHAT_WINDOW_SECONDS = 1
    message = send(
        business,
        {"type": "text", "text": "one"},
        {"type": "image", "url": "https://x.example/a.jpg"},
    )
    assert (message.status, message.error_code) == (Status.QUEUED, "throughput")
    assert len(fake_bot_api.sent) == 1  # the photo waits for the retry
    assert message.next_attempt_at > timezone.now() - timedelta(seconds=1)


def test_an_unreachable_telegram_never_shows_the_bot_token(monkeypatch):
    token = "123456:SECRET-token-value"

    def unreachable(url, **kwargs):
        raise requests.ConnectionError(f"Max retries exceeded with url: {url}")

    monkeypatch.setattr(requests, "post", unreachable)
    monkeypatch.setattr(requests, "get", unreachable)
    api = BotApi(token)
    for attempt in (lambda: api.call("getMe"), lambda: _file_fetch(api)):
        with pytest.raises(TransientProviderError) as failed:
            attempt()
        error: BaseException | None = failed.value
        assert failed.value.__cause__ is None and failed.value.__suppress_context__
        while error is not None:  # the whole chain as a traceback would print it
            assert token not in str(error) and "SECRET" not in repr(error)
            error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def _file_fetch(api):
    api.call = lambda *args, **kwargs: {"file_path": "documents/a.pdf", "file_size": 10}
    return api.file_fetch("f1", max_bytes=100)
