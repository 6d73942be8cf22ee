"""How the conversations app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice
from kazan.conversations.models import Conversation
from kazan.customers.activity_types import customer_names
from kazan.customers.models import CONSENT_CHANNEL_LABELS


@activity_target("conversations.conversation")
def _conversations(ids, viewer):
    """ "conversation with Anna" (the customer's name as the team's customer pages show it)."""
    rows = list(Conversation.objects.filter(pk__in=ids).values_list("pk", "customer_id"))
    names = customer_names([customer for _pk, customer in rows if customer])
    return {
        pk: _("the conversation with %(name)s") % {"name": names[customer]}
        if customer in names
        else _("a conversation with a visitor")
        for pk, customer in rows
    }


CHANNEL = Detail(t("Channel"), choice(CONSENT_CHANNEL_LABELS.items()))

activity_type(
    "conversation.started",
    label=t("Conversation started"),
    sentence=t("%(actor)s started %(target)s on %(channel)s"),
    details={"channel": CHANNEL},
)
activity_type(
    "conversation.completed",
    label=t("Conversation completed"),
    sentence=t("%(actor)s finished %(target)s"),
)
activity_type(
    "conversation.handed_off",
    label=t("Conversation handed to the team"),
    sentence=t("%(target)s was handed over to the team"),
)
