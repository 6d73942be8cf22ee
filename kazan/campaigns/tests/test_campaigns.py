"""Campaign use-cases: scheduling, editing until sending starts, who receives, exactly-once
sending, credits, and what each message contains."""

import dataclasses
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kazan.campaigns import links, queries, services, tasks
from kazan.campaigns.models import Campaign, CampaignRecipient, CampaignStatus, ShortLink
from kazan.campaigns.services import fanout, sending
from kazan.core.errors import Conflict, InsufficientCredits, ValidationFailed
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.loyalty.models import Voucher
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.queries import sms_balance
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db


def _schedule(business, owner, *, body="Hello {name}! 2 for 1 today.", at=None, **kwargs):
    return services.campaign_save(
        business=business,
        actor=owner,
        name="Spring",
        body=body,
        send_at=at or timezone.now() + timedelta(hours=2),
        **kwargs,
    )


def _messages(campaign) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(idempotency_key__startswith=f"campaign:{campaign.pk}:")
    )


def test_due_campaign_is_sent_by_the_cron_task_and_a_future_one_is_not(
    business, owner, customers, funded
):
    due = _schedule(business, owner, at=timezone.now() + timedelta(minutes=30))
    later = _schedule(business, owner, at=timezone.now() + timedelta(days=2))
    assert tasks.campaigns_due.call() == 0  # nothing due yet
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert tasks.campaigns_due.call() == 1
        tasks_run_all()
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == CampaignStatus.SENT
    assert due.sent_at is not None
    assert due.recipient_count == 3
    assert later.status == CampaignStatus.SCHEDULED
    assert _messages(later) == []
    messages = _messages(due)
    assert len(messages) == 3
    assert {m.purpose for m in messages} == {Purpose.MARKETING}
    assert {m.customer_id for m in messages} == {c.pk for c in customers}


def test_send_now_enqueues_the_send_on_commit(
    business, owner, customers, funded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = services.campaign_save(
            business=business, actor=owner, name="Now", body="Today only: free cake."
        )
    tasks_run_all()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert len(_messages(campaign)) == 3


def test_scheduled_campaign_can_be_edited_and_deleted_until_sending_starts(
    business, owner, customers, funded
):
    campaign = _schedule(business, owner)
    edited = services.campaign_save(
        business=business,
        actor=owner,
        campaign=campaign,
        name="Spring (new)",
        body="New text",
        send_at=timezone.now() + timedelta(hours=3),
    )
    assert edited.name == "Spring (new)" and edited.body == "New text"
    services.campaign_cancel(business=business, campaign=edited, actor=owner)
    edited.refresh_from_db()
    assert edited.status == CampaignStatus.CANCELLED
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        tasks.campaigns_due.call()
        tasks_run_all()
    assert _messages(edited) == []
    with pytest.raises(Conflict):
        services.campaign_cancel(business=business, campaign=edited, actor=owner)


def test_a_campaign_being_sent_or_sent_cannot_be_edited_or_deleted(
    business, owner, customers, funded
):
    campaign = _schedule(business, owner, at=timezone.now())
    # The send task claims it (status "sending") before any edit lands.
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    with pytest.raises(Conflict):
        services.campaign_save(
            business=business, actor=owner, campaign=campaign, name="x", body="changed"
        )
    with pytest.raises(Conflict):
        services.campaign_cancel(business=business, campaign=campaign, actor=owner)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SCHEDULED)
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    with pytest.raises(Conflict):
        services.campaign_cancel(business=business, campaign=campaign, actor=owner)
    assert campaign.body == "Hello {name}! 2 for 1 today."


def test_only_consenting_customers_receive_and_a_withdrawal_after_scheduling_counts(
    business, owner, customers, funded
):
    campaign = _schedule(business, owner, at=timezone.now())
    consent_given(customers[1], granted=False)  # Ben says stop after it was scheduled
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    receivers = {m.customer_id for m in _messages(campaign)}
    assert receivers == {customers[0].pk, customers[2].pk}
    assert campaign.recipient_count == 2


