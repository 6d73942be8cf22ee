"""The catalog's own vocabulary, for messages written the way customers write ("canoli",
"la casata", "caschi", "need 2 inner tubes"): every product's name words, its other-language
names and description words, and the category names, matched with a typo- and
plural-tolerant word comparison. A word that only one product (or category) has names it,
whatever the language of the rest of the message, so nothing here is written per shop."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kazan.agent.nlu.text import words

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

CATALOG_MAX = 400
CACHE_SECONDS = 30.0
CACHE_BUSINESSES = 200
_cache_lock = threading.Lock()
_cache: dict[int, tuple[tuple[int, str], float, Vocabulary]] = {}
DESCRIBED_SCORE = 0.6
NAME_WORDS_MAX = 6
WORD_MIN = 4


def common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _edits_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def fuzzy_word(a: str, b: str) -> bool:
    """The same word give or take a typo, a doubled letter or an inflection: one edit for
    words of 5+ letters ("canoli", "casata", "pistacio"), an added ending ("tube"/"tubes",
    "casco"/"caschi", "cantucci"/"cantuccini")."""
    if a == b:
        return True
    short = min(len(a), len(b))
    if short < WORD_MIN or a[0] != b[0]:
        return False
    if short >= 5 and _edits_at_most_one(a, b):
        return True
    stem_a, stem_b = _stem(a), _stem(b)
    if (
        min(len(stem_a), len(stem_b)) >= 5
        and len(stem_a) != len(stem_b)
        and _edits_at_most_one(stem_a, stem_b)
    ):
        return True  # a typo in a plural: "casate"/"cassata"
    prefix, longer = common_prefix(a, b), abs(len(a) - len(b))
    if prefix == short:
        return longer <= 4  # "tube"/"tubes", "cantucci"/"cantuccini"
    return prefix >= max(WORD_MIN, short - 1) and longer <= 2  # "casco"/"caschi"


def _stem(word: str) -> str:
    """The word without a plural or gender ending (es/en/it: -s, -es, a final vowel)."""
    for ending in ("es", "s"):
        if word.endswith(ending) and len(word) > len(ending) + 3:
            word = word[: -len(ending)]
            break
    return word[:-1] if word[-1:] in "aeiou" and len(word) > 4 else word


def _plural_of(a: str, b: str) -> bool:
    """The same word, or one with a plural ending ("tube"/"tubes", "arancia"/"arance")."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if long_.startswith(short) and long_[len(short) :] in ("s", "es"):
        return True
    vowels = "aeiou"
    return len(a) == len(b) and a[:-1] == b[:-1] and a[-1] in vowels and b[-1] in vowels


@dataclass
class Vocabulary:
    """Word → the products (and categories) that use it, by field."""

    names: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    described: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    categories: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    products: dict[int, Any] = field(default_factory=dict)

    def lookup(self, table: dict[str, set[int]], word: str, strict: bool = False) -> set[int]:
        """Owners of the words like `word`; `strict`: the word itself or its plural only."""
        found: set[int] = set()
        for known, owners in table.items():
            if known[:1] != word[:1]:
                continue
            if strict:
                if _plural_of(known, word):
                    found |= owners
            elif fuzzy_word(word, known):
                found |= owners
        return found


def alternative_names(product: Any) -> list[str]:
    """Other-language names a catalog writes first in the description ("Crema di pistacchio /
    pistachio spread (200g). …")."""
    first = str(product.description or "").split("\n", 1)[0].split(".", 1)[0][:200]
    return [part for part in first.split("/") if part.strip()][:4]


def vocabulary(
    business: Business, stop: frozenset[str], category_stop: frozenset[str]
) -> Vocabulary:
    """The business's vocabulary, kept per process for CACHE_SECONDS while its number of
    products is unchanged (a renamed or deactivated product is matched as it was for up to
    that long; the tools still check that it exists and is active)."""
    from kazan.commerce import queries as commerce_queries

    # The creation time tells a new business from a deleted one that had the same id.
    count = (commerce_queries.product_count(business=business), str(business.created_at))
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(business.pk)
        if cached and cached[0] == count and now - cached[1] < CACHE_SECONDS:
            return cached[2]
    vocab = _build(business, stop, category_stop)
    with _cache_lock:
        if len(_cache) >= CACHE_BUSINESSES:
            _cache.pop(next(iter(_cache)))
        _cache[business.pk] = (count, now, vocab)
    return vocab


def vocabulary_forget() -> None:
    """For tests: drop the cached vocabularies."""
    with _cache_lock:
        _cache.clear()


def _build(business: Business, stop: frozenset[str], category_stop: frozenset[str]) -> Vocabulary:
    from kazan.commerce import queries as commerce_queries

    vocab = Vocabulary()
    for product in commerce_queries.products_list(business=business, limit=CATALOG_MAX):
        vocab.products[product.pk] = product
        # A long first sentence is a description, not another-language name.
        others = [n for n in alternative_names(product) if len(n.split()) <= NAME_WORDS_MAX]
        own = " ".join([product.name, *others])
        for word in words(own):
            if len(word) >= WORD_MIN and word not in stop and not word[0].isdigit():
                vocab.names[word].add(product.pk)
        for word in words(str(product.description or "")):
            if len(word) >= WORD_MIN + 1 and word not in stop and not word[0].isdigit():
                vocab.described[word].add(product.pk)
    for top, children in commerce_queries.category_tree(business=business):
        for category in (top, *children):
            if not getattr(category, "active", True):
                continue
            text = f"{category.name} {category.description or ''}"
            for word in words(text.replace("/", " ")):
                if len(word) >= WORD_MIN and word not in category_stop:
                    vocab.categories[word].add(category.pk)
    return vocab


def unique_products(vocab: Vocabulary, message_words: list[str]) -> dict[int, float]:
    """Products that a message word names alone: 0.7 for a name word only one product has,
    0.6 for a description word only one product has (spelled as there, or its plural). A
    category's word ("vini", "accessories") names the category, not a product."""
    found: dict[int, float] = {}
    for word in message_words:
        if len(word) < WORD_MIN or vocab.lookup(vocab.categories, word):
            continue
        owners = vocab.lookup(vocab.names, word)
        if len(owners) == 1:
            pk = next(iter(owners))
            found[pk] = max(found.get(pk, 0.0), 0.7)
            continue
        if owners:
            continue
        owners = vocab.lookup(vocab.described, word, strict=True)
        if len(owners) == 1:
            pk = next(iter(owners))
            found[pk] = max(found.get(pk, 0.0), DESCRIBED_SCORE)
    return found


def category_named(vocab: Vocabulary, message_words: list[str]) -> int | None:
    """The category a message names, when exactly one category has the word."""
    for word in message_words:
        if len(word) < WORD_MIN:
            continue
        owners = vocab.lookup(vocab.categories, word)
        if len(owners) == 1:
            return next(iter(owners))
    return None
