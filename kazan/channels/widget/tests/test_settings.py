"""The widget's settings: validated and normalised by the service, the widget flow seeded and
bound to the widget channel when it is first switched on, and the client id rotated."""

import pytest

from kazan.activity.models import Activity
from kazan.channels.models import WidgetSettings
from kazan.channels.widget.rules import hours_open, language_pick, origin_normalize
from kazan.channels.widget.services import widget_settings_update
from kazan.channels.widget.tests.factories import HOST, start, widget_on
from kazan.conversations.flowstore import binding_for_channel
from kazan.core.errors import ValidationFailed
from kazan.tenancy.services import client_id_rotate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Example.com", "https://www.example.com"),
        ("https://www.example.com/", "https://www.example.com"),
        ("https://www.example.com:443", "https://www.example.com"),
        ("http://localhost:8001", "http://localhost:8001"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://example.com/shop", None),
        ("https://example.com?x=1", None),
        ("https://user:pw@example.com", None),
        ("https://*.example.com", None),
        ("ftp://example.com", None),
        ("example.com", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_origins_are_normalised_or_refused(raw, expected):
    assert origin_normalize(raw) == expected


def test_the_service_normalises_and_deduplicates_origins(business):
    widget = widget_settings_update(
        business=business,
        actor=None,
        allowed_origins=[
            "https://Shop.example",
            "https://shop.example:443/",
            "http://localhost:8001",
        ],
    )
    assert widget.allowed_origins == ["https://shop.example", "http://localhost:8001"]


@pytest.mark.parametrize(
    "fields",
    [
        {"allowed_origins": ["https://example.com/path"]},
        {"allowed_origins": "https://example.com"},
        {"greetings": {"xx": "Hi"}},
        {"greetings": {"en": "x" * 301}},
        {"opening_hours": {"7": [["09:00", "17:00"]]}},
        {"opening_hours": {"0": [["9am", "5pm"]]}},
        {"opening_hours": {"0": [["17:00", "09:00"]]}},
        {"opening_hours": {"0": [["09:00", "10:00"]] * 5}},
        {"whatsapp_number": "12345"},
        {"color": "red"},
        {"position": "top-left"},
        {"languages": ["en", "fr"]},
        {"proactive_delay": -1},
        {"proactive_delay": 601},
        {"client_id": "pk_mine"},
    ],
)
def test_invalid_settings_are_refused_with_a_clear_error(business, fields):
    with pytest.raises(ValidationFailed) as raised:
        widget_settings_update(business=business, actor=None, **fields)
    assert str(raised.value.message)
    assert not WidgetSettings.objects.filter(business=business, enabled=True).exists()


def test_valid_settings_are_stored_clean_and_the_change_recorded(business):
    widget = widget_settings_update(
        business=business,
        actor=None,
        greetings={"de": "  Servus!  ", "en": ""},
        opening_hours={"0": [["14:00", "18:00"], ["09:00", "12:00"]], "6": [["10:00", "00:00"]]},
        whatsapp_number="+49 151 12345678",
        languages=["de", "en"],
    )
    assert widget.greetings == {"de": "Servus!"}
    assert widget.opening_hours["0"] == [["09:00", "12:00"], ["14:00", "18:00"]]
    assert widget.whatsapp_number == "+4915112345678"
    assert widget.languages == ["en", "de"]
    entry = Activity.objects.get(business=business, action="widget.updated")
    assert "whatsapp_number" in entry.data["fields"]
    assert "+49" not in str(entry.data)


def test_switching_on_seeds_the_widget_flow_once(business):
    widget_on(business, whatsapp_number="+4915112345678")
    binding = binding_for_channel(business=business, channel="widget")
    assert binding.channel == "widget"
    steps = binding.flow.current_version.definition["steps"]
    assert steps["whatsapp"]["links"][0]["whatsapp"] == "+4915112345678"
    assert {"menu", "ask", "person", "handoff", "offline"} <= set(steps)
    # Edited by the business, then the widget switched off and on again: the edit stays.
    version = binding.flow.current_version
    widget_settings_update(business=business, actor=None, enabled=False)
    widget_on(business)
    assert binding_for_channel(business=business, channel="widget").flow.current_version == version


def test_the_landing_page_keeps_its_own_flow(business):
    widget_on(business)
    assert binding_for_channel(business=business, channel="web").flow.key != "widget"


def test_opening_hours_in_the_business_time_zone():
    from datetime import UTC, datetime

    hours = {"0": [["09:00", "12:00"]], "5": [["22:00", "00:00"]]}
    monday_10_berlin = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert hours_open(hours, "Europe/Berlin", monday_10_berlin)
    assert not hours_open(hours, "Europe/Berlin", datetime(2026, 1, 5, 11, 30, tzinfo=UTC))
    assert hours_open(hours, "Europe/Berlin", datetime(2026, 1, 10, 22, 30, tzinfo=UTC))
    assert not hours_open(hours, "Europe/Berlin", datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    assert hours_open({}, "Europe/Berlin", monday_10_berlin)


def test_the_visitor_language_when_offered_else_the_business_language():
    assert language_pick("de-AT", ["en", "de"], "en") == "de"
    assert language_pick("tr", ["en", "de"], "de") == "de"
    assert language_pick("fr", [], "it") == "it"
    assert language_pick("", ["es"], "en") == "es"


def test_rotating_the_client_id_stops_the_old_one_at_once(client, business):
    widget_on(business)
    old = business.client_id
    start(client, business)
    new = client_id_rotate(business=business, actor=None)
    assert new != old and new.startswith("pk_")
    response = client.get("/api/v1/widget/settings", HTTP_X_CLIENT_ID=old)
    assert response.status_code == 401
    assert client.get("/widget/frame", {"client": old, "origin": HOST}).status_code == 403
    business.refresh_from_db()
    assert business.client_id == new
    assert client.get("/widget/frame", {"client": new, "origin": HOST}).status_code == 200
    assert Activity.objects.filter(business=business, action="business.client_id_rotated").exists()
