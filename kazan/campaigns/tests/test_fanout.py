"""The set-wise campaign batch (services.fanout): a fixed number of queries per batch, one
ledger entry per batch, exactly-once per recipient across a killed sender and a rerun."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kazan.campaigns import links, queries, services
from kazan.campaigns.models import Campaign, CampaignRecipient, CampaignStatus, ShortLink
from kazan.campaigns.services import fanout
from kazan.core.testing import run_in_threads, subprocess_database_url
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging import ledger
from kazan.messaging.models import Kind, OutboundMessage, SmsCreditEntry
from kazan.messaging.queries import sms_balance
from kazan.messaging.services import message_send
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db


def _audience(business, count: int) -> list:
    made = [
        CustomerFactory(business=business, name=f"Guest {n}", language="en") for n in range(count)
    ]
    for customer in made:
        consent_given(customer)
    return made


def _campaign(business, owner, body="Hello {name}! Menu: https://cafe.example/menu"):
    return services.campaign_save(
        business=business,
        actor=owner,
        name="Bulk",
        body=body,
        send_at=timezone.now() + timedelta(hours=1),
    )


def _messages(campaign) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(idempotency_key__startswith=f"campaign:{campaign.pk}:")
    )


def _batch_queries(business, owner, count, django_capture_on_commit_callbacks) -> int:
    campaign = _campaign(business, owner)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        batch = fanout.batch_candidates(campaign=campaign, after_pk=0, limit=10_000)
        outcome = fanout.batch_write(campaign=campaign, customers=batch)
    assert outcome.written == count
    return len(captured)


def test_one_batch_takes_the_same_queries_for_3_and_for_30_recipients(
    business, owner, consent_wordings, django_capture_on_commit_callbacks
):
    credits_given(business, 1000)
    _audience(business, 3)
    small = _batch_queries(business, owner, 3, django_capture_on_commit_callbacks)
    _audience(business, 27)
    large = _batch_queries(business, owner, 30, django_capture_on_commit_callbacks)
    assert small == large
    assert large <= 20  # 17 today (6 of them savepoints); ~18 per recipient before


def test_a_batch_writes_one_ledger_entry_and_each_message_is_personal_and_tracked(
    business, owner, customers, funded
):
    campaign = _campaign(
        business,
        owner,
        body="Hi {name}: https://cafe.example/m?x=1. Again https://cafe.example/m?x=1!",
    )
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now())
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipient_count == 3
    sends = SmsCreditEntry.objects.filter(business=business, kind=Kind.SEND)
    assert sends.count() == 1
    assert -sends.get().amount == sum(m.credits for m in _messages(campaign))
    assert sms_balance(business=business) == 100 - sum(m.credits for m in _messages(campaign))
    anna = CampaignRecipient.objects.select_related("message").get(
        campaign=campaign, customer=customers[0]
    )
    link = ShortLink.objects.get(recipient=anna)
    # Exactly what the one-by-one composition gives with the same link and token.
    token = anna.message.body.rsplit("/u/", 1)[1]
    assert anna.message.body == links.compose(
        "Hi {name}: https://cafe.example/m?x=1. Again https://cafe.example/m?x=1!",
        name="Anna",
        voucher_code="",
        links={"https://cafe.example/m?x=1": links.short_url(link.code)},
        language="de",
        stop_url=links.unsubscribe_url(token),
    )
    assert links.unsubscribe_token_read(token) == (business.pk, customers[0].pk)
    assert anna.message.to == customers[0].phone_e164


def test_credits_covering_part_of_a_batch_send_that_part_and_stop(
    business, owner, customers, monkeypatch
):
    credits_given(business, 3)
    campaign = _campaign(business, owner, body="Short offer")
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now())
    from kazan.messaging.services import sms_send

    real_estimate = queries.campaign_estimate

    def estimate_then_spend(**kwargs):
        # Two credits go elsewhere right after the start check saw three.
        seen = real_estimate(**kwargs)
        for text in ("x", "y"):
            sms_send(business=business, to=customers[0].phone_e164, body=text, purpose="otp")
        return seen

    monkeypatch.setattr(queries, "campaign_estimate", estimate_then_spend)
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.STOPPED
    assert campaign.recipient_count == 1
    assert campaign.unsent_count == 2
    assert sms_balance(business=business) == 0
    assert [m.customer_id for m in _messages(campaign)] == [customers[0].pk]


def test_a_message_already_written_under_the_key_is_not_sent_or_charged_again(
    business, owner, customers, funded
):
    campaign = _campaign(business, owner, body="Short offer")
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now())
    # An earlier writer got as far as Ben's message (no recipient row).
    earlier = message_send(
        business=business,
        channel="sms",
        to=customers[1].phone_e164,
        payload={"replies": [{"type": "text", "text": "Short offer"}]},
        purpose="marketing",
        customer=customers[1],
        idempotency_key=f"campaign:{campaign.pk}:{customers[1].pk}",
    )
    balance = sms_balance(business=business)
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert sorted(m.customer_id for m in _messages(campaign)) == sorted(c.pk for c in customers)
    assert (
        CampaignRecipient.objects.get(campaign=campaign, customer=customers[1]).message == earlier
    )
    assert sms_balance(business=business) == balance - 2


# --- PostgreSQL: a killed sender, concurrent campaigns -----------------------------------------

SENDER = textwrap.dedent(
    """
    import time
    import django
    django.setup()
    from kazan.campaigns.services import fanout, sending
    import kazan.messaging.bulk as bulk

    sending.BATCH_SIZE = 4
    real = fanout.marketing_sms_write_bulk

    def slow(**kwargs):
        written = real(**kwargs)
        print("batch", flush=True)
        time.sleep(0.4)  # inside the batch's transaction: the kill lands before its commit
        return written

    fanout.marketing_sms_write_bulk = slow
    sending.campaign_send_run(campaign_id={campaign_id})
    """
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_campaign_and_a_rerun_send_everyone_exactly_once(
    business, owner, consent_wordings
):
    credits_given(business, 1000)
    audience = _audience(business, 30)
    campaign = _campaign(business, owner, body="Offer https://cafe.example/x")
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now())
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "KAZAN_DATA_DIR": str(settings.DATA_DIR),
        "KAZAN_PII_KEY": settings.PII_KEY,
        "SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "kazan.settings",
        "KAZAN_TESTING": "1",
    }
    sender = subprocess.Popen(  # noqa: S603 (our own code, fixed arguments)
        [sys.executable, "-c", SENDER.format(campaign_id=campaign.pk)],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        batches = 0
        while batches < 3:  # two batches committed, the third one open
            line = sender.stdout.readline()
            assert line, "the sender exited early"
            batches += line.strip() == b"batch"
            assert time.monotonic() < deadline
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=10)
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == -signal.SIGKILL
    partial = len(_messages(campaign))
    assert 0 < partial < len(audience)
    assert partial % 4 == 0  # whole batches only: the open one rolled back

    Campaign.objects.filter(pk=campaign.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    messages = _messages(campaign)
    assert sorted(m.customer_id for m in messages) == sorted(c.pk for c in audience)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == len(audience)
    spent = sum(m.credits for m in messages)
    charged = SmsCreditEntry.objects.filter(business=business, kind=Kind.SEND)
    assert -sum(e.amount for e in charged) == spent
    assert sms_balance(business=business) == 1000 - spent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_campaigns_never_overdraw_the_ledger(business, owner, consent_wordings):
    credits_given(business, 60)
    _audience(business, 20)
    campaigns = [_campaign(business, owner, body="Short offer") for _ in range(3)]
    ledger.entry_write(business=business, kind=Kind.ADJUSTMENT, amount=-35, note="test")
    Campaign.objects.filter(pk__in=[c.pk for c in campaigns]).update(
        status=CampaignStatus.SENDING, lease_expires_at=None
    )
    pending = list(campaigns)

    def send() -> str:
        return services.campaign_send_run(campaign_id=pending.pop().pk)

    results = run_in_threads(3, send)
    assert not [r for r in results if isinstance(r, Exception)], results
    written = OutboundMessage.objects.filter(business=business, purpose="marketing")
    assert written.count() == 25
    assert sms_balance(business=business) == 0
    entries = SmsCreditEntry.objects.filter(business=business)
    assert sum(e.amount for e in entries) == 0
    assert min(e.balance_after for e in entries) >= 0
