"""Write use-cases of the Telegram CRM admin panel that no lower app already offers: the
team's individual notification to a user and the test notification to a team member's own
chat (seed 004 §8.4 "admin-triggered"). Token changes, premium grants, suspension and profile
edits go straight to the wallet's, the customers' and the profiles' services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.core.errors import ValidationFailed
from kazan.messaging.notify import customer_notify, member_notify

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

CHANNEL = "telegram"
# Telegram's message limit less room for the business's signature lines.
NOTIFY_MAX_LENGTH = 3900


def _text_valid(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write the message to send."))
    if len(text) > NOTIFY_MAX_LENGTH:
        raise ValidationFailed(
            _("A message has at most %(limit)s characters.") % {"limit": NOTIFY_MAX_LENGTH}
        )
    return text


def crm_user_notify(
    *, business: Business, customer: Customer, text: str, nonce: str, actor: Actor
) -> str:
    """Queues the team's message to the user's Telegram chat. `nonce` comes from the form
    that was shown, so a double submit sends once. Returns "" when queued, else why not (no
    Telegram chat, suspended, erased, bot not connected). Raises ValidationFailed for an
    empty or too long text."""
    text = _text_valid(text)
    with transaction.atomic():
        refused = customer_notify(
            business=business,
            customer=customer,
            channel=CHANNEL,
            text=text,
            idempotency_key=f"crm-notify:{nonce}"[:100],
        )
        if not refused:
            # The text itself may be personal: the log keeps its length only.
            activity_record(
                business=business,
                actor=actor,
                action="crm.user_notified",
                target=customer,
                data={"channel": CHANNEL, "length": len(text)},
            )
    return refused


def crm_test_notify(*, business: Business, chat: str | None, nonce: str, actor: Actor) -> str:
    """Sends a test notification to the acting member's own Telegram chat (`chat`, None when
    they never linked one), to check the bot reaches the team. Returns "" when queued, else
    why not."""
    if not chat:
        return _(
            "Your Telegram chat is not linked yet: send /start to the business's bot from "
            "your Telegram account first."
        )
    return member_notify(
        business=business,
        channel=CHANNEL,
        to=chat,
        text=_("Test notification from %(business)s: the bot reaches you.")
        % {"business": business.name},
        idempotency_key=f"crm-test:{nonce}"[:100],
    )


def crm_profiles_exported(
    *, business: Business, actor: Actor, actor_kind: str | None = None, searched: bool = False
) -> None:
    """Logs that the team (or an integration) downloaded the customer profiles: an export of
    personal data is always on the record."""
    activity_record(
        business=business,
        actor=actor,
        actor_kind=actor_kind,
        action="crm.profiles_exported",
        data={"filtered": searched},
    )
