"""How the team inbox's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice
from kazan.conversations.choices import Status
from kazan.customers.queries import IDENTITY_CHANNEL_CHOICES
from kazan.inbox.models import CannedResponse

STATUS = choice(Status.choices)


@activity_target("inbox.cannedresponse")
def _canned_responses(ids, viewer):
    """The canned response by its title (team wording, no personal data)."""
    return dict(CannedResponse.objects.filter(pk__in=ids).values_list("pk", "title"))


activity_type(
    "inbox.replied",
    label=t("Replied in the inbox"),
    sentence=t("%(actor)s replied in %(target)s"),
    details={"channel": Detail(t("Channel"), choice(IDENTITY_CHANNEL_CHOICES))},
)
activity_type(
    "inbox.noted",
    label=t("Internal note written"),
    sentence=t("%(actor)s wrote an internal note in %(target)s"),
)
activity_type(
    "inbox.assigned",
    label=t("Conversation assigned"),
    sentence=t("%(actor)s changed who handles %(target)s"),
)
activity_type(
    "inbox.status_changed",
    label=t("Conversation status changed"),
    sentence=t("%(actor)s changed the status of %(target)s"),
    details={"old": Detail(t("Before"), STATUS), "new": Detail(t("After"), STATUS)},
)
activity_type(
    "inbox.given_back",
    label=t("Conversation given back to the bot"),
    sentence=t("%(actor)s gave %(target)s back to the bot"),
    details={"old": Detail(t("Before"), STATUS)},
)
activity_type(
    "inbox.canned_created",
    label=t("Canned response created"),
    sentence=t("%(actor)s created the canned response %(target)s"),
)
activity_type(
    "inbox.canned_updated",
    label=t("Canned response changed"),
    sentence=t("%(actor)s changed the canned response %(target)s"),
)
activity_type(
    "inbox.canned_deleted",
    label=t("Canned response deleted"),
    sentence=t("%(actor)s deleted the canned response “%(title)s”"),
)
