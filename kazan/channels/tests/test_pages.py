"""/dashboard/channels/: owners and managers connect, test and disconnect their own Twilio
number; agents get 403; bad fields get clear errors; secrets are never shown again."""

import pytest
from django.urls import reverse

from kazan.channels.models import ChannelInstallation
from kazan.channels.tests.factories import BUSINESS_NUMBER, connect_fields
from kazan.customers.tests.conftest import client_for
from kazan.tenancy.models import Role

pytestmark = pytest.mark.django_db


def _connect(client, **overrides):
    return client.post(reverse("channels:connect"), connect_fields(**overrides))


def test_owner_and_manager_see_the_page_and_the_nav_link(owner_client, business):
    for client in (owner_client, client_for(business, Role.MANAGER)):
        response = client.get(reverse("channels:list"))
        assert response.status_code == 200
        assert reverse("channels:list") in response.content.decode()


def test_agents_get_403_and_no_nav_link(business):
    agent = client_for(business, Role.AGENT)
    assert agent.get(reverse("channels:list")).status_code == 403
    assert _connect(agent).status_code == 403
    # (its own "Your Telegram" page under /dashboard/channels/ is for every member)
    page = agent.get(reverse("customers:list")).content.decode()
    assert f'href="{reverse("channels:list")}"' not in page


def test_connect_then_the_secrets_are_never_shown_again(owner_client):
    response = _connect(owner_client)
    assert response.status_code == 302
    page = owner_client.get(reverse("channels:list")).content.decode()
    fields = connect_fields()
    assert fields["auth_token"] not in page
    assert fields["account_sid"] not in page
    assert BUSINESS_NUMBER not in page
    assert "…" + fields["account_sid"][-4:] in page
    assert "+15••••661" in page


def test_bad_fields_get_a_400_with_the_fields_errors(owner_client):
    response = _connect(owner_client, account_sid="nope", from_number="12")
    assert response.status_code == 400
    body = response.content.decode()
    assert "AC followed by 32 hex digits" in body
    assert "international format" in body
    assert connect_fields()["auth_token"] not in body  # not even echoed back in the form
    assert not ChannelInstallation.objects.exists()


def test_a_number_of_another_business_is_a_409(owner_client, other_business):
    _connect(client_for(other_business, Role.OWNER))
    response = _connect(owner_client)
    assert response.status_code == 409
    assert "already connected to another business" in response.content.decode()


def test_test_button_reports_the_result(owner_client, platform_twilio):
    _connect(owner_client)
    installation = ChannelInstallation.objects.get()
    response = owner_client.post(reverse("channels:test", args=[installation.pk]), follow=True)
    assert "The connection works." in response.content.decode()


def test_disconnect_asks_first_then_disconnects(owner_client):
    _connect(owner_client)
    installation = ChannelInstallation.objects.get()
    url = reverse("channels:disconnect", args=[installation.pk])
    confirm = owner_client.get(url)
    assert confirm.status_code == 200 and "disconnect-confirm" in confirm.content.decode()
    installation.refresh_from_db()
    assert installation.is_active
    assert owner_client.post(url).status_code == 302
    installation.refresh_from_db()
    assert not installation.is_active


def test_another_business_installation_is_a_404(owner_client, other_business):
    _connect(client_for(other_business, Role.OWNER))
    theirs = ChannelInstallation.objects.get()
    assert owner_client.post(reverse("channels:test", args=[theirs.pk])).status_code == 404
    assert owner_client.post(reverse("channels:disconnect", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_a_refused_test_says_so(owner_client, platform_twilio):
    _connect(owner_client, auth_token="wrong-token-0123456789")
    installation = ChannelInstallation.objects.get()
    response = owner_client.post(reverse("channels:test", args=[installation.pk]), follow=True)
    assert "The provider refused the connection" in response.content.decode()
