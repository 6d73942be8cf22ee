"""Campaign and reminder write use-cases, one module per group: validation, campaigns (save,
cancel, resume, the due job), sending (the send task and test sends), public (links, opting
out) and reminders.

Channels and audiences: a campaign goes out on one broadcast channel (campaigns.audience: SMS,
and Telegram once the business connected its bot) to the customers queries.audience_customers
selects (that channel's consent, reachable on it, the campaign's audience filters), each message
through messaging's message_send, which re-checks the consent when it is written. A chat
channel's campaign (Telegram) is fanned out once and paced by services.broadcast instead.

Pacing: an SMS campaign does not throttle. Every message goes into the messaging outbox, whose
delivery worker already holds all workers together to the SMS rate (settings.SMS_RATE_PER_SECOND);
the campaign only writes its messages, as fast as the database takes them. A chat channel's
outbox does not pace for campaigns (its replies must stay fast), so services.broadcast writes
those messages one per slot of settings.CRM_BROADCAST_PER_SECOND.

Exactly-once: each recipient's SMS carries idempotency_key "campaign:<id>:<customer id>" (a
reminder "reminder:<customer id>:<day>"), and a campaign has one recipient row per customer
(unique). A batch of recipients (services.fanout) is written set-wise in one transaction: its
recipients are the audience minus who already has a recipient row, and its messages, links,
recipient rows and ONE ledger entry commit together or not at all. A send task that crashes and
runs again goes on with those who have no row yet; a key already taken rolls the batch back and
writes it one recipient at a time (a savepoint each, message_send giving back the first
message): nobody gets a campaign twice, and nobody is charged twice. Voucher campaigns take
that one-by-one path throughout (a voucher per recipient).

Credits: a campaign that the balance cannot cover is refused before anything is written. If
credits still run out while sending (another campaign, a reminder, an OTP raced it), the batch
is written in order as far as the balance goes (one by one: up to the recipient whose charge
failed), and the campaign stops ("stopped"), with the number not sent reported; resuming sends
to the rest only.
"""

from kazan.campaigns.services.broadcast import (
    TEST_BROADCASTS_PER_HOUR,
    Pacer,
    broadcast_pacer,
    broadcast_preview,
    broadcast_test_send,
)
from kazan.campaigns.services.campaigns import (
    campaign_cancel,
    campaign_resume,
    campaign_save,
    campaigns_due_enqueue,
)
from kazan.campaigns.services.public import (
    STOP_WORDS,
    link_click,
    stop_reply_receive,
    stop_word,
    unsubscribe_confirm,
    unsubscribe_target,
)
from kazan.campaigns.services.reminders import (
    REMINDER_CAP_MAX,
    REMINDER_DAYS_MAX,
    REMINDER_HOURS,
    reminder_rule_save,
    reminders_send_due,
    reminders_send_for,
)
from kazan.campaigns.services.sending import (
    BATCH_SIZE,
    LEASE_SECONDS,
    RUN_SECONDS,
    TEST_SENDS_PER_HOUR,
    TEST_VOUCHER_CODE,
    campaign_send_run,
    campaign_test_send,
)
from kazan.campaigns.services.validation import (
    NAME_MAX,
    SCHEDULE_MAX_DAYS,
    TEXT_MAX,
    VOUCHER_DAYS_MAX,
    CampaignFields,
    audience_validate,
    campaign_validate,
)

__all__ = [
    "BATCH_SIZE",
    "LEASE_SECONDS",
    "NAME_MAX",
    "REMINDER_CAP_MAX",
    "REMINDER_DAYS_MAX",
    "REMINDER_HOURS",
    "RUN_SECONDS",
    "SCHEDULE_MAX_DAYS",
    "STOP_WORDS",
    "TEST_BROADCASTS_PER_HOUR",
    "TEST_SENDS_PER_HOUR",
    "TEST_VOUCHER_CODE",
    "TEXT_MAX",
    "VOUCHER_DAYS_MAX",
    "CampaignFields",
    "Pacer",
    "audience_validate",
    "broadcast_pacer",
    "broadcast_preview",
    "broadcast_test_send",
    "campaign_cancel",
    "campaign_resume",
    "campaign_save",
    "campaign_send_run",
    "campaign_test_send",
    "campaign_validate",
    "campaigns_due_enqueue",
    "link_click",
    "reminder_rule_save",
    "reminders_send_due",
    "reminders_send_for",
    "stop_reply_receive",
    "stop_word",
    "unsubscribe_confirm",
    "unsubscribe_target",
]
