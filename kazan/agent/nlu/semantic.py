"""A fallback for messages no rule reads: the FAQ matcher's multilingual sentence encoder
(kazan.faq.matching.encoder, USE-multilingual, loaded once per process and shared with the FAQ
matcher) compares the message with example sentences per intent in it/en/es. Only a clear
winner counts (a minimum similarity and a margin over the other intents), so a message still
unread falls to the FAQs and the polite decline as before. The examples' vectors are computed
once per process; a turn costs one encoder call (a few milliseconds)."""

from __future__ import annotations

import logging
import threading
from typing import Any

logger = logging.getLogger(__name__)

# The intents that need no slot beyond what the engine already holds (never the order itself:
# a sale is not made on a resemblance). "greeting" runs the welcome_user tool.
EXEMPLARS: dict[str, tuple[str, ...]] = {
    "handoff": (
        "I want to talk to a person", "can someone from the shop call me", "let me speak to "
        "the manager", "voglio parlare con una persona", "mi passi il titolare", "posso parlare "
        "con qualcuno del negozio", "quiero hablar con una persona", "pásame con el encargado",
        "me puede atender alguien de la tienda",
        # Cancellations and complaints: no tool does them, a person does.
        "cancel my order", "my package arrived damaged", "annulla il mio ordine",
        "il pacco è arrivato rotto", "quiero cancelar el pedido", "me llegó el producto roto",
    ),
    "greeting": (
        "hi there", "hey, good morning", "ciao a tutti", "buongiorno a voi", "hola buenas",
        "buenas tardes, qué tal",
    ),
    "status": (
        "where is my order", "has my parcel been shipped yet", "when will my package arrive",
        "dov'è il mio pacco", "il mio ordine è partito?", "a che punto è la mia spedizione",
        "dónde está mi paquete", "ya han enviado mi pedido?", "cómo va mi compra",
    ),
    "cart": (
        "what's in my basket", "show me my cart", "how much is my cart", "cosa ho nel carrello",
        "fammi vedere il carrello", "quanto fa il totale", "qué tengo en la cesta",
        "enséñame el carrito", "cuánto llevo en total", "quanto ho speso finora",
    ),
    "categories": (
        "what do you sell", "what kind of things do you have", "show me the catalogue",
        "che cosa vendete", "che prodotti avete", "fammi vedere il catalogo", "qué vendéis",
        "qué tipo de productos tienen", "enséñame el catálogo",
    ),
    "goodbye": (
        "that's all thanks", "bye for now", "ok thank you see you", "ok grazie ciao",
        "a posto così, grazie", "a presto", "vale gracias, hasta luego", "eso es todo",
        "nada más, adiós",
    ),
    "decline": (
        "what's the weather tomorrow", "tell me a joke", "who won the match", "help me with "
        "my homework", "che tempo fa domani", "chi ha vinto la partita", "scrivimi una poesia",
        "qué tiempo hará mañana", "quién ganó el partido", "ayúdame con los deberes",
        "recommend a restaurant", "consigliami un film", "cuál es la capital de Francia",
    ),
}  # fmt: skip
SIMILARITY_MIN = 0.55
MARGIN_MIN = 0.05

_lock = threading.Lock()
_bank: tuple[Any, list[str]] | None = None


def _examples() -> tuple[Any, list[str]]:
    global _bank
    if _bank is None:
        from kazan.faq.matching import encoder

        with _lock:
            if _bank is None:
                texts = [text for group in EXEMPLARS.values() for text in group]
                labels = [intent for intent, group in EXEMPLARS.items() for _ in group]
                _bank = (encoder.encode(texts, cache=True), labels)
    return _bank


def classify(text: str) -> tuple[str, float]:
    """The intent the message is most like, with its similarity; ("", score) when no intent
    wins clearly (or the encoder is not available)."""
    text = (text or "").strip()[:500]
    if not text:
        return "", 0.0
    try:
        from kazan.faq.matching import encoder

        matrix, labels = _examples()
        vector = encoder.encode([text])[0]
    except Exception:  # pragma: no cover - the encoder ships with the package
        logger.exception("agent intent encoder unavailable")
        return "", 0.0
    scores = matrix @ vector
    best: dict[str, float] = {}
    for label, score in zip(labels, scores.tolist(), strict=True):
        best[label] = max(best.get(label, -1.0), float(score))
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    (intent, top), (_other, second) = ranked[0], ranked[1]
    if top >= SIMILARITY_MIN and top - second >= MARGIN_MIN:
        return intent, top
    return "", top
