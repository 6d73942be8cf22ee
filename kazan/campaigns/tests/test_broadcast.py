"""Telegram broadcasts (seed 004 §3.4.4) as campaigns on the "telegram" channel: who receives
an offer and a service notice, the 3,900-unit limit, delivery tracking (sent / failed / blocked
the bot), resuming after a crash without a second message, and the pace of sending — against
the fake Bot API."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from kazan.campaigns import links, queries, services
from kazan.campaigns.audience import TELEGRAM, broadcast_channels
from kazan.campaigns.chat import utf16_length
from kazan.campaigns.models import Campaign, CampaignRecipient, CampaignStatus
from kazan.campaigns.services import broadcast, sending
from kazan.campaigns.testing import (
    FakeClock,
    broadcast_run,
    broadcast_save,
    campaign_messages,
    chats_sent,
    telegram_user,
)
from kazan.channels.providers.telegram.members import chat_block_set
from kazan.core.errors import ValidationFailed
from kazan.core.testing import run_in_threads_numbered
from kazan.customers.tests.factories import consent_given
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db


def test_telegram_is_a_broadcast_channel_once_the_business_connected_its_bot(
    business, fake_bot_api
):
    from kazan.channels.providers.telegram.testing import telegram_connected

    assert "telegram" not in broadcast_channels(business=business)
    with pytest.raises(ValidationFailed):
        broadcast_save(business, None)
    telegram_connected(business, fake_bot_api)
    assert broadcast_channels(business=business)["telegram"] is TELEGRAM


def test_an_offer_reaches_only_the_telegram_users_who_agreed_as_telegram_shows_it(
    business, owner, tg_audience, fake_bot_api
):
    campaign = broadcast_save(business, owner)
    assert broadcast_run(campaign) == "sent to 3"
    assert chats_sent(fake_bot_api) == Counter({"1001": 1, "1002": 1, "1003": 1})
    texts = {str(c["chat_id"]): c["text"] for c in fake_bot_api.called("sendMessage")}
    heading, text, stop = texts["1001"].split("\n\n")
    assert (heading, text) == ("📢 News", "Hello Anna, new packages are in.")
    assert stop.startswith("Stop: https://kz.example/u/")
    messages = campaign_messages(campaign)
    assert {m.purpose for m in messages} == {Purpose.MARKETING}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipient_count == 3


def test_a_service_notice_goes_to_every_telegram_user_without_marketing_consent(
    business, owner, tg_audience, fake_bot_api
):
    blocked = telegram_user(business, "Fred", "1006", consent=False)
    blocked.blocked_at = timezone.now()
    blocked.save(update_fields=["blocked_at"])
    erased = telegram_user(business, "Gus", "1007")
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    campaign = broadcast_save(
        business, owner, kind="notice", title="Maintenance", emoji="🛠", body="Down at 2am."
    )
    broadcast_run(campaign)
    # The one who never agreed to offers gets the notice; blocked and erased people do not.
    assert chats_sent(fake_bot_api) == Counter({"1001": 1, "1002": 1, "1003": 1, "1004": 1})
    messages = campaign_messages(campaign)
    assert {m.purpose for m in messages} == {Purpose.TRANSACTIONAL}
    assert all("/u/" not in call["text"] for call in fake_bot_api.called("sendMessage"))


def test_notices_titles_and_vouchers_are_refused_where_they_do_not_belong(
    business, owner, tg_audience
):
    with pytest.raises(ValidationFailed) as notice_by_sms:
        broadcast_save(business, owner, channel="sms", title="", emoji="", kind="notice")
    assert notice_by_sms.value.code == "invalid_kind"
    with pytest.raises(ValidationFailed) as title_by_sms:
        broadcast_save(business, owner, channel="sms")
    assert title_by_sms.value.code == "invalid_title"
    with pytest.raises(ValidationFailed) as voucher:
        broadcast_save(
            business,
            owner,
            body="Your code {voucher}",
            voucher_discount="10% off",
            voucher_valid_days=7,
        )
    assert voucher.value.code == "invalid_voucher"
    with pytest.raises(ValidationFailed) as emoji:
        broadcast_save(business, owner, emoji="hi")
    assert emoji.value.code == "invalid_title"


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ("a" * 3900, True),
        ("a" * 3901, False),
        ("😀" * 1950, True),  # two UTF-16 units each, as Telegram and the browser count them
        ("a" * 3899 + "😀", False),
        ("é" * 3900, True),  # one unit each
    ],
)
def test_the_text_limit_is_3900_utf16_units_checked_on_the_server(
    business, owner, tg_audience, body, accepted
):
    assert utf16_length(body) == len(body.encode("utf-16-le")) // 2
    if accepted:
        assert broadcast_save(business, owner, body=body).pk
    else:
        with pytest.raises(ValidationFailed) as refused:
            broadcast_save(business, owner, body=body)
        assert refused.value.code == "invalid_body"
        assert "3900" in str(refused.value.message) or "3,900" in str(refused.value.message)


def test_delivery_is_tracked_per_recipient_sent_failed_and_blocked(
    business, owner, tg_audience, fake_bot_api
):
    fake_bot_api.block("1002")
    campaign = broadcast_save(business, owner)
    broadcast_run(campaign)
    stats = queries.broadcast_stats(business=business, campaign=campaign)
    assert (stats.recipients, stats.sent, stats.blocked, stats.failed) == (3, 2, 1, 0)
    assert stats.pending == 0
    assert stats.success_rate == pytest.approx(66.7)
    blocked = CampaignRecipient.objects.get(customer=tg_audience["agreed"][1]).message
    assert blocked.error_code == queries.BLOCKED_ERROR_CODE


def test_someone_who_blocked_the_bot_is_skipped_and_counted_as_blocked(
    business, owner, tg_audience, fake_bot_api
):
    # Given Telegram told the bot (my_chat_member "kicked") that 1002 blocked it
    chat_block_set(business=business, handle="1002", blocked=True)
    campaign = broadcast_save(business, owner)
    broadcast_run(campaign)
    # Then nothing is sent to them, and the tracking counts them as blocked
    assert chats_sent(fake_bot_api) == Counter({"1001": 1, "1003": 1})
    recipient = CampaignRecipient.objects.get(customer=tg_audience["agreed"][1])
    assert (recipient.message, recipient.skip_reason) == (None, broadcast.SKIP_BLOCKED)
    stats = queries.broadcast_stats(business=business, campaign=campaign)
    assert (stats.sent, stats.blocked, stats.failed, stats.skipped, stats.pending) == (
        2,
        1,
        0,
        0,
        0,
    )


def test_a_permanent_error_counts_as_failed_not_blocked(business, owner, tg_audience, fake_bot_api):
    campaign = broadcast_save(business, owner)
    fake_bot_api.fail_next(400)  # "Bad Request: chat not found" for the first recipient
    broadcast_run(campaign)
    stats = queries.broadcast_stats(business=business, campaign=campaign)
    assert (stats.sent, stats.failed, stats.blocked) == (2, 1, 0)


def test_consent_withdrawn_after_the_fan_out_is_respected_when_the_turn_comes(
    business, owner, tg_audience, fake_bot_api
):
    campaign = broadcast_save(business, owner)
    sending._claim(campaign.pk, timezone.now())
    campaign.refresh_from_db()
    broadcast.recipients_materialise(campaign=campaign, lease_alive=lambda: True)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 3
    consent_given(tg_audience["agreed"][1], granted=False, purpose="telegram_marketing")
    Campaign.objects.filter(pk=campaign.pk).update(lease_expires_at=timezone.now())
    broadcast_run(campaign)
    assert chats_sent(fake_bot_api) == Counter({"1001": 1, "1003": 1})
    stats = queries.broadcast_stats(business=business, campaign=campaign)
    assert (stats.sent, stats.skipped) == (2, 1)
    assert CampaignRecipient.objects.get(customer=tg_audience["agreed"][1]).skip_reason == (
        broadcast.SKIP_CONSENT
    )


def test_a_crash_in_the_fan_out_and_in_sending_resumes_with_exactly_one_message_each(
    business, owner, tg_audience, fake_bot_api, monkeypatch
):
    more = [telegram_user(business, f"P{n}", str(2000 + n)) for n in range(4)]
    everyone = {str(chat) for chat in ("1001", "1002", "1003")} | {
        str(2000 + n) for n in range(len(more))
    }
    campaign = broadcast_save(business, owner)
    # 1. The fan-out dies after two rows of one at a time: the lease is gone (a dead worker).
    monkeypatch.setattr(broadcast, "FANOUT_BATCH", 1)
    sending._claim(campaign.pk, timezone.now())
    campaign.refresh_from_db()
    beats = iter([True, True, False])
    assert not broadcast.recipients_materialise(campaign=campaign, lease_alive=lambda: next(beats))
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 2
    campaign.refresh_from_db()
    assert campaign.recipients_ready_at is None
    # 2. The next run finishes the fan-out, then dies while sending, after three messages.
    Campaign.objects.filter(pk=campaign.pk).update(lease_expires_at=timezone.now())
    clock = FakeClock()
    pacer = clock.pacer()
    real_wait = pacer.wait

    def dying_wait() -> float:
        if len(clock.slots) == 3:
            raise SystemExit("worker killed")
        return real_wait()

    pacer.wait = dying_wait  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        services.campaign_send_run(campaign_id=campaign.pk, pacer=pacer)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == len(everyone)
    assert CampaignRecipient.objects.filter(campaign=campaign, message__isnull=False).count() == 3
    # 3. Its lease runs out; the per-minute job starts it again and it finishes.
    Campaign.objects.filter(pk=campaign.pk).update(lease_expires_at=timezone.now())
    monkeypatch.setattr(sending, "RUN_SECONDS", 10_000)
    assert services.campaigns_due_enqueue() == 1
    tasks_run_all()  # the send task (its messages wait for the sweep: the test never commits)
    tasks_run_all()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert chats_sent(fake_bot_api) == Counter({chat: 1 for chat in everyone})
    assert OutboundMessage.objects.filter(
        idempotency_key__startswith=f"campaign:{campaign.pk}:"
    ).values("customer_id").distinct().count() == len(everyone)


def test_a_second_run_of_a_finished_broadcast_sends_nothing(
    business, owner, tg_audience, fake_bot_api
):
    campaign = broadcast_save(business, owner)
    broadcast_run(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.SENDING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    broadcast_run(campaign)
    assert chats_sent(fake_bot_api) == Counter({"1001": 1, "1002": 1, "1003": 1})


def test_the_pacer_hands_out_rate_slots_per_second_and_never_bursts_to_catch_up():
    clock = FakeClock()
    pacer = clock.pacer(rate=10)
    for _ in range(35):
        pacer.wait()
    per_second = Counter(int(slot - 1000.0 + 1e-9) for slot in clock.slots)
    assert per_second == Counter({0: 10, 1: 10, 2: 10, 3: 5})
    # A caller who comes back 5 seconds late starts again from now: no burst of 50.
    clock.now += 5
    late = [pacer.wait() for _ in range(12)]
    assert Counter(int(slot - late[0] + 1e-9) for slot in late) == Counter({0: 10, 1: 2})


def test_a_broadcast_is_written_at_the_configured_pace(
    business, owner, tg_audience, fake_bot_api, settings
):
    settings.CRM_BROADCAST_PER_SECOND = 2
    for n in range(5):
        telegram_user(business, f"P{n}", str(3000 + n))
    campaign = broadcast_save(business, owner)
    clock = FakeClock()
    services.campaign_send_run(
        campaign_id=campaign.pk, pacer=broadcast.broadcast_pacer(clock=clock, sleep=clock.sleep)
    )
    # 8 messages at 2 a second: the fake clock moved 3.5 seconds, slept in 0.5 s steps.
    assert clock.now - 1000.0 == pytest.approx(3.5)
    assert CampaignRecipient.objects.filter(campaign=campaign, message__isnull=False).count() == 8


def test_a_disconnected_bot_stops_the_broadcast_with_the_rest_reported(
    business, owner, tg_audience, bot, fake_bot_api
):
    from kazan.channels.services import installation_disconnect

    campaign = broadcast_save(business, owner)
    installation_disconnect(business=business, installation=bot, actor=owner)
    broadcast_run(campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.STOPPED
    assert chats_sent(fake_bot_api) == Counter()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_write_one_recipient_row_and_one_message_each(
    business, owner, tg_audience
):
    """A worker whose lease ran out while another took over: both fan out and send at once."""
    for n in range(20):
        telegram_user(business, f"P{n}", str(4000 + n))
    campaign = broadcast_save(business, owner)
    sending._claim(campaign.pk, timezone.now())
    # each runner its own copy of the campaign, loaded before they are released together
    copies = [Campaign.objects.select_related("business").get(pk=campaign.pk) for _ in range(2)]

    def run(n: int) -> None:
        broadcast.recipients_materialise(campaign=copies[n], lease_alive=lambda: True)
        broadcast.recipients_send(
            campaign=copies[n],
            channel=TELEGRAM,
            pacer=FakeClock().pacer(rate=1_000_000),
            lease_alive=lambda: True,
        )

    results = run_in_threads_numbered(2, run)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(results) == 2
    rows = CampaignRecipient.objects.filter(campaign=campaign)
    assert rows.count() == 23 and rows.filter(message__isnull=True).count() == 0
    per_customer = Counter(m.customer_id for m in campaign_messages(campaign))
    assert len(per_customer) == 23 and set(per_customer.values()) == {1}


def test_the_opt_out_link_of_a_telegram_offer_ends_telegram_offers(
    client, business, owner, tg_audience, fake_bot_api
):
    broadcast_run(broadcast_save(business, owner))
    anna = next(c for c in fake_bot_api.called("sendMessage") if str(c["chat_id"]) == "1001")
    link = anna["text"].rsplit(" ", 1)[1]
    assert client.post(link.removeprefix("https://kz.example")).status_code == 200
    fake_bot_api.calls.clear()
    broadcast_run(broadcast_save(business, owner, name="Second"))
    assert chats_sent(fake_bot_api) == Counter({"1002": 1, "1003": 1})


def test_an_offers_preview_links_a_sample_opt_out_no_genuine_token(business):
    preview = broadcast.broadcast_preview(business=business, body="Hi {name}", kind="offer")
    assert broadcast.PREVIEW_UNSUBSCRIBE_TOKEN in preview
    token = preview.rsplit("/u/", 1)[1]
    with pytest.raises(links.TokenInvalid):
        links.unsubscribe_token_read(token)