def test_a_withdrawal_racing_the_batch_is_skipped_not_sent(
    business, owner, customers, funded, monkeypatch
):
    """Consent withdrawn between the batch query and the write: the write refuses, skipped."""
    campaign = _schedule(business, owner, at=timezone.now())
    original = fanout.batch_candidates

    def withdraw_first(**kwargs):
        batch = original(**kwargs)
        if batch and batch[0].pk == customers[0].pk:
            consent_given(customers[0], granted=False)
        return batch

    monkeypatch.setattr(fanout, "batch_candidates", withdraw_first)
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.skipped_count == 1
    assert customers[0].pk not in {m.customer_id for m in _messages(campaign)}
    assert not CampaignRecipient.objects.filter(campaign=campaign, customer=customers[0]).exists()


def test_running_the_send_again_sends_nothing_twice(business, owner, customers, funded):
    campaign = _schedule(business, owner, at=timezone.now())
    services.campaign_send_run(campaign_id=campaign.pk)
    balance = sms_balance(business=business)
    # A worker died after the commit: the campaign looks unfinished and its lease expired.
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.SENDING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert tasks.campaigns_due.call() == 1
    tasks_run_all(sweep=False)
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert len(_messages(campaign)) == 3
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 3
    assert sms_balance(business=business) == balance


