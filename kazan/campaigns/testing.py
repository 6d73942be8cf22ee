"""Test helpers for chat broadcasts (Telegram): a clock the pacer sleeps on without time
passing, Telegram users who are customers, and reading what the fake Bot API received."""

from collections import Counter
from typing import Any, cast

from django.utils import timezone

from kazan.campaigns import services
from kazan.campaigns.models import Campaign
from kazan.campaigns.services import broadcast
from kazan.customers.models import Customer
from kazan.customers.services import identity_attach
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging.models import OutboundMessage
from kazan.messaging.testing import tasks_run_all


class FakeClock:
    """A clock that only moves when the pacer sleeps: slots are counted, never timed."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slots: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def pacer(self, rate: float = 10) -> broadcast.Pacer:
        pacer = broadcast.Pacer(rate, clock=self, sleep=self.sleep)
        wait = pacer.wait

        def recorded() -> float:
            slot = wait()
            self.slots.append(slot)
            return slot

        pacer.wait = recorded  # type: ignore[method-assign]
        return pacer


def telegram_user(business: Any, name: str, chat_id: str, *, consent: bool = True) -> Customer:
    """A customer known by a Telegram chat, who agreed to Telegram offers unless told not."""
    customer = cast(Customer, CustomerFactory(business=business, name=name, language="en"))
    identity_attach(business=business, customer=customer, channel="telegram", external_id=chat_id)
    if consent:
        consent_given(customer, purpose="telegram_marketing", channel="telegram")
    return customer


def broadcast_save(business: Any, owner: Any, **fields: Any) -> Campaign:
    """A Telegram broadcast saved to send now (the defaults overridable)."""
    values = {
        "name": "Announcement",
        "body": "Hello {name}, new packages are in.",
        "channel": "telegram",
        "title": "News",
        "emoji": "📢",
        "send_at": timezone.now(),
        **fields,
    }
    return services.campaign_save(business=business, actor=owner, **values)


def broadcast_run(campaign: Campaign, clock: FakeClock | None = None) -> str:
    """Runs the send task on a fake clock, then delivers what it wrote."""
    clock = clock or FakeClock()
    result = services.campaign_send_run(campaign_id=campaign.pk, pacer=clock.pacer())
    tasks_run_all()
    return result


def campaign_messages(campaign: Campaign) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(idempotency_key__startswith=f"campaign:{campaign.pk}:")
    )


def chats_sent(fake_bot_api: Any) -> Counter:
    """How many messages each chat received."""
    return Counter(str(call["chat_id"]) for call in fake_bot_api.called("sendMessage"))


def team_chat_link(business: Any, user: Any, chat_id: str) -> None:
    """A team member links their own chat through the real one-time deep link."""
    from kazan.channels.providers.telegram.members import member_link_consume, member_link_start

    link = member_link_start(business=business, user=user)
    token = link.split("?start=m_", 1)[1]
    member_link_consume(business=business, token=token, chat_id=chat_id)
