"""Connecting a WhatsApp number on the Channels page: the form, secrets kept encrypted and never
shown again, the connection test against the (fake) Graph API, and tenant isolation."""

import pytest
from django.db import connection
from django.urls import reverse

from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.whatsapp.testing import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    whatsapp_fields,
)
from kazan.channels.queries import installation_credentials
from kazan.conversations.models import FlowBinding
from kazan.customers.tests.conftest import client_for
from kazan.tenancy.models import Role

pytestmark = pytest.mark.django_db


def _connect(client, **overrides):
    return client.post(reverse("channels:connect"), whatsapp_fields(**overrides))


def test_the_page_offers_the_whatsapp_form_and_says_the_url_comes_after_connecting(owner_client):
    page = owner_client.get(reverse("channels:list")).content.decode()
    assert 'id="connect-whatsapp"' in page and 'name="phone_number_id"' in page
    assert "After connecting, this page shows your number's own callback URL" in page
    assert "/hooks/whatsapp/" not in page
    assert 'id="connect-form"' in page  # Twilio's form stays


def test_after_connecting_the_page_shows_the_installation_s_own_callback_url(
    owner_client, business, other_business, settings
):
    _connect(client_for(other_business, Role.OWNER), phone_number_id="200000000000001")
    theirs = ChannelInstallation.objects.get(business=other_business)
    assert _connect(owner_client).status_code == 302
    mine = ChannelInstallation.objects.get(business=business)
    page = owner_client.get(reverse("channels:list")).content.decode()
    url = f"{settings.PUBLIC_URL}/hooks/whatsapp/{mine.config['hook_key']}/"
    assert f'<code class="whatsapp-webhook-url">{url}</code>' in page
    assert f'data-whatsapp-hook="{mine.pk}"' in page
    assert "with the verify token you entered when connecting" in page
    assert VERIFY_TOKEN not in page
    assert theirs.config["hook_key"] not in page  # never another business's URL
    # Disconnected: the URL is no longer offered.
    owner_client.post(reverse("channels:disconnect", args=[mine.pk]))
    page = owner_client.get(reverse("channels:list")).content.decode()
    assert mine.config["hook_key"] not in page


def test_connect_stores_the_secrets_encrypted_and_never_shows_them(owner_client, business):
    response = _connect(owner_client)
    assert response.status_code == 302
    installation = ChannelInstallation.objects.get(business=business)
    assert (installation.channel, installation.provider) == ("whatsapp", "whatsapp")
    assert installation.config["phone_number_id"] == PHONE_NUMBER_ID
    assert installation.config["templates"]["order_update"] == "order_update"
    assert installation.config["template_language"] == "es"
    # The agent's shop flow now answers on WhatsApp.
    assert FlowBinding.objects.get(business=business, channel="whatsapp").flow.key == "shop"
    credentials = installation_credentials(installation)
    assert (credentials["access_token"], credentials["app_secret"]) == (ACCESS_TOKEN, APP_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials, config FROM channels_channelinstallation")
        stored = " ".join(str(value) for value in cursor.fetchone())
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in stored
    page = owner_client.get(reverse("channels:list")).content.decode()
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in page
    assert PHONE_NUMBER_ID in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone_number_id", "abc", "digits only"),
        ("access_token", "short", "Meta access token"),
        ("app_secret", "no spaces allowed", "app secret"),
        ("verify_token", "x", "8 to 128 characters"),
        ("template_order_update", "Bad Name!", "lowercase letters"),
        ("template_language", "spanish", "language code"),
    ],
)
def test_bad_fields_are_a_400_with_a_clear_message(owner_client, field, value, message):
    response = _connect(owner_client, **{field: value})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert ACCESS_TOKEN not in body
    assert not ChannelInstallation.objects.exists()


def test_an_unknown_provider_is_a_400(owner_client):
    response = owner_client.post(reverse("channels:connect"), {"provider": "fax"})
    assert response.status_code == 400


def test_a_number_of_another_business_is_a_409(owner_client, other_business):
    _connect(client_for(other_business, Role.OWNER))
    response = _connect(owner_client)
    assert response.status_code == 409
    assert "already connected to another business" in response.content.decode()


def test_the_test_button_asks_the_graph_api(owner_client, fake_graph):
    _connect(owner_client)
    installation = ChannelInstallation.objects.get()
    response = owner_client.post(reverse("channels:test", args=[installation.pk]), follow=True)
    assert "The connection works." in response.content.decode()
    assert ("GET", f"/v23.0/{PHONE_NUMBER_ID}") in fake_graph.requests


def test_a_refused_token_is_reported(owner_client, fake_graph):
    _connect(owner_client, access_token="EAAGwrongTOKEN0123456789abcdef")
    installation = ChannelInstallation.objects.get()
    response = owner_client.post(reverse("channels:test", args=[installation.pk]), follow=True)
    assert "The provider refused the connection" in response.content.decode()
    installation.refresh_from_db()
    assert installation.last_test_ok is False


def test_agents_cannot_connect(business):
    assert _connect(client_for(business, Role.AGENT)).status_code == 403
    assert not ChannelInstallation.objects.exists()


def test_another_business_s_whatsapp_installation_is_a_404(owner_client, other_business):
    _connect(client_for(other_business, Role.OWNER))
    theirs = ChannelInstallation.objects.get()
    assert owner_client.post(reverse("channels:test", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("channels:disconnect", args=[theirs.pk])).status_code == 404
    assert owner_client.post(reverse("channels:disconnect", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    assert PHONE_NUMBER_ID not in owner_client.get(reverse("channels:list")).content.decode()


def test_a_number_connected_without_a_key_is_told_to_connect_again(owner_client, business):
    _connect(owner_client)
    installation = ChannelInstallation.objects.get(business=business)
    installation.config.pop("hook_key")
    installation.save()
    page = owner_client.get(reverse("channels:list")).content.decode()
    assert "connect it again to get one" in page
    assert "/hooks/whatsapp/" not in page
