"""Conversation tools: an answer from the business's FAQs, the welcome (first name only) and
the generic replies (greeting, thanks, goodbye, the polite decline of off-topic requests)."""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from django.utils.translation import gettext

from kazan.agent.tools.registry import Tool, ToolFailed, ToolScope, tool_register


class FaqArgs(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)
    question: str = pydantic.Field(min_length=2, max_length=500)


def get_faq_info(scope: ToolScope, args: FaqArgs) -> dict[str, Any]:
    from kazan.faq.queries import faq_match

    match = faq_match(business=scope.business, text=args.question, language=scope.language)
    if match.outcome != "answered" or match.best is None:
        raise ToolFailed("faq_unanswered", "No FAQ answers this.",
                         {"suggestions": [h.card.question for h in match.choices][:3]})  # fmt: skip
    return {
        "faq_id": match.best.id,
        "question": match.best.card.question,
        "answer": match.best.text,
        "confidence": round(match.confidence, 3),
    }


class NoArgs(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")


def first_name(scope: ToolScope) -> str:
    """The only personal data the chat (or a model's prompt) ever gets: the first name."""
    name = (getattr(scope.customer, "name", "") or "").strip()
    return name.split()[0][:40] if name else ""


def welcome_user(scope: ToolScope, args: NoArgs) -> dict[str, Any]:
    name = first_name(scope)
    if name:
        text = gettext("Hello %(name)s! Welcome to %(business)s.") % {
            "name": name,
            "business": scope.business.name,
        }
    else:
        text = gettext("Hello! Welcome to %(business)s.") % {"business": scope.business.name}
    return {
        "first_name": name,
        "business": scope.business.name,
        "text": text + " " + help_text(),
    }


def help_text() -> str:
    return gettext(
        "I can show you our products, find something for your budget, answer questions about "
        "our shop, fill your cart and place your order."
    )


GENERIC_KINDS = ("greeting", "thanks", "goodbye", "decline", "help")


class GenericArgs(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    kind: Literal["greeting", "thanks", "goodbye", "decline", "help"]


def generic_text(kind: str, business_name: str) -> str:
    if kind == "greeting":
        return gettext("Hello! How can I help you today?") + " " + help_text()
    if kind in ("thanks", "goodbye"):
        return gettext(
            "Thank you! If you have questions about your order or our products, just write "
            "here. Have a nice day!"
        )
    if kind == "decline":
        return (
            gettext(
                "Sorry, I can only help with %(business)s: our products, your orders and questions "
                "about our shop."
            )
            % {"business": business_name}
            + " "
            + help_text()
        )
    return help_text()


def get_generic_response(scope: ToolScope, args: GenericArgs) -> dict[str, Any]:
    if args.kind not in GENERIC_KINDS:  # pragma: no cover - the Literal refuses it
        raise ToolFailed("unknown_kind")
    return {"kind": args.kind, "text": generic_text(args.kind, scope.business.name)}


def register() -> None:
    tool_register(
        Tool(
            "get_faq_info",
            "Answer a question about the shop (delivery, returns, payment…) from its FAQs.",
            FaqArgs,
            get_faq_info,
        )
    )
    tool_register(Tool("welcome_user", "Greet the customer by first name.", NoArgs, welcome_user))
    tool_register(
        Tool(
            "get_generic_response",
            "A short generic reply: greeting, thanks, goodbye, help, or the polite decline of a "
            "request outside the shop (the assistant only helps with the shop).",
            GenericArgs,
            get_generic_response,
        )
    )
