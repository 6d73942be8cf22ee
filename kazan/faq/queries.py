"""Reads of the faq app, always scoped to a business: the FAQ list and its filters, synonyms,
the FAQ limit, the matcher's answer to a question (`faq_match`), and the unanswered questions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kazan.core.errors import NotFound
from kazan.faq.index_cache import CachedIndex, FaqCard, index_cached, index_warm, shared_vectors
from kazan.faq.matching import FaqEntry, Synonym, index_build
from kazan.faq.models import Faq, FaqQuestion, FaqSynonym
from kazan.faq.richtext import answer_html, answer_text

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

SEARCH_MAX = 200


def question_key(text: str) -> str:
    """A question folded for grouping repeats: case, accents' forms, punctuation and spaces."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()[:500]


# --- FAQs ---------------------------------------------------------------------------------------


def faq_list(
    *,
    business: Business,
    search: str = "",
    category: str = "",
    language: str = "",
    active: bool | None = None,
) -> QuerySet[Faq]:
    """The business's FAQs in their order, filtered; one query whatever the page."""
    faqs = Faq.objects.filter(business=business)
    search = (search or "").strip()[:SEARCH_MAX]
    if search:
        faqs = faqs.filter(Q(question__icontains=search) | Q(answer__icontains=search))
    if category:
        faqs = faqs.filter(category=category)
    if language:
        faqs = faqs.filter(language=language)
    if active is not None:
        faqs = faqs.filter(is_active=active)
    return faqs.order_by("position", "id")


def faq_get(*, business: Business, faq_id: int) -> Faq:
    """One FAQ of the business; another business's id is unknown (404)."""
    faq = Faq.objects.filter(business=business, pk=faq_id).first()
    if faq is None:
        raise NotFound(_("This FAQ does not exist."))
    return faq


def faq_categories(*, business: Business) -> list[str]:
    """The categories the business uses, for the filter and the form's suggestions."""
    return sorted(
        set(
            Faq.objects.filter(business=business)
            .exclude(category="")
            .values_list("category", flat=True)
        )
    )


def faq_count(*, business: Business) -> int:
    return Faq.objects.filter(business=business).count()


# --- synonyms -----------------------------------------------------------------------------------


def synonym_list(*, business: Business) -> QuerySet[FaqSynonym]:
    return FaqSynonym.objects.filter(business=business).order_by("id")


def synonym_get(*, business: Business, synonym_id: int) -> FaqSynonym:
    synonym = FaqSynonym.objects.filter(business=business, pk=synonym_id).first()
    if synonym is None:
        raise NotFound(_("These synonyms do not exist."))
    return synonym


# --- matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaqHit:
    """An FAQ the matcher found, with its confidence (0..1)."""

    card: FaqCard
    confidence: float

    @property
    def id(self) -> int:
        return self.card.id

    @property
    def html(self) -> str:
        return answer_html(self.card.answer)

    @property
    def text(self) -> str:
        return answer_text(self.card.answer)


@dataclass(frozen=True)
class FaqMatch:
    """The answer to a question: `answered` (best is confident), `suggested` (best and the
    runners-up are worth a "Did you mean …?") or `unanswered` (the matcher abstained)."""

    outcome: str
    confidence: float
    best: FaqHit | None = None
    suggestions: tuple[FaqHit, ...] = ()

    @property
    def choices(self) -> tuple[FaqHit, ...]:
        """What a "Did you mean …?" offers: the best guess first, then the runners-up."""
        return ((self.best,) if self.best else ()) + self.suggestions


def _index_build(business_id: int) -> CachedIndex:
    """The business's index from its rows (seconds: the worker does it after each change)."""
    rows = Faq.objects.filter(business_id=business_id, is_active=True).values_list(
        "pk", "question", "alternatives", "answer", "language"
    )
    entries: list[FaqEntry] = []
    cards: dict[str, FaqCard] = {}
    for pk, question, alternatives, answer, language in rows:
        phrasings = tuple(p for p in (question, *(alternatives or [])) if isinstance(p, str) and p)
        entries.append(FaqEntry(str(pk), language, phrasings))
        cards[str(pk)] = FaqCard(pk, question, answer, language)
    synonyms = [
        Synonym(tuple(p for p in phrases if isinstance(p, str)))
        for phrases in FaqSynonym.objects.filter(business_id=business_id).values_list(
            "phrases", flat=True
        )
    ]
    return CachedIndex(index_build(entries, synonyms, shared_vectors), cards)


def faq_index_warm(business_id: int) -> bool:
    """Build the index of the business's current FAQs and share it with every process, unless
    that is done already (the background task after a change). True when it built."""
    return index_warm(business_id, lambda: _index_build(business_id))


def faq_card(*, business: Business, faq_id: int) -> FaqCard | None:
    """An active FAQ as a reply shows it (from the cached index: no query while unchanged)."""
    cached = index_cached(business.pk, lambda: _index_build(business.pk))
    return cached.cards.get(str(faq_id))


def faq_match(*, business: Business, text: str, language: str | None = None) -> FaqMatch:
    """What the business's active FAQs answer to `text`. The conversation's language is
    preferred, but an FAQ in another language is found too."""
    cached = index_cached(business.pk, lambda: _index_build(business.pk))
    text = (text or "").strip()[:1000]
    if not text or not cached.cards:
        return FaqMatch(FaqQuestion.Outcome.UNANSWERED, 0.0)
    result = cached.index.match(text, language or None)
    runners = tuple(
        FaqHit(cached.cards[m.faq_id], m.confidence)
        for m in result.suggestions
        if m.faq_id in cached.cards and m.faq_id != result.faq_id
    )
    if result.faq_id is None or result.faq_id not in cached.cards:
        return FaqMatch(FaqQuestion.Outcome.UNANSWERED, result.confidence, None, runners)
    best = FaqHit(cached.cards[result.faq_id], result.confidence)
    if result.confidence >= settings.FAQ_ANSWER_CONFIDENCE:
        return FaqMatch(FaqQuestion.Outcome.ANSWERED, result.confidence, best, runners)
    return FaqMatch(FaqQuestion.Outcome.SUGGESTED, result.confidence, best, runners)


# --- the questions visitors asked ---------------------------------------------------------------


def unanswered_list(*, business: Business) -> QuerySet[Any, Any]:
    """Open unanswered questions, repeats grouped (same folded text), newest first, with how
    often each was asked."""
    return (
        FaqQuestion.objects.filter(
            business=business,
            outcome=FaqQuestion.Outcome.UNANSWERED,
            resolution=FaqQuestion.Resolution.OPEN,
        )
        .values("key")
        .annotate(
            count=Count("id"),
            last_at=Max("created_at"),
            text=Max("text"),
            language=Max("language"),
            question_id=Max("id"),
        )
        .order_by("-last_at", "key")
    )


def unanswered_count(*, business: Business) -> int:
    return (
        FaqQuestion.objects.filter(
            business=business,
            outcome=FaqQuestion.Outcome.UNANSWERED,
            resolution=FaqQuestion.Resolution.OPEN,
        )
        .values("key")
        .distinct()
        .count()
    )


def question_get(*, business: Business, question_id: int) -> FaqQuestion:
    question = FaqQuestion.objects.filter(business=business, pk=question_id).first()
    if question is None:
        raise NotFound(_("This question does not exist."))
    return question
