"""How the campaigns app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, date, number
from kazan.campaigns.models import Campaign


@activity_target("campaigns.campaign")
def _campaigns(ids, viewer):
    rows = Campaign.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the campaign “%(name)s”") % {"name": name} for pk, name in rows}


@activity_target("campaigns.reminderrule")
def _reminder_rules(ids, viewer):
    return {pk: _("the automatic reminders") for pk in ids}


PLAN = {
    "recipients": Detail(t("Recipients"), number),
    "credits": Detail(t("SMS credits needed"), number),
}
OUTCOME = {
    "recipients": Detail(t("Sent to"), number),
    "skipped": Detail(t("Skipped"), number),
    "unsent": Detail(t("Not sent"), number),
}

activity_type(
    "campaign.created",
    label=t("Campaign drafted"),
    sentence=t("%(actor)s saved %(target)s as a draft"),
    details=PLAN,
)
activity_type(
    "campaign.scheduled",
    label=t("Campaign scheduled"),
    sentence=t("%(actor)s scheduled %(target)s"),
    details=PLAN,
)
activity_type(
    "campaign.updated",
    label=t("Campaign changed"),
    sentence=t("%(actor)s changed %(target)s"),
    details=PLAN,
)
activity_type(
    "campaign.cancelled",
    label=t("Campaign cancelled"),
    sentence=t("%(actor)s cancelled %(target)s"),
)
activity_type(
    "campaign.resumed",
    label=t("Campaign resumed"),
    sentence=t("%(actor)s resumed %(target)s"),
)
activity_type(
    "campaign.sent",
    label=t("Campaign sent"),
    sentence=t("%(target)s was sent to %(recipients)s customers"),
    details=OUTCOME,
)
activity_type(
    "campaign.stopped",
    label=t("Campaign stopped"),
    sentence=t("%(target)s stopped before reaching everyone (%(unsent)s not sent)"),
    details=OUTCOME,
)
activity_type(
    "reminders.updated",
    label=t("Reminders changed"),
    sentence=t("%(actor)s changed %(target)s"),
    details={
        "enabled": Detail(t("On")),
        "days": Detail(t("Days without an SMS"), number),
        "cap": Detail(t("Reminders per customer"), number),
    },
)
activity_type(
    "reminders.sent",
    label=t("Reminders sent"),
    sentence=t("%(count)s reminders sent on %(day)s"),
    details={"count": Detail(t("Reminders"), number), "day": Detail(t("Day"), date)},
)
activity_type(
    "campaign.test_sent",
    label=t("Campaign test sent"),
    sentence=t("%(actor)s sent a test of %(target)s to their own phone"),
    details={
        "channel": Detail(t("Channel")),
        "credits": Detail(t("Credits charged"), number),
    },
)
activity_type(
    "campaign.test_broadcast",
    label=t("Broadcast test sent"),
    sentence=t("%(actor)s sent %(target)s to the team's own %(channel)s chats"),
    details={"channel": Detail(t("Channel")), "chats": Detail(t("Chats"), number)},
)
