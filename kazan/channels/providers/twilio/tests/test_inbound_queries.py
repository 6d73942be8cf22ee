"""The inbound webhook's hot path, guarded by query counts (no timings): one statement stores the
event and queues its processing once the number's routing is cached, two the first time; a
retry of the same MessageSid stores and processes nothing more; the routing cache follows
connecting and disconnecting at once."""

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from kazan.channels.models import InboundEvent
from kazan.channels.providers.twilio.tests.signing import (
    PLATFORM_TOKEN,
    twilio_post,
    twilio_text,
)
from kazan.channels.services import installation_connect, installation_disconnect
from kazan.channels.tests.factories import connect_fields
from kazan.messaging.testing import tasks_run_all

pytestmark = [pytest.mark.usefixtures("inbound_settings"), pytest.mark.django_db]

BUSINESS_TOKEN = connect_fields()["auth_token"]
TASK = "kazan.channels.tasks.inbound_process"


def sid(n: int) -> str:
    return f"SM{n:032x}"


def post(client, n: int, *, token: str = BUSINESS_TOKEN):
    return twilio_post(
        client, "hooks:twilio_inbound", twilio_text("Hi", MessageSid=sid(n)), token=token
    )


def queued(event: InboundEvent) -> int:
    return DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args__0=event.pk).count()


@pytest.mark.postgres
def test_one_inbound_sms_is_one_statement_with_a_warm_routing_cache(client, installed):
    with CaptureQueriesContext(connection) as cold:
        assert post(client, 1).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert post(client, 2).status_code == 200
    # Cold: the routing look-up, then the insert; warm: the insert alone (event + task).
    assert len(cold) <= 2, [q["sql"] for q in cold.captured_queries]
    assert len(warm) == 1, [q["sql"] for q in warm.captured_queries]
    for n in (1, 2):
        event = InboundEvent.objects.get(provider_message_id=sid(n))
        assert (event.installation, event.business_id) == (installed, installed.business_id)
        assert queued(event) == 1


def test_the_same_message_sid_twice_is_one_event_and_one_processing(client, business, installed):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert post(client, 7).status_code == 200
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        CaptureQueriesContext(connection) as retry,
    ):
        assert post(client, 7).status_code == 200
    assert len(retry) <= 2  # the insert that does nothing, then the stored event
    event = InboundEvent.objects.get(provider_message_id=sid(7))
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
    assert tasks_run_all() >= 1
    event.refresh_from_db()
    assert (event.status, event.outcome) == ("processed", "conversation")
    from kazan.conversations.models import Conversation

    [conversation] = Conversation.objects.filter(business=business)
    assert conversation.messages.filter(direction="in").count() == 1


def test_the_routing_cache_follows_connecting_and_disconnecting(client, business, owner):
    # Not connected yet: the platform's token verifies (and "no installation" is cached).
    assert post(client, 1, token=PLATFORM_TOKEN).status_code == 200
    assert post(client, 2, token=BUSINESS_TOKEN).status_code == 403
    installation = installation_connect(
        business=business, actor=owner, provider="twilio", fields=connect_fields()
    )
    assert post(client, 3, token=BUSINESS_TOKEN).status_code == 200
    assert InboundEvent.objects.get(provider_message_id=sid(3)).installation == installation
    installation_disconnect(business=business, actor=owner, installation=installation)
    assert post(client, 4, token=BUSINESS_TOKEN).status_code == 403
    assert post(client, 5, token=PLATFORM_TOKEN).status_code == 200
    assert InboundEvent.objects.get(provider_message_id=sid(5)).installation is None


def test_a_stale_cached_miss_in_another_process_does_not_refuse_the_new_number(
    client, business, installed
):
    """Another web process cached "no installation" before the number was connected: the
    business's signature fails against the platform's token, is checked against the table and
    the message is stored for the installation."""
    from kazan.channels import queries

    key = queries._address_key("twilio", installed.address_index)
    queries._local[key] = (float("inf"), queries._NONE)
    assert post(client, 9).status_code == 200
    assert InboundEvent.objects.get(provider_message_id=sid(9)).installation == installed
    assert post(client, 10, token="someone-elses-token").status_code == 403


def test_unknown_numbers_posted_by_anyone_do_not_grow_the_process_cache_without_bound(
    monkeypatch,
):
    from kazan.channels import queries

    monkeypatch.setattr(queries, "LOCAL_MAX", 50)
    queries.installation_address_cache_clear()
    for n in range(200):
        found = queries.unscoped_installation_for_address(
            provider="twilio", address=f"+4930{n:08d}"
        )
        assert found is None
        assert len(queries._local) <= 50
