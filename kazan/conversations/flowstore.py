"""Flows as data per business (issue 10): saved as versions, bound to channels, the review
funnel seeded as every business's default. A running session keeps the version it started
with; saving only changes what new sessions run."""

import json
import unicodedata

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from kazan.conversations import engine
from kazan.conversations.error_codes import ConversationsErrorCode
from kazan.conversations.models import Flow, FlowBinding, FlowVersion
from kazan.core.db import insert_or_fetch
from kazan.core.errors import ValidationFailed

ANY_CHANNEL = "*"
# A stored definition's size as JSON: far above any useful flow, far below a row that hurts.
DEFINITION_MAX_BYTES = 200_000
# Words that restart the bound flow when a binding names none of its own (case-insensitive;
# their translations in the conversation's language count too).
RESTART_KEYWORDS = ("START", "MENU")


def _plain(value):
    """A flow from code as JSON: lazy texts become their English source (the msgid, which the
    engine translates again at render time)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def flow_validate(definition: dict) -> dict:
    """The definition, checked exactly as the engine runs it (engine.flow_check: known step
    types, each type's own fields, text shapes, bounded sizes, no missing steps), and the
    editor's "order" of the steps when it has one."""
    from kazan.conversations import actions  # noqa: F401 (the actions a flow may name)

    if not isinstance(definition, dict) or not isinstance(definition.get("steps"), dict):
        raise ValidationFailed(
            _("This flow has no steps."), code=ConversationsErrorCode.FLOW_INVALID
        )
    try:
        size = len(json.dumps(definition))
    except (TypeError, ValueError) as error:
        raise ValidationFailed(
            _("This flow is not valid JSON."), code=ConversationsErrorCode.FLOW_INVALID
        ) from error
    if size > DEFINITION_MAX_BYTES:
        raise ValidationFailed(
            _("This flow is too large."), code=ConversationsErrorCode.FLOW_TOO_LARGE
        )
    try:
        engine.flow_check(definition)
        _order_check(definition)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationFailed(
            _("This flow is not valid: %(reason)s") % {"reason": error},
            code=ConversationsErrorCode.FLOW_INVALID,
        ) from error
    return definition


def _order_check(definition: dict) -> None:
    """The optional top-level "order": the editor's order of the steps (a stored JSON object
    keeps no key order), every step named exactly once."""
    order = definition.get("order")
    if order is None:
        return
    names = order if isinstance(order, list) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise ValueError("the order must be a list of the step names")
    if sorted(names) != sorted(definition["steps"]):
        raise ValueError("the order must name every step exactly once")


def review_funnel_definition() -> dict:
    """The seeded default flow as stored: plain JSON with English msgids."""
    from kazan.conversations.flows import REVIEW_FUNNEL, review_funnel

    with translation.override(None):
        return _plain({**review_funnel, "key": REVIEW_FUNNEL})


def flow_version_save(
    *, business, key: str, name: str, definition: dict, actor=None
) -> FlowVersion:
    """Saves a new version of the business's flow `key` (created if new) and makes it current."""
    definition = flow_validate(_plain({**definition, "key": key}))
    with transaction.atomic():
        flow, _created = insert_or_fetch(
            lambda: Flow.objects.create(business=business, key=key, name=name),
            lambda: Flow.objects.filter(business=business, key=key).first(),
        )
        flow = Flow.objects.select_for_update().get(pk=flow.pk)
        number = (flow.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = FlowVersion.objects.create(
            business=business, flow=flow, number=number, definition=definition, created_by=actor
        )
        flow.current_version = version
        flow.name = name or flow.name
        flow.save(update_fields=["current_version", "name", "updated_at"])
    return version


def flow_default_ensure(*, business) -> Flow:
    """The business's default flow (the review funnel), seeded on first use and bound to every
    channel. (Businesses that existed before flows were data got it in migration 0003.)"""
    from kazan.conversations.flows import REVIEW_FUNNEL

    flow = Flow.objects.filter(business=business, key=REVIEW_FUNNEL).first()
    if flow is None or flow.current_version_id is None:
        with translation.override(None):
            flow_version_save(
                business=business,
                key=REVIEW_FUNNEL,
                name=str(_("Review and voucher")),
                definition=review_funnel_definition(),
            )
        flow = Flow.objects.get(business=business, key=REVIEW_FUNNEL)
    insert_or_fetch(
        lambda: FlowBinding.objects.create(business=business, channel=ANY_CHANNEL, flow=flow),
        lambda: FlowBinding.objects.filter(business=business, channel=ANY_CHANNEL).first(),
    )
    return flow


def binding_for_channel(*, business, channel: str) -> FlowBinding:
    """The binding that answers on `channel` (its own, else the one for every channel), with
    its flow's current version; the default flow is seeded when the business has none."""
    for _attempt in range(2):
        binding = (
            FlowBinding.objects.filter(business=business, channel__in=[channel, ANY_CHANNEL])
            .select_related("flow__current_version")
            .order_by("-channel")  # a channel's own binding ("web") sorts before "*"
            .first()
        )
        if binding is not None and binding.flow.current_version is not None:
            return binding
        flow_default_ensure(business=business)
    raise RuntimeError("the default flow could not be bound")


def flow_for_channel(*, business, channel: str) -> FlowVersion:
    """The current version of the flow bound to `channel` (or to every channel)."""
    version = binding_for_channel(business=business, channel=channel).flow.current_version
    if version is None:  # binding_for_channel returns only a flow that has a version
        raise RuntimeError("the bound flow has no version")
    return version


def keyword_fold(text: str) -> str:
    """A typed word as keywords compare: trimmed, casefolded, accents dropped (a guest who types
    "menu" or "basla" means MENÜ or BAŞLA)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).replace("ı", "i")


def restart_keywords(binding: FlowBinding) -> set[str]:
    """The words that restart `binding`'s flow (folded by `keyword_fold`), with their
    translations in the active language."""
    return restart_words(binding.restart_keywords)


def restart_words(stored: object) -> set[str]:
    """`restart_keywords` from a binding's stored list (the defaults when it names none)."""
    words = [str(word) for word in stored] if isinstance(stored, list) and stored else []
    translated = [
        pgettext("chat keyword that restarts the bot", "START"),
        pgettext("chat keyword that restarts the bot", "MENU"),
    ]
    chosen = words or list(RESTART_KEYWORDS)
    return {keyword_fold(word) for word in chosen + translated if word.strip()}
