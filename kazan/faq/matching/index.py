"""A first lexical matcher (character n-gram TF-IDF, cosine to the nearest phrasing). The
tuned matcher of issue 11 replaces the scoring here behind the same interface."""

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from kazan.faq.matching.types import FaqEntry, Match, MatchResult, Synonym

ABSTAIN_BELOW = 0.35
SUGGEST_ABOVE = 0.2
SUGGESTIONS_MAX = 3


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


def _grams(text: str) -> Counter[str]:
    padded = f" {text} "
    return Counter(padded[i : i + 4] for i in range(max(len(padded) - 3, 1)))


@dataclass
class FaqIndex:
    entries: list[FaqEntry]
    _rows: list[tuple[str, dict[str, float]]]
    _idf: dict[str, float]
    _synonyms: list[tuple[str, str]]

    def _vector(self, text: str) -> dict[str, float]:
        text = _normal(text)
        for phrase, canonical in self._synonyms:
            text = re.sub(rf"\b{re.escape(phrase)}\b", canonical, text)
        counts = _grams(text)
        vector = {g: c * self._idf.get(g, 0.0) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items()}

    def match(self, text: str, language: str | None = None) -> MatchResult:
        query = self._vector(text)
        best: dict[str, float] = {}
        for faq_id, row in self._rows:
            score = sum(value * row.get(gram, 0.0) for gram, value in query.items())
            best[faq_id] = max(best.get(faq_id, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] < ABSTAIN_BELOW:
            top = ranked[0][1] if ranked else 0.0
            suggestions = tuple(
                Match(f, s) for f, s in ranked[:SUGGESTIONS_MAX] if s >= SUGGEST_ABOVE
            )
            return MatchResult(None, top, suggestions)
        suggestions = tuple(
            Match(f, s) for f, s in ranked[1 : SUGGESTIONS_MAX + 1] if s >= SUGGEST_ABOVE
        )
        return MatchResult(ranked[0][0], ranked[0][1], suggestions)


def index_build(entries: Iterable[FaqEntry], synonyms: Iterable[Synonym] = ()) -> FaqIndex:
    entries = list(entries)
    pairs = []
    for synonym in synonyms:
        phrases = [_normal(p) for p in synonym.phrases if _normal(p)]
        pairs += [(phrase, phrases[0]) for phrase in phrases[1:]]
    index = FaqIndex(entries, [], {}, sorted(pairs, key=lambda p: -len(p[0])))
    documents = [(e.id, _normal(q)) for e in entries for q in e.questions]
    frequency: Counter[str] = Counter()
    for _id, text in documents:
        frequency.update(set(_grams(text)))
    total = len(documents) or 1
    index._idf = {g: math.log((1 + total) / (1 + n)) + 1 for g, n in frequency.items()}
    index._rows = [(faq_id, index._vector(text)) for faq_id, text in documents]
    return index
