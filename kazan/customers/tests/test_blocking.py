"""Blocking a customer (seed 002's "customer blocked?"): services with activity records, the
Block/Unblock button on the customer page (customers.edit), the channel queries (blocked?
service window open?), and tenant isolation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.core.errors import NotFound
from kazan.customers.models import ChannelIdentity
from kazan.customers.queries import customer_is_blocked, service_window_open
from kazan.customers.services import (
    customer_block,
    customer_unblock,
    identity_attach,
    identity_inbound_mark,
    identity_touch,
)
from kazan.customers.tests.conftest import client_for
from kazan.customers.tests.factories import CustomerFactory
from kazan.tenancy.models import Role

pytestmark = pytest.mark.django_db
HANDLE = "+34612345678"


def test_block_and_unblock_record_activity_and_are_idempotent(business, owner):
    customer = CustomerFactory(business=business)
    customer_block(business=business, customer=customer, actor=owner)
    customer_block(business=business, customer=customer, actor=owner)
    customer.refresh_from_db()
    assert customer.blocked_at is not None
    customer_unblock(business=business, customer=customer, actor=owner)
    customer.refresh_from_db()
    assert customer.blocked_at is None
    actions = list(Activity.objects.order_by("pk").values_list("action", flat=True))
    assert actions.count("customer.blocked") == 1 and actions[-1] == "customer.unblocked"


def test_another_business_s_customer_cannot_be_blocked(business, other_business, owner):
    theirs = CustomerFactory(business=other_business)
    with pytest.raises(NotFound):
        customer_block(business=business, customer=theirs, actor=owner)
    theirs.refresh_from_db()
    assert theirs.blocked_at is None


def test_customer_is_blocked_goes_through_the_channel_identity(business, other_business):
    customer = CustomerFactory(business=business)
    identity_attach(business=business, customer=customer, channel="whatsapp", external_id=HANDLE)
    assert not customer_is_blocked(business=business, channel="whatsapp", handle=HANDLE)
    customer_block(business=business, customer=customer, actor=None)
    assert customer_is_blocked(business=business, channel="whatsapp", handle=HANDLE)
    # The same number elsewhere is another person; another channel is another identity.
    assert not customer_is_blocked(business=other_business, channel="whatsapp", handle=HANDLE)
    assert not customer_is_blocked(business=business, channel="sms", handle=HANDLE)
    assert not customer_is_blocked(business=business, channel="nope", handle=HANDLE)


def test_the_service_window_is_24_hours_after_the_customer_s_own_message(business):
    assert not service_window_open(business=business, channel="whatsapp", handle=HANDLE)
    identity_touch(business=business, channel="whatsapp", external_id=HANDLE)
    assert not service_window_open(business=business, channel="whatsapp", handle=HANDLE)
    identity_inbound_mark(business=business, channel="whatsapp", handle=HANDLE, display_name="Ana")
    assert service_window_open(business=business, channel="whatsapp", handle=HANDLE)
    identity = ChannelIdentity.objects.get(business=business)
    assert identity.display_name == "Ana"
    later = timezone.now() + timedelta(hours=24, minutes=1)
    assert not service_window_open(business=business, channel="whatsapp", handle=HANDLE, now=later)


def test_the_block_button_blocks_and_unblocks(owner_client, business):
    customer = CustomerFactory(business=business)
    url = reverse("customers:block", args=[customer.pk])
    page = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-block="block"' in page
    assert owner_client.post(url, {"action": "block"}).status_code == 302
    customer.refresh_from_db()
    assert customer.blocked_at is not None
    page = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-block="unblock"' in page and 'id="customer-blocked"' in page
    assert owner_client.post(url, {"action": "unblock"}).status_code == 302
    customer.refresh_from_db()
    assert customer.blocked_at is None
    assert owner_client.post(url, {"action": "explode"}).status_code == 400
    assert owner_client.get(url).status_code == 405


def test_members_without_customers_edit_see_no_button_and_get_403(business):
    customer = CustomerFactory(business=business)
    agent = client_for(business, Role.AGENT)
    page = agent.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "data-block=" not in page
    response = agent.post(reverse("customers:block", args=[customer.pk]), {"action": "block"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.blocked_at is None


def test_another_business_s_customer_is_a_404(owner_client, other_business):
    theirs = CustomerFactory(business=other_business)
    response = owner_client.post(reverse("customers:block", args=[theirs.pk]), {"action": "block"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.blocked_at is None
