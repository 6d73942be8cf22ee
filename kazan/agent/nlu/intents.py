"""Reading one customer message: its intent and slots (products named, quantity, budget, taste
preference, day, order number). Rules in priority order, each a lexicon lookup on folded words;
the products come from the catalog (kazan.agent.nlu.mentions)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from kazan.agent.nlu import lexicon as lx
from kazan.agent.nlu.mentions import GENERIC, Mention, content_words, mentions
from kazan.agent.nlu.parse import budget, date_in, quantity
from kazan.agent.nlu.text import any_phrase, fold, is_question, sentences, words
from kazan.agent.nlu.vocab import (
    DESCRIBED_SCORE,
    Vocabulary,
    category_named,
    fuzzy_word,
    vocabulary,
)
from kazan.core.money import minor_digits

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

HANDOFF_NOUNS = (
    "persona", "humano", "person", "human", "operador", "operator", "agente", "agent",
    "operatore", "mitarbeiter", "mensch", "temsilci", "someone", "alguien", "qualcuno",
    "equipo", "team", "staff", "titolare", "responsabile", "responsable", "encargado",
    "manager", "owner", "proprietario", "dueno", "gerente", "negoziante",
)  # fmt: skip
HANDOFF_VERBS = (
    "hablar", "habla", "talk", "speak", "parlare", "parlo", "sprechen", "pasame", "pass me",
    "connect me", "passami", "konusmak", "contactar", "chat with", "atienda", "atender",
    "me atienda",
)  # fmt: skip
HANDOFF_STRONG = (
    "a human", "real person", "persona real", "persona vera", "customer service",
    "servicio al cliente", "atencion al cliente", "assistenza clienti", "un operatore",
    "un operador", "human agent",
)  # fmt: skip
# Words that carry an intent or a slot, never a product: left out of the search words.
_INTENT_GROUPS = (
    lx.SEARCH,
    lx.SWEET,
    lx.SAVOURY,
    lx.ASSORTMENT,
    lx.CART_ADD,
    lx.INFO_QUESTION,
    lx.GREETING,
    lx.THANKS,
    lx.CATEGORIES,
    lx.SERVICES,
)
_NOISE_WORDS = """
presupuesto budget preferiria prefiero prefer preferirei preferisco preferred alergia
alergias allergies allergy allergie intolerancia intolerancias considerar consider
ninguna none nessuna about around unos unas euros euro eur dollars gusta gustaria
piacerebbe like love barato barata cheap economico economici caro expensive algo
something qualcosa etwas bueno buena good buono nice bonito carino persona person
recibira recibir regalado tiene has ha hat tipico tipica typical tipiche tipici menos
under sotto meno hasta fino bis less than more mas piu alrededor circa intorno
offer offers ofrecen ofreceis offrite any alguno alguna algun qualche che quali"""
NOISE = frozenset(
    w
    for group in _INTENT_GROUPS
    for phrase in group
    for w in phrase.replace("*", "").split()
    if w not in set(lx.GIFT)
) | frozenset(_NOISE_WORDS.split())


_NUMBER = re.compile(
    r"(?:#|n[°ºo.]?\s*|numero\s*|number\s*|pedido\s*|order\s*|ordine\s*)(\d{1,9})\b"
)


SENTENCES_MAX = 6


@dataclass
class Reading:
    intent: str
    text: str
    product_id: int | None = None
    quantity: int | None = None
    number: int | None = None
    day: dt.date | None = None
    query: str = ""
    gift: bool = False
    max_price: Decimal | None = None
    min_price: Decimal | None = None
    preference: str | None = None
    question: str = ""
    liked_id: int | None = None
    liked_name: str = ""
    off_topic: bool = False
    faq_first: bool = False
    items: list[tuple[int, int]] = field(default_factory=list)
    category_id: int | None = None
    faq_ignore: list[str] = field(default_factory=list)


PREFERENCES = frozenset(
    w.rstrip("*") for group in (lx.SWEET, lx.SAVOURY, lx.ASSORTMENT) for w in group
)
VOCAB_STOP = lx.STOP | NOISE | GENERIC
_AND = re.compile(r"\s*(?:,|\+|&|\band\b|\by\b|\be\b|\bplus\b|\bcon\b|\bwith\b)\s*")


def _criterion_word(word: str) -> bool:
    """A taste or gift word ("dulces", "regalarlo"), which is a search criterion."""
    return any(fuzzy_word(word, w) for w in CRITERIA)


CRITERIA = PREFERENCES | frozenset(w.rstrip("*") for w in lx.GIFT)


def _items(business: Business, statement: str, vocab: Vocabulary) -> list[tuple[int, int]]:
    """Several products in one order ("tre creme di pistacchio e un pesto trapanese"): the
    parts between "and"/"e"/"y"/commas that each name a product, with their own quantity."""
    parts = [p for p in _AND.split(fold(statement)) if p.strip()]
    if len(parts) < 2:
        return []
    found: list[tuple[int, int]] = []
    for part in parts:
        hits = mentions(business, part, vocab=vocab)
        if hits and all(hits[0].product.pk != pk for pk, _q in found):
            found.append((hits[0].product.pk, quantity(part) or 1))
    return found if len(found) > 1 else []


def _is_yes(tokens: list[str]) -> bool:
    return bool(tokens) and len(tokens) <= 6 and any_phrase(tokens[:3], lx.YES)


def _is_no(tokens: list[str]) -> bool:
    return bool(tokens) and len(tokens) <= 6 and any_phrase(tokens[:4], lx.NO)


def _preference(tokens: list[str]) -> str | None:
    sweet, savoury = any_phrase(tokens, lx.SWEET), any_phrase(tokens, lx.SAVOURY)
    if any_phrase(tokens, lx.ASSORTMENT) or (sweet and savoury):
        return "assortment"
    return "sweet" if sweet else "savoury" if savoury else None


def _handoff(tokens: list[str]) -> bool:
    if any_phrase(tokens, HANDOFF_STRONG):
        return True
    return any_phrase(tokens, HANDOFF_VERBS) and any_phrase(tokens, HANDOFF_NOUNS)


def _query(text: str) -> str:
    return " ".join(w for w in content_words(text) if w not in NOISE)[:200]


def catalog_words(business: Business, query: str) -> str:
    """The query's words the catalog knows (a product, category or attribute has them)."""
    from kazan.commerce import queries as commerce_queries

    kept = [
        word
        for word in query.split()[:6]
        if len(word) > 2 and commerce_queries.products_search(business=business, text=word, limit=1)
    ]
    return " ".join(kept)


