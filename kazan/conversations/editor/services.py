"""The flow editor's write use-cases: save a flow as a new version, create one from a template,
bind flows to channels, set what the bot does when it does not understand. Saving goes through
flowstore.flow_version_save, so the engine's check runs on every save and a running
conversation keeps the version it started with."""

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.conversations.error_codes import ConversationsErrorCode
from kazan.conversations.flowstore import ANY_CHANNEL, flow_version_save
from kazan.conversations.models import BotSettings, Flow, FlowBinding, FlowVersion
from kazan.core.db import insert_or_fetch
from kazan.core.errors import NotFound, ValidationFailed
from kazan.customers.queries import IDENTITY_CHANNEL_CHOICES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

TEMPLATES = ("blank", "menu")
KEY_MAX = 40
KEYWORDS_MAX = 10
# Misunderstood messages in a row before a person takes over (0: never).
MISSES_MAX = 20


def channel_choices() -> list[tuple[str, "StrOrPromise"]]:
    """The channels a flow can be bound to ("*": every channel without its own binding)."""
    return [(ANY_CHANNEL, str(_("All channels"))), *IDENTITY_CHANNEL_CHOICES]


def flow_save(
    *,
    business: "Business",
    flow: Flow,
    name: str,
    definition: dict[str, Any],
    actor: "User",
) -> FlowVersion:
    """Saves the edited definition as the flow's next version (the engine checks it first:
    a ValidationFailed says why it was refused, and nothing is saved)."""
    if flow.business_id != business.pk:
        raise NotFound()
    with transaction.atomic():
        version = flow_version_save(
            business=business, key=flow.key, name=name, definition=definition, actor=actor
        )
        activity_record(
            business=business,
            actor=actor,
            action="flow.saved",
            target=flow,
            data={"version": version.number},
        )
    return version


def _template(kind: str) -> dict[str, Any]:
    """A starting definition in the active language: a greeting, or a small menu whose options
    answer, ask for a wish or hand over to a person."""
    if kind == "blank":
        return {
            "start": "greeting",
            "steps": {"greeting": {"type": "say", "text": gettext("Hello! How can we help?")}},
        }
    return {
        "start": "greeting",
        "steps": {
            "greeting": {
                "type": "say",
                "text": gettext("Welcome to %(business)s!"),
                "next": "menu",
            },
            "menu": {
                "type": "choose",
                "prompt": gettext("What can we do for you?"),
                "var": "topic",
                "choices": [
                    {"value": "hours", "label": gettext("Opening hours"), "next": "hours"},
                    {"value": "wish", "label": gettext("Leave a message"), "next": "wish"},
                    {"value": "person", "label": gettext("Talk to a person"), "next": "person"},
                ],
            },
            "hours": {
                "type": "say",
                "text": gettext("We are open Monday to Saturday, 9:00 to 18:00."),
                "next": "done",
            },
            "wish": {
                "type": "ask",
                "input": "text",
                "var": "wish",
                "prompt": gettext("What would you like to tell us?"),
                "next": "thanks",
            },
            "thanks": {
                "type": "say",
                "text": gettext("Thank you! We will read it soon."),
                "next": "done",
            },
            "person": {
                "type": "handoff",
                "text": gettext("One moment, someone from our team will answer you here."),
            },
            "done": {"type": "end"},
        },
    }


def _localized(definition: dict[str, Any], language: str, business_name: str) -> dict[str, Any]:
    """Template texts become {language: text}, like every text the editor saves (the engine
    shows a business's own text as written, so the name goes in now)."""
    for step in definition["steps"].values():
        for key in ("text", "prompt"):
            if key in step:
                step[key] = {language: step[key] % {"business": business_name}}
        for choice in step.get("choices", []):
            choice["label"] = {language: choice["label"]}
    return definition