def test_a_crash_midway_resumes_with_the_rest_only(business, owner, customers, funded):
    campaign = _schedule(business, owner, at=timezone.now())
    sending._claim(campaign.pk, timezone.now())
    campaign.refresh_from_db()
    sending._recipient_write(campaign, customers[0])  # written, then the worker died
    Campaign.objects.filter(pk=campaign.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert sorted(m.customer_id for m in _messages(campaign)) == sorted(c.pk for c in customers)


def test_a_long_send_hands_over_to_new_task_runs_and_finishes(
    business, owner, customers, funded, monkeypatch
):
    monkeypatch.setattr(sending, "BATCH_SIZE", 1)
    monkeypatch.setattr(sending, "RUN_SECONDS", -1)  # every run writes one batch, then hands over
    campaign = _schedule(business, owner, at=timezone.now())
    assert services.campaign_send_run(campaign_id=campaign.pk) == "handed over to the next run"
    assert len(_messages(campaign)) == 1
    tasks_run_all(sweep=False)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipient_count == 3
    assert len(_messages(campaign)) == 3


def test_a_held_lease_stops_a_second_runner(business, owner, customers, funded):
    campaign = _schedule(business, owner, at=timezone.now())
    assert sending._claim(campaign.pk, timezone.now())[0] is not None
    assert services.campaign_send_run(campaign_id=campaign.pk) == "not due or already being sent"
    assert _messages(campaign) == []


def test_scheduling_is_refused_when_credits_cannot_cover_everyone(business, owner, customers):
    credits_given(business, 2)  # three recipients, one SMS each
    with pytest.raises(InsufficientCredits) as refused:
        _schedule(business, owner, body="Short offer")
    assert "3" in str(refused.value.message) and "2" in str(refused.value.message)
    assert not Campaign.objects.filter(business=business).exists()


def test_credits_spent_before_the_start_stop_it_before_anything_is_sent(business, owner, customers):
    credits_given(business, 3)
    campaign = _schedule(business, owner, body="Short offer", at=timezone.now())
    from kazan.messaging.services import sms_send

    sms_send(business=business, to=customers[0].phone_e164, body="x", purpose="transactional")
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.STOPPED
    assert campaign.unsent_count == 3
    assert "credits" in campaign.stop_reason
    assert _messages(campaign) == []


def test_credits_running_out_midway_stop_cleanly_and_resume_sends_the_rest(
    business, owner, customers, monkeypatch
):
    credits_given(business, 3)
    campaign = _schedule(
        business,
        owner,
        body="Short offer {voucher}",
        at=timezone.now(),
        voucher_discount="10% off",
        voucher_valid_days=7,
    )
    # Another send takes two credits right after the campaign's start check saw three.
    from kazan.messaging.services import sms_send

    for text in ("x", "y"):
        sms_send(business=business, to=customers[0].phone_e164, body=text, purpose="otp")
    real_estimate = queries.campaign_estimate
    monkeypatch.setattr(
        queries,
        "campaign_estimate",
        lambda **kw: dataclasses.replace(real_estimate(**kw), balance=3),
    )
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.STOPPED
    assert campaign.recipient_count == 1
    assert campaign.unsent_count == 2
    assert "ran out" in campaign.stop_reason
    # Nothing half-written: one whole recipient (message, voucher, row), no orphan voucher.
    assert len(_messages(campaign)) == 1
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 1
    assert Voucher.objects.filter(business=business, kind="campaign").count() == 1
    assert sms_balance(business=business) == 0

    monkeypatch.setattr(queries, "campaign_estimate", real_estimate)
    credits_given(business, 2)
    services.campaign_resume(business=business, campaign=campaign, actor=owner)
    services.campaign_send_run(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert len(_messages(campaign)) == 3


def test_each_message_is_personal_tracked_and_ends_with_a_translated_opt_out(
    business, owner, customers, funded
):
    campaign = _schedule(
        business,
        owner,
        body="Hi {name}, code {voucher}: https://cafe.example/menu?x=1. Or https://cafe.example/menu?x=1!",
        voucher_discount="Free coffee",
        voucher_valid_days=14,
        at=timezone.now(),
    )
    services.campaign_send_run(campaign_id=campaign.pk)
    anna = CampaignRecipient.objects.select_related("message", "voucher").get(
        campaign=campaign, customer=customers[0]
    )
    body = anna.message.body
    assert body.startswith(f"Hi Anna, code {anna.voucher.code}: https://kz.example/l/")
    assert "cafe.example" not in body
    link = ShortLink.objects.get(recipient=anna)  # the same URL twice: one link
    assert link.target_url == "https://cafe.example/menu?x=1"
    assert body.count(f"https://kz.example/l/{link.code}") == 2
    assert f"https://kz.example/l/{link.code}." in body  # the sentence's dot stays outside
    last_line = body.splitlines()[-1]
    # "Stop: <link>", translated into the customer's language once the catalogues have it.
    assert re.match(r"^\S+: https://kz\.example/u/\S+$", last_line)
    token = last_line.rsplit("/u/", 1)[1]
    assert links.unsubscribe_token_read(token) == (business.pk, customers[0].pk)
    assert anna.voucher.discount_text == "Free coffee"
    assert Voucher.objects.filter(business=business, kind="campaign").count() == 3


def test_validation_gives_clear_messages(business, owner, customers, funded):
    with pytest.raises(ValidationFailed):
        _schedule(business, owner, body="   ")
    with pytest.raises(ValidationFailed, match="voucher"):
        _schedule(business, owner, body="No code here", voucher_discount="5€", voucher_valid_days=3)
    with pytest.raises(ValidationFailed):
        _schedule(business, owner, body="Code {voucher}")
    with pytest.raises(ValidationFailed):
        _schedule(business, owner, at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationFailed):
        _schedule(business, owner, body="x" * 1201)


def test_no_recipients_is_refused(business, owner, funded):
    CustomerFactory(business=business)
    with pytest.raises(ValidationFailed, match="agrees"):
        _schedule(business, owner)


def test_other_business_customers_never_receive(business, other_business, owner, customers, funded):
    stranger = CustomerFactory(business=other_business)
    consent_given(stranger)
    campaign = _schedule(business, owner, at=timezone.now())
    services.campaign_send_run(campaign_id=campaign.pk)
    assert stranger.pk not in {m.customer_id for m in _messages(campaign)}
