"""Which catalog products a message names: candidates from the catalog search
(products_search), then a name overlap score so "la crema de pistacho" picks the pistachio
cream and not every product with pistachios in it. Plurals and small typos match by a shared
word start (5 letters) or one edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kazan.agent.nlu import lexicon as lx
from kazan.agent.nlu.lexicon import STOP
from kazan.agent.nlu.text import words
from kazan.agent.nlu.vocab import Vocabulary, alternative_names, fuzzy_word, unique_products

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

MENTION_MIN = 0.6
HEAD_SCORE = 0.6
GENERIC = frozenset(
    w.rstrip("*")
    for group in (lx.GIFT, lx.SWEET, lx.SAVOURY, lx.ASSORTMENT)
    for w in group
    if " " not in w
) | frozenset({"box", "boxes", "caja", "cajas", "confezione", "pack", "set", "wine"})
_UNITS = ("g", "kg", "ml", "l", "cl", "gr", "unidades", "units", "pezzi", "uds", "x")


@dataclass(frozen=True)
class Mention:
    product: Any
    score: float


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOP and not w[0].isdigit() and len(w) > 1]


def _name_words(name: str) -> list[str]:
    return [
        w
        for w in words(name)
        if w not in STOP and w not in _UNITS and not w[0].isdigit() and len(w) > 1
    ]


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 5 or a[0] != b[0]:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def word_like(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5] and abs(len(a) - len(b)) <= 3:
        return True
    return _one_edit(a, b) or fuzzy_word(a, b)


def name_score(text_words: list[str], name: str) -> float:
    """The share of the product name's own words found in the message; a name of several
    words whose head (first) word is found counts at least HEAD_SCORE ("la cassata" names
    "Cassata siciliana")."""
    own = _name_words(name)
    if not own:
        return 0.0
    hits = [any(word_like(w, t) for t in text_words) for w in own]
    score = sum(hits) / len(own)
    if hits[0] and len(own) > 1:
        score = max(score, HEAD_SCORE)
    return score


def alternative_score(text_words: list[str], name: str) -> float:
    """Like name_score for another-language name, without its generic words ("gift box",
    "sweet") and without the head-word rule; half of a two-word name is enough."""
    own = [w for w in _name_words(name) if w not in GENERIC]
    if len(own) < 2:
        return 0.0
    score = sum(any(word_like(w, t) for t in text_words) for w in own) / len(own)
    return score + 0.1 if score >= 0.5 else 0.0


def mentions(
    business: Business, text: str, limit: int = 3, vocab: Vocabulary | None = None
) -> list[Mention]:
    """The products the text names, best first (score ≥ MENTION_MIN): the catalog search's
    hits scored on their names, and with the catalog's vocabulary (`vocab`) every product,
    including a word only one product has ("canoli", "caschi", "inner tubes")."""
    from kazan.commerce import queries as commerce_queries

    found = content_words(text)
    if not found:
        return []
    hits = commerce_queries.products_search(business=business, text=" ".join(found), limit=25)
    searched = {hit.product.pk: hit.score for hit in hits}
    candidates = {hit.product.pk: hit.product for hit in hits}
    alone: dict[int, float] = {}
    if vocab is not None:
        # Every product one of the words names, typos included (not only the search's hits).
        for word in found:
            for pk in vocab.lookup(vocab.names, word):
                candidates[pk] = vocab.products[pk]
        alone = unique_products(vocab, [w for w in found if w not in GENERIC])
        # A category's word ("vini") names the category, not a product described with it.
        distinct = [w for w in found if not vocab.lookup(vocab.categories, w)]
    else:
        distinct = found
    scored = []
    for pk, product in candidates.items():
        score = max(
            [name_score(found, product.name), alone.get(pk, 0.0)]
            + [alternative_score(distinct, name) for name in alternative_names(product)]
        )
        if score >= MENTION_MIN:
            scored.append(Mention(product, score + searched.get(pk, 0.0) / 100))
    scored.sort(key=lambda m: m.score, reverse=True)
    return scored[:limit]
