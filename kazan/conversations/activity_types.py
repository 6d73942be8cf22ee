"""How the conversations app's activity reads for people (see kazan.activity.registry)."""

from django.db.models import Field
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t
from django.utils.translation import pgettext

from kazan.activity.registry import (
    Change,
    Detail,
    activity_target,
    activity_type,
    choice,
    number,
    value_text,
)
from kazan.conversations.models import BotSettings, Conversation, Flow
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


def _switch(value) -> str:
    if isinstance(value, bool):
        return pgettext("a setting", "on") if value else pgettext("a setting", "off")
    return value_text(value)


def _misses(value) -> str:
    return _("never") if value == 0 else number(value)


def _field_label(name: str) -> str:
    field = BotSettings._meta.get_field(name)
    return str(capfirst(field.verbose_name)) if isinstance(field, Field) else name


def _bot_settings_changes(data) -> list[Change]:
    """{"misses_before_handoff": [3, 0]} → "Hand over to a person after this many misunderstood
    messages: 3 → never" (the fields' own labels; the FAQ and assistant switches read on/off)."""
    shows = {"faq_fallback": _switch, "agent_fallback": _switch, "misses_before_handoff": _misses}
    return [
        Change(
            _field_label(key),
            shows[key](value[0]),
            shows[key](value[1]),
        )
        for key, value in data.items()
        if key in shows and isinstance(value, list) and len(value) == 2
    ]


activity_type(
    "bot_settings.updated",
    label=t("Chatbot fallback changed"),
    sentence=t("%(actor)s changed what the chatbot does when it does not understand"),
    changes=_bot_settings_changes,
)
