"""The FAQ in conversations: the fallback that answers what no step expects (when the
business's bot settings have "answer from the FAQ" on), the pick of a "Did you mean …?"
option, and the `faq_answer` action a flow calls after asking "What would you like to know?".

A conversation that is not saved (the flow editor's preview) gets the same answers, but
nothing is logged or counted."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kazan.conversations.engine import ActionResult, action
from kazan.core.errors import NotFound
from kazan.faq.error_codes import FaqErrorCode
from kazan.faq.replies import answer_reply, command_faq_id, match_replies
from kazan.faq.services import faq_ask, faq_click_record

if TYPE_CHECKING:
    from kazan.conversations.engine import Context, Inbound, Step


def _records(ctx: "Context") -> bool:
    return ctx.conversation.pk is not None


def _ask(ctx: "Context", text: str) -> list[dict] | None:
    match = faq_ask(
        business=ctx.business,
        text=text,
        language=ctx.language,
        channel=ctx.channel,
        record=_records(ctx),
    )
    return match_replies(match)


class FaqFallback:
    """Answers from the business's active FAQs; abstains (None) when the matcher does, and
    the question is then listed as unanswered in the dashboard."""

    key = "faq"

    def enabled(self, bot_settings) -> bool:
        return bool(bot_settings and bot_settings.faq_fallback)

    def answer(self, ctx: "Context", inbound: "Inbound") -> list[dict] | None:
        text = inbound.text.strip()
        return _ask(ctx, text) if text else None

    def command(self, ctx: "Context", value: str) -> list[dict]:
        """A "Did you mean …?" pick: that FAQ's answer (counted as a click)."""
        faq_id = command_faq_id(value)
        card = (
            faq_click_record(business=ctx.business, faq_id=faq_id, record=_records(ctx))
            if faq_id is not None
            else None
        )
        if card is None:
            return [{"type": "error", "text": str(_("Sorry, this answer is no longer available."))}]
        return [answer_reply(card)]


@action("faq_answer")
def faq_answer(ctx: "Context", step: "Step") -> ActionResult:
    """Answers the question in the state's `question` (or the message just received) from the
    FAQ. Without an answer it raises NotFound with code `faq_no_answer`, so the step's
    `on_error` decides what follows (a person, another question)."""
    # The question leaves the state once read: it is logged (scrubbed) by faq_ask, not kept.
    question = str(ctx.state.pop(step.get("var") or "question", None) or "")
    if not question and ctx.inbound is not None:
        question = ctx.inbound.text
    replies = _ask(ctx, question.strip()) if question.strip() else None
    if not replies:
        raise NotFound(_("Sorry, I have no answer to that yet."), code=FaqErrorCode.NO_ANSWER)
    return ActionResult(replies=replies)
