"""Writes of a business's FAQs and synonyms. Each one records activity and bumps the
business's FAQ version, so every process rebuilds its matcher index on the next question."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.core.entitlements import Limit, plan_allows
from kazan.core.errors import Conflict, ValidationFailed
from kazan.faq.error_codes import FaqErrorCode
from kazan.faq.index_cache import version_bump
from kazan.faq.models import ANSWER_MAX, CATEGORY_MAX, QUESTION_MAX, Faq, FaqSynonym
from kazan.faq.tasks import faq_index_warm

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

ALTERNATIVES_MAX = 50
PHRASES_MAX = 20
PHRASE_MAX = 100


def _invalid(message: Any) -> ValidationFailed:
    return ValidationFailed(message, code=FaqErrorCode.INVALID_FAQ)


def _line(text: object) -> str:
    return " ".join(str(text or "").split())


def faq_clean(
    *,
    question: str,
    alternatives: Iterable[str],
    answer: str,
    language: str,
    category: str = "",
) -> dict[str, Any]:
    """The FAQ's fields checked and tidied (one line each; other phrasings without repeats),
    or ValidationFailed saying what is wrong."""
    question = _line(question)
    if not question:
        raise _invalid(_("Please write the question."))
    if len(question) > QUESTION_MAX:
        raise _invalid(
            _("The question is too long (at most %(max)d characters).") % {"max": QUESTION_MAX}
        )
    seen = {question.casefold()}
    others: list[str] = []
    for raw in alternatives or ():
        phrasing = _line(raw)
        if not phrasing or phrasing.casefold() in seen:
            continue
        if len(phrasing) > QUESTION_MAX:
            raise _invalid(
                _("A phrasing is too long (at most %(max)d characters).") % {"max": QUESTION_MAX}
            )
        seen.add(phrasing.casefold())
        others.append(phrasing)
    if len(others) > ALTERNATIVES_MAX:
        raise _invalid(_("At most %(max)d other phrasings.") % {"max": ALTERNATIVES_MAX})
    answer = str(answer or "").replace("\r\n", "\n").strip()
    if not answer:
        raise _invalid(_("Please write the answer."))
    if len(answer) > ANSWER_MAX:
        raise _invalid(
            _("The answer is too long (at most %(max)d characters).") % {"max": ANSWER_MAX}
        )
    if language not in dict(settings.LANGUAGES):
        raise _invalid(_("Please choose one of the languages."))
    category = _line(category)
    if len(category) > CATEGORY_MAX:
        raise _invalid(
            _("The category is too long (at most %(max)d characters).") % {"max": CATEGORY_MAX}
        )
    return {
        "question": question,
        "alternatives": others,
        "answer": answer,
        "language": language,
        "category": category,
    }


def _duplicate_check(*, business: Business, fields: dict[str, Any], faq: Faq | None) -> None:
    clash = Faq.objects.filter(
        business=business, language=fields["language"], question__iexact=fields["question"]
    )
    if faq is not None:
        clash = clash.exclude(pk=faq.pk)
    if clash.exists():
        raise Conflict(
            _("An FAQ with this question already exists in this language."),
            code=FaqErrorCode.DUPLICATE_QUESTION,
        )


def faqs_changed(business: Business) -> None:
    """After any write to the business's FAQs or synonyms: every process sees a new version,
    and once the transaction commits the worker builds and shares its index (one task a write,
    however many rows it touched)."""
    version_bump(business.pk)
    transaction.on_commit(lambda: faq_index_warm.enqueue(business.pk))


def faq_create(
    *,
    business: Business,
    actor: Actor,
    question: str,
    answer: str,
    language: str,
    alternatives: Iterable[str] = (),
    category: str = "",
    is_active: bool = True,
    actor_kind: str | None = None,
) -> Faq:
    """A new FAQ at the end of the list, within the business's plan (its FAQ limit)."""
    fields = faq_clean(
        question=question,
        alternatives=alternatives,
        answer=answer,
        language=language,
        category=category,
    )
    with transaction.atomic():
        plan_allows(business=business, key=Limit.FAQS)
        _duplicate_check(business=business, fields=fields, faq=None)
        last = Faq.objects.filter(business=business).aggregate(last=Max("position"))["last"]
        try:
            with transaction.atomic():
                faq = Faq.objects.create(
                    business=business,
                    is_active=bool(is_active),
                    position=(last or 0) + 1,
                    **fields,
                )
        except IntegrityError as error:  # the same question saved at the same moment
            raise Conflict(
                _("An FAQ with this question already exists in this language."),
                code=FaqErrorCode.DUPLICATE_QUESTION,
            ) from error
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="faq.created",
            target=faq,
            data={"language": faq.language},
        )
        faqs_changed(business)
    return faq


