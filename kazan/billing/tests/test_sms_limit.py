"""Spec 000 §2.3/§4 — the SMS limit: at zero credits nothing is sent, queued or charged, and
the billing page says sending is stopped until the business tops up."""

import pytest

from kazan.billing.tests.factories import PHONE, credits_use
from kazan.core.errors import InsufficientCredits
from kazan.messaging.models import OutboundMessage, SmsCreditEntry
from kazan.messaging.queries import sms_balance
from kazan.messaging.services import sms_send

pytestmark = pytest.mark.django_db


def test_at_zero_credits_sms_send_raises_and_nothing_is_queued_or_charged(business, packages):
    credits_use(business=business, granted=3, used=3)
    messages_before = OutboundMessage.objects.filter(business=business).count()
    entries_before = SmsCreditEntry.objects.filter(business=business).count()

    with pytest.raises(InsufficientCredits):
        sms_send(business=business, to=PHONE, body="one too many", purpose="otp")

    assert sms_balance(business=business) == 0
    assert OutboundMessage.objects.filter(business=business).count() == messages_before
    assert SmsCreditEntry.objects.filter(business=business).count() == entries_before


def test_the_billing_page_shows_the_stop_message_at_zero(owner_client, business, packages):
    credits_use(business=business, granted=2, used=2)

    page = owner_client.get("/dashboard/billing/").content.decode()

    assert 'data-quota-warning="empty"' in page
    assert "sending is stopped until you top up" in page


@pytest.mark.parametrize(("used", "level"), [(80, "80"), (95, "95")])
def test_the_billing_page_warns_at_80_and_95(owner_client, business, packages, used, level):
    credits_use(business=business, granted=100, used=used)

    page = owner_client.get("/dashboard/billing/").content.decode()

    assert f'data-quota-warning="{level}"' in page
    assert f"You have used {used} %" in page


def test_no_banner_below_80(owner_client, business, packages):
    credits_use(business=business, granted=100, used=79)
    assert "data-quota-warning" not in owner_client.get("/dashboard/billing/").content.decode()


def test_a_top_up_lifts_the_stop(business, owner, staff_user, packages):
    from kazan.billing.services import package_upgrade_start, payment_confirm

    credits_use(business=business, granted=1, used=1)
    payment = package_upgrade_start(
        business=business, package=packages["starter"], actor=owner
    ).payment
    payment_confirm(payment=payment, actor=staff_user)

    message = sms_send(business=business, to=PHONE, body="back again", purpose="otp")
    assert message.pk and sms_balance(business=business) == 199


def test_the_overview_shows_the_same_warning(owner_client, business, packages):
    credits_use(business=business, granted=100, used=96)
    page = owner_client.get("/dashboard/").content.decode()
    assert 'data-quota-warning="95"' in page