def searching_catalog(tokens: list[str]) -> bool:
    """ "Show me your products": a search for the catalog itself, no words needed."""
    return any_phrase(tokens, lx.CATALOG_WORDS)


def _order_number(text: str) -> int | None:
    folded = text.lower() if "#" in text else " ".join(words(text))
    match = _NUMBER.search(folded)
    return int(match.group(1)) if match else None


def _mentions_by_sentence(
    business: Business, text: str, vocab: Vocabulary | None = None
) -> tuple[list[Mention], list[Mention], str]:
    """Products named in the questions, products named elsewhere, and the question text."""
    asked: list[Mention] = []
    stated: list[Mention] = []
    questions = []
    for sentence in sentences(text)[:SENTENCES_MAX]:
        found = mentions(business, sentence, vocab=vocab)
        if is_question(sentence):
            questions.append(sentence)
            asked.extend(found)
        else:
            stated.extend(found)
    return asked, stated, " ".join(questions)


def read(
    business: Business,
    text: str,
    *,
    today: dt.date,
    pending: str = "",
    focus: int | None = None,
) -> Reading:
    tokens = words(text)
    r = Reading(intent="unknown", text=text)
    r.off_topic = any_phrase(tokens, lx.OFF_TOPIC)
    if _handoff(tokens):
        r.intent = "handoff"
        return r
    if any_phrase(tokens, lx.MY_DATA_NOUNS) and any_phrase(tokens, lx.MY_DATA_VERBS):
        r.intent = "my_data"
        return r
    if pending in ("order", "add") and _is_no(tokens):
        r.intent = "reject"
        return r
    vocab = vocabulary(business, VOCAB_STOP, lx.STOP)
    asked, stated, question = _mentions_by_sentence(business, text, vocab)
    r.question = question
    named = stated or asked
    r.quantity = quantity(text)
    if named:
        r.product_id = named[0].product.pk
    if r.off_topic and not named:
        return r
    if pending in ("order", "add") and _is_yes(tokens) and not named:
        r.intent = "confirm"
        return r
    asking_how = is_question(text) and any_phrase(tokens[:3], lx.HOW_QUESTION)
    if (
        any_phrase(tokens, lx.ORDER_CREATE)
        and not any_phrase(tokens, lx.CART_ADD)
        and not asking_how
    ):
        r.intent = "order"
        return r
    status_words = any_phrase(tokens, lx.STATUS_WORDS) and any_phrase(tokens, lx.ORDER_WORDS)
    if (any_phrase(tokens, lx.ORDER_STATUS) or status_words) and not named:
        r.intent = "status"
        r.number = _order_number(text)
        return r
    if any_phrase(tokens, lx.CART_REMOVE):
        r.intent = "remove"
        return r
    statements = " ".join(
        s
        for s in sentences(text)
        # "Me ne metti due?": a request to add, asked as a question, is a statement too.
        if not is_question(s)
        or (any_phrase(words(s), lx.CART_ADD) and not any_phrase(words(s)[:3], lx.HOW_QUESTION))
    )
    said = words(statements)
    adding = any_phrase(said, lx.CART_ADD) or (
        # "Quiero 4 cajas de cantucci", "i want the tasting box": wanting a counted or named
        # product is buying it.
        any_phrase(said, lx.WANT)
        and (quantity(statements) is not None or bool(stated))
        and not any_phrase(said, lx.INFO_QUESTION)
        and not any_phrase(said, lx.SEARCH)
    )
    if adding and (named or focus):
        r.intent = "add"
        if stated:
            r.product_id = stated[0].product.pk
        r.items = _items(business, statements, vocab)
        return r
    if any_phrase(tokens, lx.CART_SHOW):
        r.intent = "cart"
        return r
    if any_phrase(tokens, lx.CATEGORIES) and not named:
        r.intent = "categories"
        return r
    r.day = date_in(text, today)
    explicit_events = any_phrase(tokens, lx.EVENTS)
    about_a_day = (
        r.day is not None
        and is_question(text)
        and not (named and named[0].product.kind != "event")
        and not any_phrase(tokens, lx.DELIVERY)
        and budget(text) is None
    )
    if (explicit_events or about_a_day) and not (named and named[0].product.kind != "event"):
        r.intent = "events"
        # "A che ora aprite sabato?": a day without the word "event" may be an FAQ.
        r.faq_first = not explicit_events
        return r
    if any_phrase(tokens, lx.SERVICES) and not named:
        r.intent = "service"
        r.query = _query(text)
        return r
    category = category_named(vocab, [w for w in _query(text).split() if not _criterion_word(w)])
    if (
        category is not None
        and not named
        and (any_phrase(tokens, lx.SEARCH) or any_phrase(tokens, lx.SHOW) or is_question(text))
        and budget(text) is None
    ):
        r.intent = "category"
        r.category_id = category
        r.faq_first = is_question(text)
        return r
    if asked:
        r.intent = "info"
        r.product_id = asked[0].product.pk
        # A question naming a product without asking about it ("c'è la garanzia sulle bici
        # elettriche?") may be about the shop: the FAQs answer first, on other words.
        r.faq_first = asked[0].score < DESCRIBED_SCORE + 0.05 or not any_phrase(
            tokens, lx.INFO_QUESTION
        )
        r.faq_ignore = content_words(asked[0].product.name)
        if stated and stated[0].product.pk != asked[0].product.pk:
            r.liked_id, r.liked_name = stated[0].product.pk, stated[0].product.name
        return r
    currency = str(getattr(business, "currency", "") or "EUR")
    limit = budget(text, minor_digits(currency))
    if limit is not None:
        digits = minor_digits(currency)
        if limit.max_minor is not None:
            r.max_price = Decimal(limit.max_minor).scaleb(-digits)
        if limit.min_minor is not None:
            r.min_price = Decimal(limit.min_minor).scaleb(-digits)
    r.preference = _preference(tokens)
    r.gift = any_phrase(tokens, lx.GIFT)
    searching = any_phrase(tokens, lx.SEARCH) or r.gift
    criteria = limit is not None or bool(r.preference) or r.gift
    if (
        (pending == "gift" and (limit is not None or r.preference))
        or (searching and not named)
        or (criteria and (not named or searching))
    ):
        r.intent = "search"
        r.query = catalog_words(business, _query(text))
        if not criteria and _query(text) and not r.query and not searching_catalog(tokens):
            # Words the catalog has never heard of ("recommend me a movie"): not a search.
            r.intent = "unknown"
            r.off_topic = r.off_topic or not is_question(text)
            return r
        # "Can I return a product?", "quiero devolver un producto roto": a question, or words
        # the catalog does not know, without criteria asks the FAQs first.
        r.faq_first = not criteria and (is_question(text) or bool(_query(text) and not r.query))
        return r
    if named:
        r.intent = "info"
        # Named only by a word of its description ("tarjeta", "bici elettriche"): a question
        # may be about the shop rather than the product, so the FAQs answer first.
        r.faq_first = is_question(text) and named[0].score < DESCRIBED_SCORE + 0.05
        return r
    if (is_question(text) or len(tokens) > 3) and (
        not any_phrase(tokens[:2], lx.GREETING) or len(tokens) > 4
    ):
        r.intent = "faq"
    if r.intent == "unknown" and any_phrase(tokens, lx.GREETING):
        r.intent = "greeting"
    elif any_phrase(tokens, lx.GOODBYE) or (any_phrase(tokens, lx.THANKS) and len(tokens) <= 5):
        r.intent = "goodbye"
    if r.intent == "faq" and any_phrase(tokens, lx.GOODBYE):
        r.intent = "goodbye"
    return r