def faq_update(
    *,
    business: Business,
    actor: Actor,
    faq: Faq,
    actor_kind: str | None = None,
    **changes: Any,
) -> Faq:
    """Changes the given fields (question, alternatives, answer, language, category,
    is_active); the others stay."""
    current = {
        "question": faq.question,
        "alternatives": faq.alternatives,
        "answer": faq.answer,
        "language": faq.language,
        "category": faq.category,
    }
    unknown = set(changes) - {*current, "is_active"}
    if unknown:
        raise TypeError(f"unknown FAQ fields {sorted(unknown)}")
    is_active = changes.pop("is_active", None)
    if is_active is None:
        is_active = faq.is_active
    fields = faq_clean(**{**current, **{k: v for k, v in changes.items() if v is not None}})
    changed = sorted(k for k, v in fields.items() if v != current[k])
    if bool(is_active) != faq.is_active:
        changed.append("is_active")
    with transaction.atomic():
        _duplicate_check(business=business, fields=fields, faq=faq)
        for key, value in fields.items():
            setattr(faq, key, value)
        faq.is_active = bool(is_active)
        faq.save()
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="faq.updated",
            target=faq,
            data={"fields": changed},
        )
        faqs_changed(business)
    return faq


def faq_toggle(
    *, business: Business, actor: Actor, faq: Faq, active: bool, actor_kind: str | None = None
) -> Faq:
    """Switches an FAQ on or off: an inactive FAQ is kept but never answers."""
    with transaction.atomic():
        faq.is_active = bool(active)
        faq.save(update_fields=["is_active", "updated_at"])
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="faq.activated" if active else "faq.deactivated",
            target=faq,
        )
        faqs_changed(business)
    return faq


def faq_delete(
    *, business: Business, actor: Actor, faq: Faq, actor_kind: str | None = None
) -> None:
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="faq.deleted",
            target=faq,
            data={"language": faq.language},
        )
        faq.delete()
        faqs_changed(business)


# --- synonyms -----------------------------------------------------------------------------------


def synonym_clean(phrases: Iterable[str]) -> list[str]:
    """Two or more distinct phrases of one line each."""
    cleaned: list[str] = []
    for raw in phrases or ():
        phrase = _line(raw)
        if phrase and phrase.casefold() not in {p.casefold() for p in cleaned}:
            if len(phrase) > PHRASE_MAX:
                raise ValidationFailed(
                    _("A phrase is too long (at most %(max)d characters).") % {"max": PHRASE_MAX},
                    code=FaqErrorCode.INVALID_SYNONYM,
                )
            cleaned.append(phrase)
    if not 2 <= len(cleaned) <= PHRASES_MAX:
        raise ValidationFailed(
            _("Please give 2 to %(max)d different phrases that mean the same.")
            % {"max": PHRASES_MAX},
            code=FaqErrorCode.INVALID_SYNONYM,
        )
    return cleaned


def _synonym_saved(
    business: Business, actor: Actor, actor_kind: str | None, action: str, synonym: FaqSynonym
) -> None:
    """A created or updated synonym group: recorded with its size, and the matcher's index
    rebuilt."""
    activity_record(
        business=business,
        actor=actor,
        actor_kind=actor_kind,
        action=action,
        target=synonym,
        data={"phrases": len(synonym.phrases)},
    )
    faqs_changed(business)


def synonym_create(
    *, business: Business, actor: Actor, phrases: Iterable[str], actor_kind: str | None = None
) -> FaqSynonym:
    cleaned = synonym_clean(phrases)
    with transaction.atomic():
        synonym = FaqSynonym.objects.create(business=business, phrases=cleaned)
        _synonym_saved(business, actor, actor_kind, "faq.synonyms_created", synonym)
    return synonym


def synonym_update(
    *,
    business: Business,
    actor: Actor,
    synonym: FaqSynonym,
    phrases: Iterable[str],
    actor_kind: str | None = None,
) -> FaqSynonym:
    cleaned = synonym_clean(phrases)
    with transaction.atomic():
        synonym.phrases = cleaned
        synonym.save(update_fields=["phrases", "updated_at"])
        _synonym_saved(business, actor, actor_kind, "faq.synonyms_updated", synonym)
    return synonym


def synonym_delete(
    *, business: Business, actor: Actor, synonym: FaqSynonym, actor_kind: str | None = None
) -> None:
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="faq.synonyms_deleted",
            target=synonym,
        )
        synonym.delete()
        faqs_changed(business)
