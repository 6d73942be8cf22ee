"""How the messaging app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice, number
from kazan.core.masking import phone_mask
from kazan.messaging.models import (
    OtpChallenge,
    OutboundMessage,
    Purpose,
    SmsCreditEntry,
)


@activity_target("messaging.outboundmessage")
def _messages(ids, viewer):
    """The number an SMS went to, masked (+49••••678): it decrypts only here."""
    messages = OutboundMessage.objects.filter(pk__in=ids).only("pk", "to")
    return {message.pk: phone_mask(message.to) or "—" for message in messages}


@activity_target("messaging.otpchallenge")
def _otp_challenges(ids, viewer):
    """The number a code went to, masked; the challenge keeps only a blind index of it, the
    message it went out in keeps the (encrypted) number."""
    challenges = OtpChallenge.objects.filter(pk__in=ids).select_related("message")
    return {
        challenge.pk: phone_mask(challenge.message.to) if challenge.message else "—"
        for challenge in challenges
    }


def _credit_notes(entries) -> dict[int, dict[str, str]]:
    """The note written with a credit entry (staff's reason for an adjustment), in one query."""
    ids = [int(entry.target_id) for entry in entries if entry.target_id.isdigit()]
    notes = dict(SmsCreditEntry.objects.filter(pk__in=ids).values_list("pk", "note"))
    return {
        entry.pk: {"note": notes.get(int(entry.target_id)) or "—"}
        for entry in entries
        if entry.target_id.isdigit()
    }


AMOUNT = Detail(t("SMS credits"), number)
BALANCE = Detail(t("Balance after"), number)
CREDITS = {"amount": AMOUNT, "balance_after": BALANCE}
FAILURE = {
    "code": Detail(t("Error code")),
    "attempts": Detail(t("Attempts"), number),
    "refunded": Detail(t("Credits refunded"), number),
}

activity_type(
    "sms.queued",
    label=t("SMS sent"),
    sentence=t("%(actor)s sent an SMS (%(purpose)s) to %(target)s"),
    details={
        "purpose": Detail(t("Purpose"), choice(Purpose.choices)),
        "segments": Detail(t("Parts"), number),
    },
)
activity_type(
    "sms.failed",
    label=t("SMS not delivered"),
    sentence=t("An SMS to %(target)s could not be delivered"),
    details=FAILURE,
)
activity_type(
    "sms_credits.granted",
    label=t("SMS credits granted"),
    sentence=t("%(actor)s granted %(amount)s SMS credits"),
    details=CREDITS,
)
activity_type(
    "sms_credits.purchased",
    label=t("SMS credits bought"),
    sentence=t("%(actor)s added %(amount)s bought SMS credits"),
    details=CREDITS,
)
activity_type(
    "sms_credits.adjusted",
    label=t("SMS credits adjusted"),
    sentence=t("%(actor)s changed the SMS credits by %(amount)s: %(note)s"),
    details=CREDITS,
    load=_credit_notes,
)
activity_type(
    "otp.sent",
    label=t("Verification code sent"),
    sentence=t("Verification code sent by SMS to %(target)s"),
)
activity_type(
    "otp.verified",
    label=t("Phone number verified"),
    sentence=t("The phone number %(target)s was verified with the code sent to it"),
)
activity_type(
    "message.queued",
    label=t("Message sent"),
    sentence=t("%(actor)s sent a message (%(purpose)s) on %(channel)s"),
    details={"purpose": Detail(t("Purpose"), choice(Purpose.choices))},
)
