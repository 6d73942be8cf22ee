"""The inbox's event stream, read straight from its generator (the view only wraps it)."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from kazan.conversations.live import conversation_changed
from kazan.conversations.models import Conversation
from kazan.core import sse
from kazan.inbox import stream
from kazan.inbox.tests.factories import thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.INBOX_STREAM_SECONDS = 4


def _touch(conversation) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())


@pytest.mark.skipif(bool(django_settings.REDIS_URL), reason="the polling path runs without Redis")
def test_polling_sends_a_change_of_the_business_threads_only(business, other_business):
    mine, theirs = thread(business), thread(other_business)
    events = stream.inbox_events(business_id=business.pk)
    try:
        assert next(events) == "retry: 2000\n\n"
        assert "event: ready" in next(events)
        _touch(theirs)
        _touch(mine)
        change = next(events)
        assert "event: change\n" in change
        assert f'data: {{"conversation": {mine.pk}}}' in change
        assert "id: " in change
    finally:
        events.close()


@pytest.mark.skipif(bool(django_settings.REDIS_URL), reason="the polling path runs without Redis")
def test_a_reconnect_gets_what_changed_since_its_last_event(business):
    conversation = thread(business)
    last_seen = timezone.now() - timedelta(seconds=30)
    _touch(conversation)
    events = stream.inbox_events(business_id=business.pk, last_event_id=last_seen.isoformat())
    try:
        chunks = [next(events) for _n in range(3)]
        assert f'"conversation": {conversation.pk}' in chunks[2]
    finally:
        events.close()


def test_a_nonsense_last_event_id_starts_from_now():
    now = timezone.now()
    assert sse.cursor("yesterday", now) == now
    assert sse.cursor((now + timedelta(hours=1)).isoformat(), now) == now
    long_ago = (now - timedelta(days=1)).isoformat()
    assert sse.cursor(long_ago, now) == now - timedelta(seconds=sse.CATCH_UP_SECONDS)


def test_beyond_the_streams_a_process_holds_the_browser_is_told_to_come_back(business):
    running = [stream.inbox_events(business_id=business.pk) for _n in range(4)]
    try:
        for events in running:
            next(events)
        extra = stream.inbox_events(business_id=business.pk)
        assert list(extra) == [f"retry: {sse.BUSY_RETRY_MS}\n\n"]
    finally:
        for events in running:
            events.close()
    # the slots are free again
    again = stream.inbox_events(business_id=business.pk)
    assert next(again) == "retry: 2000\n\n"
    again.close()


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL (the PG+Redis run)")
def test_redis_delivers_a_change_published_on_commit(business, django_capture_on_commit_callbacks):
    conversation = thread(business)
    events = stream.inbox_events(business_id=business.pk)
    try:
        assert next(events) == "retry: 2000\n\n"
        assert "event: ready" in next(events)  # subscribed
        with django_capture_on_commit_callbacks(execute=True):
            conversation_changed(
                business_id=business.pk, conversation_id=conversation.pk, kind="assignment"
            )
        change = next(events)
        assert "event: change\n" in change
        assert f'"conversation": {conversation.pk}' in change
        assert '"kind": "assignment"' in change
    finally:
        events.close()


def test_an_unknown_kind_of_change_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown conversation change"):
        conversation_changed(business_id=1, conversation_id=1, kind="weather")


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL (the PG+Redis run)")
def test_with_redis_an_unannounced_change_comes_from_the_database_once(
    business, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.INBOX_STREAM_SECONDS = 6
    monkeypatch.setattr(sse, "SWEEP_SECONDS", 1)
    announced, silent = thread(business), thread(business)
    events = stream.inbox_events(business_id=business.pk)
    try:
        next(events), next(events)  # retry, ready
        _touch(announced)
        with django_capture_on_commit_callbacks(execute=True):
            conversation_changed(
                business_id=business.pk, conversation_id=announced.pk, kind="message"
            )
        _touch(silent)  # a writer that did not announce its change
        received = [chunk for chunk in events if chunk.startswith("id: ")]
    finally:
        events.close()
    # the announced change once (over Redis), the silent one once (from the sweep)
    assert sum(f'"conversation": {announced.pk}' in chunk for chunk in received) == 1
    assert sum(f'"conversation": {silent.pk}' in chunk for chunk in received) == 1


def test_when_redis_is_away_the_stream_polls_the_database(business):
    import redis

    unreachable = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    conversation = thread(business)
    events = sse.from_redis(stream.inbox_source(business.pk, client=unreachable), timezone.now())
    try:
        assert "event: ready" in next(events)
        _touch(conversation)
        assert f'"conversation": {conversation.pk}' in next(events)
    finally:
        events.close()
