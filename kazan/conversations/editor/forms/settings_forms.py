"""The editor's other forms: a new flow, which flow answers a channel, and the bot's fallback
settings."""

import re
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kazan.conversations.editor.forms.rows import NAME_MAX
from kazan.conversations.editor.services import KEYWORDS_MAX, MISSES_MAX, channel_choices
from kazan.conversations.flowstore import ANY_CHANNEL
from kazan.conversations.models import BotSettings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_KEYWORD = re.compile(r"^[^\W_]{1,20}$")


class FlowCreateForm(forms.Form):
    TEMPLATES = [("blank", _("Blank")), ("menu", _("Menu with options"))]

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    template = forms.ChoiceField(label=_("Start from"), choices=TEMPLATES, initial="menu")


class BindingForm(forms.Form):
    """Which flow answers one channel, and the words that restart it."""

    channel = forms.ChoiceField(label=_("Channel"), choices=channel_choices)
    flow = forms.TypedChoiceField(label=_("Flow"), coerce=int, required=False, empty_value=None)
    restart_keywords = forms.CharField(
        label=_("Restart words"),
        required=False,
        max_length=300,
        help_text=_("Separated by commas, like START, MENU. A message of one of them starts over."),
    )

    def __init__(self, *args, flows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flow"].choices = [("", _("— as on all channels —"))] + [
            (flow.pk, flow.name) for flow in flows
        ]

    def clean_restart_keywords(self) -> list[str]:
        words = [w.strip().upper() for w in self.cleaned_data["restart_keywords"].split(",")]
        words = [word for word in words if word]
        if len(words) > KEYWORDS_MAX:
            raise ValidationError(_("At most %(max)d restart words."), params={"max": KEYWORDS_MAX})
        for word in words:
            if not _KEYWORD.match(word):
                raise ValidationError(
                    _("“%(word)s”: one word of letters or digits, at most 20."),
                    params={"word": word[:20]},
                )
        return list(dict.fromkeys(words))

    def clean(self):
        data = super().clean()
        if data.get("channel") == ANY_CHANNEL and not data.get("flow"):
            self.add_error("flow", _("All channels need a flow."))
        return data


def _label(name: str) -> "StrOrPromise":
    field = BotSettings._meta.get_field(name)
    return capfirst(field.verbose_name) if isinstance(field, Field) else name


class BotSettingsForm(forms.Form):
    """What the bot does with a message no step expects (the fallback chain, fallbacks.py),
    labelled as the model's fields are. The FAQ and the assistant know no answer yet: switched
    on, they are simply asked first."""

    faq_fallback = forms.BooleanField(
        label=_label("faq_fallback"),
        required=False,
        help_text=_("Coming soon: until then it answers nothing."),
    )
    agent_fallback = forms.BooleanField(
        label=_label("agent_fallback"),
        required=False,
        help_text=_("Coming soon: until then it answers nothing."),
    )
    misses_before_handoff = forms.IntegerField(
        label=_label("misses_before_handoff"),
        min_value=0,
        max_value=MISSES_MAX,
        help_text=_("In a row. 0: never; the bot keeps asking again."),
    )
