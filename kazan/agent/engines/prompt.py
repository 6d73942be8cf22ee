"""What the LLM engine sends to the model, and nothing more: the system prompt (the business's
own or a basic retail template, the tone, the guardrails), the retrieved products and FAQs, the
last N messages of the conversation as plain text, and the customer's first name. Every text
that came from a customer passes `scrub` first: emails, phone numbers and the customer's own
surname, email, phone and address are masked (seed 002: "we do not share your personal data
with any external AI model")."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django.conf.locale import LANG_INFO
from django.utils import translation
from django.utils.translation import gettext as _

from kazan.core.logging import redact
from kazan.core.money import money_format

if TYPE_CHECKING:
    from kazan.agent.models import AgentSettings
    from kazan.conversations.models import Conversation
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

# How much of the catalog and the FAQs goes into one prompt.
PRODUCTS_IN_CONTEXT = 5
FAQS_IN_CONTEXT = 3
DESCRIPTION_CHARS = 400
MESSAGE_CHARS = 1000


def _known_values(customer: Customer | None) -> list[str]:
    """The customer's own details that must never reach the model, longest first."""
    if customer is None:
        return []
    values: list[str] = []
    parts = (customer.name or "").split()
    values += parts[1:]  # the surname(s); the first name may stay
    values += [customer.email or "", customer.phone_e164 or ""]
    if customer.phone_e164:
        values.append(customer.phone_e164.lstrip("+"))
    try:
        address = json.loads(customer.address) if customer.address else {}
    except ValueError:
        address = {"text": customer.address}
    if isinstance(address, dict):
        values += [str(value) for value in address.values() if value]
    return sorted({v.strip() for v in values if len(v.strip()) >= 3}, key=len, reverse=True)


def scrub(text: str, customer: Customer | None = None) -> str:
    """`text` with emails and phone numbers masked, and the customer's own surname, email,
    phone and address parts replaced, whatever the case."""
    cleaned = redact(text or "")
    for value in _known_values(customer):
        cleaned = re.sub(re.escape(value), "[private]", cleaned, flags=re.IGNORECASE)
    return cleaned


def language_name(language: str) -> str:
    return str(LANG_INFO.get(language, {}).get("name", language or "English"))


TONES = {
    "friendly": "Write warmly and simply, like a helpful shop assistant; short paragraphs.",
    "formal": "Write politely and formally, addressing the customer with the formal form.",
    "concise": "Answer in as few words as possible; no small talk.",
}


def default_prompt(*, business: Business) -> str:
    """The basic retail template (seed 002), in the language active at the call."""
    return _(
        "You are the shopping assistant of %(business)s on WhatsApp. Help customers find "
        "products and services of the catalog, answer questions about them and about the "
        "shop, manage their cart, place orders and tell them how their orders are doing."
    ) % {"business": business.name}


def guardrails(*, business: Business, language: str, first_name: str) -> str:
    """The rules added to every prompt, the business's own included: a business cannot
    switch them off."""
    rules = [
        f"Only help with {business.name}'s catalog, cart, orders and frequently asked questions. "
        "Politely decline anything else (general knowledge, other shops, writing, coding, "
        "advice) in one sentence and offer help with the shop instead.",
        "Use the tools for products, prices, stock, the cart and orders; never invent a "
        "product, a price, a delivery date or an order.",
        "Never ask for personal data (address, email, phone, payment card) in the chat: "
        "registration, payment and personal data are handled on secure pages whose links the "
        "tools send. Never reveal anything about other customers.",
        "Links are sent to the customer separately: do not write URLs.",
        f"Always answer in {language_name(language)}.",
    ]
    if first_name:  # the only personal datum a prompt may carry
        rules.append(f"The customer's first name is {first_name}.")
    return "\n".join(f"- {rule}" for rule in rules)


def system_prompt(
    *,
    business: Business,
    settings: AgentSettings,
    language: str,
    first_name: str,
    context: str,
) -> str:
    with translation.override(language or business.language):
        base = (settings.system_prompt or "").strip() or default_prompt(business=business)
    parts = [
        base,
        TONES.get(settings.tone, TONES["friendly"]),
        "Rules:\n" + guardrails(business=business, language=language, first_name=first_name),
    ]
    if context:
        parts.append(context)
    return "\n\n".join(parts)


def _product_line(hit: Any, language: str) -> str:
    product, price = hit.product, hit.price
    amount = money_format(price.final_minor, price.currency, language)
    if price.discount_minor:
        amount += f" ({money_format(price.unit_minor, price.currency, language)} before the offer)"
    line = f"- [product_id {product.pk}] {product.name} ({product.kind}) — {amount}"
    description = " ".join((product.description or "").split())[:DESCRIPTION_CHARS]
    return f"{line}: {description}" if description else line


def retrieval_context(*, business: Business, text: str, language: str) -> str:
    """The products and FAQs that best match the customer's message (RAG of seed 002's flow),
    as a block of the system prompt. The message itself is scrubbed before the search, so a
    phone number typed in a message does not even reach the catalog search."""
    from kazan.commerce.queries import products_search
    from kazan.faq.queries import faq_match

    blocks = []
    query = redact(text or "")[:MESSAGE_CHARS]
    hits = products_search(business=business, text=query, limit=PRODUCTS_IN_CONTEXT)
    if hits:
        lines = [_product_line(hit, language) for hit in hits]
        blocks.append("Catalog items that may match the message:\n" + "\n".join(lines))
    match = faq_match(business=business, text=query, language=language)
    faqs = list(match.choices)[:FAQS_IN_CONTEXT]
    if faqs:
        lines = [f"- Q: {hit.card.question}\n  A: {' '.join(hit.text.split())}" for hit in faqs]
        blocks.append("The shop's FAQs that may answer it:\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def memory_from_log(
    *, business: Business, conversation: Conversation | None, limit: int
) -> list[dict[str, str]]:
    """The last `limit` messages of the thread as {"role", "content"} texts, oldest first:
    the customer's as "user", the bot's and the team's as "assistant" (notes never)."""
    if conversation is None or limit <= 0:
        return []
    from kazan.conversations.queries import thread_messages

    history: list[dict[str, str]] = []
    rows = thread_messages(business=business, conversation=conversation).reverse()
    for message in rows[: limit * 2]:
        if message.direction == "note":
            continue
        text = message.text or " ".join(
            str(reply.get("text", "")) for reply in (message.payload or {}).get("replies", [])
        )
        text = text.strip()
        if text:
            role = "user" if message.direction == "in" else "assistant"
            history.append({"role": role, "content": text})
        if len(history) >= limit:
            break
    return history[::-1]


def memory(
    history: list[dict[str, str]], *, limit: int, current: str, customer: Customer | None
) -> list[dict[str, str]]:
    """The last `limit` turns, scrubbed; the current message is sent after them, so a log
    that already holds it does not repeat it."""
    turns = [
        turn
        for turn in history
        if turn.get("role") in ("user", "assistant") and (turn.get("content") or "").strip()
    ]
    if turns and turns[-1]["role"] == "user" and turns[-1]["content"].strip() == current.strip():
        turns = turns[:-1]
    return [
        {"role": turn["role"], "content": scrub(turn["content"][:MESSAGE_CHARS], customer)}
        for turn in turns[-limit:]
    ]
