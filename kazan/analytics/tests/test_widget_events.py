"""The website widget's counters: every new kind goes through the daily counters (and the Redis
buffer when on) like the old ones; hand-offs are counted where conversations hand a thread to a
person; clients may report redirects only, through POST /api/v1/events, for the business their
public id names and no other; the per-day figures through GET /api/v1/analytics/widget."""

import datetime as dt
import json

import pytest
from django.conf import settings as django_settings

from kazan.analytics.enums import CLIENT_EVENT_KINDS, WIDGET_EVENT_KINDS
from kazan.analytics.models import DailyCount, Event, EventKind
from kazan.analytics.queries import business_today, counts_between
from kazan.analytics.services import (
    CLIENT_EVENTS_PER_BUSINESS,
    CLIENT_EVENTS_PER_IP,
    event_count,
    events_buffered_flush,
)
from kazan.conversations.engine import Inbound
from kazan.conversations.services import conversation_receive
from kazan.conversations.tests.factories import flow_bound
from kazan.conversations.tests.test_receive import SHOP  # "2": a person; "1": on to the end
from kazan.tenancy.models import Business, Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", "redis"])
def counting(request, settings):
    """Counted at once in the database, and buffered in Redis when REDIS_URL is set."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("set REDIS_URL to test counting through Redis")
        settings.ANALYTICS_BUFFER = True
        events_buffered_flush()  # nothing left over from another test
    else:
        settings.ANALYTICS_BUFFER = False
    return request.param


def _today_counts(business) -> dict[str, int]:
    today = business_today(business=business)
    return counts_between(business=business, start=today, end=today, kinds=WIDGET_EVENT_KINDS)


def test_every_widget_kind_moves_the_daily_counters(counting, business, other_business):
    for n, kind in enumerate(WIDGET_EVENT_KINDS):
        for _ in range(n + 1):
            event_count(business=business, kind=kind)
    event_count(business=other_business, kind=EventKind.CHAT_STARTED)
    if counting == "redis":
        assert _today_counts(business)[EventKind.CHAT_STARTED] == 0  # still in the buffer
        assert events_buffered_flush() == sum(range(1, len(WIDGET_EVENT_KINDS) + 1)) + 1

    assert _today_counts(business) == {kind: n + 1 for n, kind in enumerate(WIDGET_EVENT_KINDS)}
    assert _today_counts(other_business)[EventKind.CHAT_STARTED] == 1
    assert Event.objects.filter(business=business, kind=EventKind.HANDOFF).count() == 9


# --- hand-offs ----------------------------------------------------------------------------------


def _say(business, text, *, handle, channel):
    return conversation_receive(
        business=business, channel=channel, handle=handle, inbound=Inbound(text=text)
    )


@pytest.mark.parametrize("channel", ["sms", "web"])
def test_a_flows_handoff_step_counts_one_handoff_on_any_channel(
    counting, business, other_business, channel
):
    flow_bound(business, SHOP)
    person, done = (
        ("+4915112345678", "+4915112345679") if channel == "sms" else ("web-0001", "web-0002")
    )
    for text in ["hi", "2", "hello?"]:  # → a person, who then has it: no second count
        _say(business, text, handle=person, channel=channel)
    for text in ["hi", "1", "Anna"]:  # the flow completes: no hand-off
        _say(business, text, handle=done, channel=channel)
    events_buffered_flush()

    assert _today_counts(business)[EventKind.HANDOFF] == 1
    assert _today_counts(other_business)[EventKind.HANDOFF] == 0


def test_too_many_misses_count_a_handoff_too(business):
    from kazan.conversations.models import BotSettings

    flow_bound(business, SHOP)
    BotSettings.objects.create(business=business, misses_before_handoff=2)
    for text in ["hi", "blah", "blah blah"]:
        _say(business, text, handle="+4915112345678", channel="sms")
    assert _today_counts(business)[EventKind.HANDOFF] == 1


def test_a_completed_flow_counts_no_handoff(business):
    flow_bound(business, SHOP)
    for text in ["hi", "1", "Anna"]:
        received = _say(business, text, handle="+4915112345678", channel="sms")
    assert received.conversation.session.end_reason == "completed"
    assert _today_counts(business)[EventKind.HANDOFF] == 0


def test_the_flow_editors_preview_counts_no_handoff(business):
    from kazan.conversations.editor.preview import preview_turn

    saved = preview_turn(business=business, definition=SHOP, saved=None, language="en")
    saved = preview_turn(
        business=business, definition=SHOP, saved=saved, language="en", choice="person"
    )
    assert saved["handed_off"]
    assert _today_counts(business)[EventKind.HANDOFF] == 0


# --- POST /api/v1/events ------------------------------------------------------------------------


def _post(client, business, body, **extra):
    headers = {"HTTP_X_CLIENT_ID": business.client_id} if business is not None else {}
    return client.post(
        "/api/v1/events",
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        **headers,
        **extra,
    )


@pytest.mark.parametrize("kind", [kind.value for kind in CLIENT_EVENT_KINDS])
def test_a_client_reports_a_redirect(counting, client, business, other_business, kind):
    response = _post(client, business, {"kind": kind})
    assert response.status_code == 202, response.content
    assert response.content in (b"", b"null")
    events_buffered_flush()
    assert _today_counts(business)[kind] == 1
    assert sum(_today_counts(other_business).values()) == 0


def test_the_subdomain_names_the_business_too(client, business):
    response = client.post(
        "/api/v1/events",
        '{"kind": "redirect_link"}',
        content_type="application/json",
        HTTP_HOST=f"{business.slug}.{django_settings.BASE_DOMAIN}",
    )
    assert response.status_code == 202, response.content
    assert _today_counts(business)[EventKind.REDIRECT_LINK] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "chat_started"},  # counted by the server, never reported
        {"kind": "faq_clicked"},
        {"kind": "form_submitted"},
        {"kind": "handoff"},
        {"kind": "qr_scan"},
        {"kind": "nonsense"},
        {"kind": 3},
        {},
        [],
        {"kind": "redirect_link", "extra": 1},
    ],
)
def test_kinds_a_client_may_not_report_are_422(client, business, body):
    response = _post(client, business, body)
    if body == {"kind": "redirect_link", "extra": 1}:
        assert response.status_code == 202  # unknown fields are ignored
        return
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert (
        not DailyCount.objects.filter(business=business)
        .exclude(kind=EventKind.REDIRECT_LINK)
        .exists()
    )


def test_without_a_known_client_id_it_is_401(client, business):
    assert _post(client, None, {"kind": "redirect_link"}).status_code == 401
    response = client.post(
        "/api/v1/events",
        '{"kind": "redirect_link"}',
        content_type="application/json",
        HTTP_X_CLIENT_ID="no-such-client",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert not DailyCount.objects.exists()


def test_a_suspended_business_counts_nothing(client, business):
    business.status = Business.Status.SUSPENDED
    business.save()
    response = _post(client, business, {"kind": "redirect_whatsapp"})
    assert response.status_code == 403
    assert response.json()["code"] == "business_unavailable"
    assert not DailyCount.objects.exists()


def test_events_are_rate_limited_per_caller(client, business, other_business, monkeypatch):
    from kazan.analytics.services import client_events

    monkeypatch.setattr(client_events, "CLIENT_EVENTS_PER_IP", (3, 600))
    for _ in range(3):
        assert _post(client, business, {"kind": "redirect_link"}).status_code == 202
    refused = _post(client, business, {"kind": "redirect_link"})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    # The same caller naming another business is the same caller.
    assert _post(client, other_business, {"kind": "redirect_link"}).status_code == 429
    # Another caller still gets through.
    other = _post(client, business, {"kind": "redirect_link"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 202
    assert _today_counts(business)[EventKind.REDIRECT_LINK] == 4


def test_events_are_rate_limited_per_business(client, business, other_business, monkeypatch):
    from kazan.analytics.services import client_events

    monkeypatch.setattr(client_events, "CLIENT_EVENTS_PER_BUSINESS", (2, 3600))
    for n in range(2):
        assert (
            _post(
                client, business, {"kind": "redirect_form"}, REMOTE_ADDR=f"10.0.1.{n}"
            ).status_code
            == 202
        )
    assert (
        _post(client, business, {"kind": "redirect_form"}, REMOTE_ADDR="10.0.1.9").status_code
        == 429
    )
    # Another business's limit is its own.
    assert (
        _post(client, other_business, {"kind": "redirect_form"}, REMOTE_ADDR="10.0.1.9").status_code
        == 202
    )
    assert _today_counts(business)[EventKind.REDIRECT_FORM] == 2


def test_the_limits_are_sane():
    assert CLIENT_EVENTS_PER_IP[0] < CLIENT_EVENTS_PER_BUSINESS[0]


def test_a_member_of_another_business_counts_only_for_the_named_business(
    client, business, other_business
):
    """A signed-in member of A naming B's public id counts for B (the id is all that names the
    business here), never for A; nothing else of B is read or changed."""
    member_of_a = MembershipFactory(business=business, role=Role.OWNER).user
    client.force_login(member_of_a)
    response = _post(client, other_business, {"kind": "redirect_whatsapp"})
    assert response.status_code == 202
    assert _today_counts(other_business)[EventKind.REDIRECT_WHATSAPP] == 1
    assert _today_counts(business)[EventKind.REDIRECT_WHATSAPP] == 0


# --- GET /api/v1/analytics/widget ----------------------------------------------------------------


def test_the_widget_figures_per_day(client, business, other_business, owner):
    today = business_today(business=business)
    DailyCount.objects.create(business=business, kind=EventKind.CHAT_STARTED, day=today, count=5)
    DailyCount.objects.create(
        business=business, kind=EventKind.HANDOFF, day=today - dt.timedelta(days=2), count=2
    )
    DailyCount.objects.create(business=business, kind=EventKind.QR_SCAN, day=today, count=9)
    DailyCount.objects.create(
        business=other_business, kind=EventKind.CHAT_STARTED, day=today, count=50
    )
    key = api_key_create(business=business, name="Reports", actor=owner)
    response = client.get("/api/v1/analytics/widget", HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert len(data["days"]) == 30
    assert data["days"][-1]["day"] == today.isoformat()
    assert data["days"][-1]["chat_started"] == 5 and data["days"][-3]["handoff"] == 2
    assert data["totals"] == {
        **{kind.value: 0 for kind in WIDGET_EVENT_KINDS},
        "chat_started": 5,
        "handoff": 2,
    }
    assert "qr_scan" not in data["days"][0]


def test_the_widget_figures_between_dates(owner_client, business):
    DailyCount.objects.create(
        business=business, kind=EventKind.FAQ_ANSWERED, day=dt.date(2026, 3, 2), count=4
    )
    response = owner_client.get("/api/v1/analytics/widget?from=2026-03-01&to=2026-03-03")
    assert response.status_code == 200, response.content
    days = response.json()["days"]
    assert [d["day"] for d in days] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert [d["faq_answered"] for d in days] == [0, 4, 0]
    only_from = owner_client.get("/api/v1/analytics/widget?from=2026-03-01").json()["days"]
    assert len(only_from) == 30 and only_from[0]["day"] == "2026-03-01"


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-03-05&to=2026-03-01",
        "from=2020-01-01&to=2026-01-01",
        "from=0.5",
        "to=1700000000",
        "from=2026-13-01",
        "from=1899-12-31",
    ],
)
def test_bad_periods_are_422(owner_client, query):
    response = owner_client.get(f"/api/v1/analytics/widget?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"


def test_an_agent_may_not_read_the_figures(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.get("/api/v1/analytics/widget").status_code == 403


def test_the_widget_figures_need_credentials(client):
    assert client.get("/api/v1/analytics/widget").status_code == 401


def test_a_reader_of_a_cannot_read_bs_widget_figures(client, business, other_business, owner):
    """A's key or A's member naming B (X-Client-ID) is refused; A's own figures never
    include B's."""
    today = business_today(business=business)
    DailyCount.objects.create(
        business=other_business, kind=EventKind.CHAT_STARTED, day=today, count=50
    )
    key = api_key_create(business=business, name="Reports", actor=owner)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key.secret}"}
    named_b = {"HTTP_X_CLIENT_ID": other_business.client_id}
    response = client.get("/api/v1/analytics/widget", **auth, **named_b)
    assert response.status_code == 403 and response.json()["code"] == "wrong_business"
    client.force_login(owner)
    assert client.get("/api/v1/analytics/widget", **named_b).status_code in (401, 403)
    own = client.get("/api/v1/analytics/widget").json()
    assert own["totals"]["chat_started"] == 0
