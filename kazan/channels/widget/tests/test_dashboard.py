"""The dashboard's Website widget page: owners and managers edit the settings, copy the snippet,
see the preview and replace the client id; agents and other businesses cannot."""

import pytest

from kazan.channels.models import WidgetSettings
from kazan.channels.widget.tests.factories import HOST, widget_on
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
PAGE = "/dashboard/widget/"


def _form(**overrides):
    data = {
        "enabled": "on",
        "allowed_origins": f"{HOST}\nhttp://localhost:8001",
        "color": "#aa3300",
        "position": "bottom-left",
        "languages": ["en", "de"],
        "proactive_delay": "20",
        "whatsapp_number": "+49 151 12345678",
        "whatsapp_text": "Hallo",
        "greetings__de": "Servus!",
        "launcher_texts__en": "Talk to us",
        "proactive_messages__en": "Need help?",
        "hours__0": "09:00-12:00, 14:00-18:00",
        "hours__5": "10:00-14:00",
    }
    data.update(overrides)
    return data


def test_the_owner_saves_the_settings_and_gets_the_snippet(owner_client, business):
    response = owner_client.get(PAGE)
    assert response.status_code == 200
    response = owner_client.post(PAGE, _form())
    assert response.status_code == 302
    widget = WidgetSettings.objects.get(business=business)
    assert widget.enabled and widget.allowed_origins == [HOST, "http://localhost:8001"]
    assert widget.opening_hours == {
        "0": [["09:00", "12:00"], ["14:00", "18:00"]],
        "5": [["10:00", "14:00"]],
    }
    assert widget.greetings == {"de": "Servus!"}
    html = owner_client.get(PAGE).content.decode()
    assert f"data-client=&quot;{business.client_id}&quot;" in html
    assert "data-color=&quot;#aa3300&quot;" in html
    assert "data-position=&quot;bottom-left&quot;" in html
    assert "data-label=&quot;Talk to us&quot;" in html
    assert "data-proactive=&quot;Need help?&quot;" in html
    assert "data-proactive-delay=&quot;20&quot;" in html
    assert "http://testserver/widget.js" in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("allowed_origins", "https://example.com/page"),
        ("hours__2", "nine to five"),
        ("whatsapp_number", "123"),
    ],
)
def test_bad_settings_show_an_error_and_save_nothing(owner_client, business, field, value):
    response = owner_client.post(PAGE, _form(**{field: value}))
    assert response.status_code == 400
    assert not WidgetSettings.objects.filter(business=business).exists()


def test_the_preview_is_a_kazan_page_embedding_the_loader(owner_client, business):
    response = owner_client.get(f"{PAGE}preview")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-preview=" in html and business.client_id in html
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    # and Kazan's origin was not added to the business's list
    assert not WidgetSettings.objects.filter(business=business).exists()


def test_rotating_needs_the_confirmation(owner_client, business):
    old = business.client_id
    owner_client.post(f"{PAGE}rotate", {})
    business.refresh_from_db()
    assert business.client_id == old
    owner_client.post(f"{PAGE}rotate", {"confirm": "on"})
    business.refresh_from_db()
    assert business.client_id != old


def test_an_agent_may_not(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    old = business.client_id
    for response in (
        client.get(PAGE),
        client.post(PAGE, _form()),
        client.post(f"{PAGE}rotate", {"confirm": "on"}),
        client.get(f"{PAGE}preview"),
    ):
        assert response.status_code in (403, 404)
    business.refresh_from_db()
    assert business.client_id == old
    assert not WidgetSettings.objects.filter(business=business).exists()


def test_another_business_is_untouched(owner_client, business, other_business):
    widget_on(other_business)
    old = other_business.client_id
    owner_client.post(f"{PAGE}rotate", {"confirm": "on"}, HTTP_X_CLIENT_ID=other_business.client_id)
    owner_client.post(PAGE, _form(enabled=""), HTTP_X_CLIENT_ID=other_business.client_id)
    other_business.refresh_from_db()
    assert other_business.client_id == old
    assert WidgetSettings.objects.get(business=other_business).enabled


def test_the_seeded_widget_flow_opens_in_the_flow_editor(owner_client, business):
    from kazan.conversations.flowstore import binding_for_channel

    widget_on(business)
    flow = binding_for_channel(business=business, channel="widget").flow
    listing = owner_client.get("/dashboard/flows/").content.decode()
    assert "Website widget" in listing
    response = owner_client.get(f"/dashboard/flows/{flow.pk}/")
    assert response.status_code == 200
    assert "How can we help you?" in response.content.decode()
