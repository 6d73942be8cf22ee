"""Admin: messages without decrypted numbers, the ledger read-only."""

import pytest
from django.test import Client
from django.urls import reverse

from kazan.accounts.tests.staff import staff_sign_in
from kazan.messaging.models import SmsCreditEntry
from kazan.messaging.tests.factories import PHONE, OutboundMessageFactory, credits_given
from kazan.tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(db):
    client = Client()
    staff_sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_message_list_and_page_never_show_the_number(admin_client_, business):
    message = OutboundMessageFactory(business=business)
    listing = admin_client_.get(reverse("admin:messaging_outboundmessage_changelist"))
    assert listing.status_code == 200
    assert PHONE not in listing.content.decode()
    assert "+49••••678" in listing.content.decode()
    page = admin_client_.get(reverse("admin:messaging_outboundmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert PHONE not in page.content.decode()


def test_ledger_is_read_only(admin_client_, business):
    entry = credits_given(business, 10)
    assert (
        admin_client_.get(reverse("admin:messaging_smscreditentry_changelist")).status_code == 200
    )
    assert admin_client_.get(reverse("admin:messaging_smscreditentry_add")).status_code == 403
    delete = reverse("admin:messaging_smscreditentry_delete", args=[entry.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:messaging_smscreditentry_change", args=[entry.pk])
    admin_client_.post(change, {"amount": 1000})
    assert SmsCreditEntry.objects.get(pk=entry.pk).amount == 10
    account_add = reverse("admin:messaging_smscreditaccount_add")
    assert admin_client_.get(account_add).status_code == 403