def flow_create(*, business: "Business", name: str, template: str, actor: "User") -> Flow:
    """A new flow of the business, from a template, saved as its version 1 (not bound to any
    channel yet)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Please give the flow a name."), code=ConversationsErrorCode.INVALID_NAME
        )
    if template not in TEMPLATES:
        raise ValidationFailed(
            _("Please choose a template."), code=ConversationsErrorCode.INVALID_TEMPLATE
        )
    base = slugify(name)[: KEY_MAX - 4] or "flow"
    taken = set(
        Flow.objects.filter(business=business, key__startswith=base).values_list("key", flat=True)
    )
    key = next(k for k in [base, *(f"{base}-{n}" for n in range(2, 1000))] if k not in taken)
    with translation.override(business.language):
        definition = _localized(_template(template), business.language, business.name)
    with transaction.atomic():
        version = flow_version_save(
            business=business, key=key, name=name, definition=definition, actor=actor
        )
        activity_record(
            business=business,
            actor=actor,
            action="flow.created",
            target=version.flow,
            data={"template": template},
        )
    return version.flow


def flow_bind(
    *,
    business: "Business",
    flow: Flow | None,
    channel: str,
    restart_keywords: list[str],
    actor: "User",
) -> FlowBinding | None:
    """Makes `flow` answer `channel` ("*": every channel without its own binding), restarted by
    `restart_keywords`. `flow=None` removes a channel's own binding, so it follows "*" again;
    "*" itself always keeps a flow. New conversations follow the change; running ones finish
    the version they started."""
    if channel not in dict(channel_choices()):
        raise ValidationFailed(_("Unknown channel."), code=ConversationsErrorCode.INVALID_CHANNEL)
    if flow is not None and (flow.business_id != business.pk or flow.current_version_id is None):
        raise NotFound()
    if flow is None and channel == ANY_CHANNEL:
        raise ValidationFailed(
            _("All channels need a flow."), code=ConversationsErrorCode.INVALID_FLOW
        )
    keywords = [str(word).strip().upper()[:20] for word in restart_keywords][:KEYWORDS_MAX]
    with transaction.atomic():
        if flow is None:
            deleted, _detail = FlowBinding.objects.filter(
                business=business, channel=channel
            ).delete()
            if deleted:
                activity_record(
                    business=business,
                    actor=actor,
                    action="flow.unbound",
                    data={"channel": channel},
                )
            return None
        binding, _created = FlowBinding.objects.update_or_create(
            business=business,
            channel=channel,
            defaults={"flow": flow, "restart_keywords": keywords},
        )
        activity_record(
            business=business,
            actor=actor,
            action="flow.bound",
            target=flow,
            data={"channel": channel, "restart_keywords": len(keywords)},
        )
    return binding


def bot_settings_update(
    *,
    business: "Business",
    faq_fallback: bool,
    agent_fallback: bool,
    misses_before_handoff: int,
    actor: "User",
) -> BotSettings:
    """Sets the business's fallback chain (engine.missed reads it on the next message): which
    fallbacks may answer, and after how many misunderstood messages in a row a person takes
    over (0: never). The first save inserts the row, race-safely; only a real change is logged,
    as [old, new] per field."""
    if (
        isinstance(misses_before_handoff, bool)
        or not isinstance(misses_before_handoff, int)
        or not 0 <= misses_before_handoff <= MISSES_MAX
    ):
        raise ValidationFailed(
            _("Please choose a number from 0 to %(max)d.") % {"max": MISSES_MAX},
            code=ConversationsErrorCode.INVALID_MISSES,
        )
    values = {
        "faq_fallback": bool(faq_fallback),
        "agent_fallback": bool(agent_fallback),
        "misses_before_handoff": misses_before_handoff,
    }
    with transaction.atomic():
        locked = BotSettings.objects.select_for_update().filter(business=business)
        bot_settings = locked.first()
        if bot_settings is None:
            inserted, _created = insert_or_fetch(
                lambda: BotSettings.objects.create(business=business), locked.first
            )
            bot_settings = inserted
        changed = {
            name: [getattr(bot_settings, name), value]
            for name, value in values.items()
            if getattr(bot_settings, name) != value
        }
        if changed:
            for name, value in values.items():
                setattr(bot_settings, name, value)
            bot_settings.save(update_fields=[*changed, "updated_at"])
            activity_record(
                business=business, actor=actor, action="bot_settings.updated", data=changed
            )
    return bot_settings
