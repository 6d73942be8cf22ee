"""The questions visitors ask: the matcher's answer, logged (scrubbed of emails and phone
numbers) and counted; a "Did you mean …?" pick; and the business resolving the unanswered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.core.errors import ValidationFailed
from kazan.core.logging import redact
from kazan.faq.error_codes import FaqErrorCode
from kazan.faq.index_cache import FaqCard
from kazan.faq.models import ASKED_MAX, FaqQuestion
from kazan.faq.queries import FaqMatch, faq_card, faq_match, question_key

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

COUNTED = {
    FaqQuestion.Outcome.ANSWERED: EventKind.FAQ_ANSWERED,
    FaqQuestion.Outcome.UNANSWERED: EventKind.FAQ_UNANSWERED,
}


def faq_question_record(
    *, business: Business, text: str, language: str, channel: str, match: FaqMatch
) -> FaqQuestion:
    """Logs a question and its outcome, with no personal data (emails and phone numbers
    masked), and counts an answer shown or a miss."""
    scrubbed = redact(" ".join((text or "").split()))[:ASKED_MAX]
    question = FaqQuestion.objects.create(
        business=business,
        text=scrubbed,
        key=question_key(scrubbed),
        language=(language or "")[:8],
        channel=(channel or "")[:16],
        outcome=match.outcome,
        faq_id=match.best.id if match.best else None,
        confidence=round(float(match.confidence), 4),
    )
    kind = COUNTED.get(FaqQuestion.Outcome(match.outcome))
    if kind is not None:
        event_count(business=business, kind=kind)
    return question


def faq_ask(
    *, business: Business, text: str, language: str, channel: str, record: bool = True
) -> FaqMatch:
    """What the FAQs answer to a visitor's question, logged and counted (unless `record` is
    off: the flow editor's preview writes nothing)."""
    match = faq_match(business=business, text=text, language=language)
    if record and (text or "").strip():
        faq_question_record(
            business=business, text=text, language=language, channel=channel, match=match
        )
    return match


def faq_click_record(*, business: Business, faq_id: int, record: bool = True) -> FaqCard | None:
    """A "Did you mean …?" pick: the chosen active FAQ (None when it is gone), counted as a
    click and as an answer shown."""
    card = faq_card(business=business, faq_id=faq_id)
    if card is not None and record:
        event_count(business=business, kind=EventKind.FAQ_CLICKED)
        event_count(business=business, kind=EventKind.FAQ_ANSWERED)
    return card


def unanswered_resolve(
    *, business: Business, actor: Actor, question: FaqQuestion, resolution: str
) -> int:
    """Marks a question and its open repeats (same folded text) as added as an FAQ or
    dismissed: they leave the unanswered list. Returns how many rows it resolved."""
    if resolution not in (FaqQuestion.Resolution.ADDED, FaqQuestion.Resolution.DISMISSED):
        raise ValidationFailed(_("Unknown resolution."), code=FaqErrorCode.INVALID_FAQ)
    with transaction.atomic():
        count = FaqQuestion.objects.filter(
            business=business,
            key=question.key,
            outcome=FaqQuestion.Outcome.UNANSWERED,
            resolution=FaqQuestion.Resolution.OPEN,
        ).update(resolution=resolution)
        activity_record(
            business=business,
            actor=actor,
            action=f"faq.question_{resolution}",
            target=question,
            data={"questions": count},
        )
    return count
