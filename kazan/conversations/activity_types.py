"""How the conversations app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice, number
from kazan.conversations.models import Conversation, Flow
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


@activity_target("conversations.flow")
def _flows(ids, viewer):
    rows = Flow.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the chatbot flow “%(name)s”") % {"name": name} for pk, name in rows}


FLOW_CHANNEL = Detail(
    t("Channel"), choice([("*", t("All channels")), *CONSENT_CHANNEL_LABELS.items()])
)

activity_type(
    "flow.created",
    label=t("Chatbot flow created"),
    sentence=t("%(actor)s created %(target)s"),
)
activity_type(
    "flow.saved",
    label=t("Chatbot flow saved"),
    sentence=t("%(actor)s saved %(target)s as version %(version)s"),
    details={"version": Detail(t("Version"), number)},
)
activity_type(
    "flow.bound",
    label=t("Chatbot flow set for a channel"),
    sentence=t("%(actor)s set %(target)s to answer on %(channel)s"),
    details={"channel": FLOW_CHANNEL, "restart_keywords": Detail(t("Restart words"), number)},
)
activity_type(
    "flow.unbound",
    label=t("Channel follows all channels' flow"),
    sentence=t("%(actor)s let %(channel)s answer with the flow of all channels"),
    details={"channel": FLOW_CHANNEL},
)
