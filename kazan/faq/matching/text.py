"""Text preparation shared by the lexical and the embedding side of the matcher: Unicode
normalisation, the business's synonyms rewritten to one canonical phrase, and Snowball stems so
that inflected forms ("Öffnungszeiten" / "Öffnungszeit", "reservations" / "reserve") meet."""

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

from kazan.faq.matching.types import Synonym

# ISO 639-1 → Snowball algorithm. Languages without a stemmer are matched on surface forms.
STEMMERS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
_WORD = re.compile(r"\w+")
_lock = threading.Lock()


def normal(text: str) -> str:
    """Casefolded NFKC text with punctuation turned into spaces (keeps letters of any script)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


@lru_cache(maxsize=32)
def _stemmer(language: str) -> "snowballstemmer.stemmer | None":
    algorithm = STEMMERS.get(language)
    return snowballstemmer.stemmer(algorithm) if algorithm else None


def stems(words: Sequence[str], language: str) -> list[str]:
    """The Snowball stems of `words` in `language` (the words themselves without a stemmer)."""
    stemmer = _stemmer(language)
    if stemmer is None:
        return list(words)
    with _lock:  # a Snowball stemmer object keeps state between calls
        return list(stemmer.stemWords(list(words)))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


class SynonymMap:
    """Rewrites every phrase of a synonym group to the group's first phrase, longest first, on
    word boundaries, so "flat white" and "coffee with milk" become the same words on both sides."""

    def __init__(self, synonyms: Iterable[Synonym]) -> None:
        pairs: list[tuple[str, str]] = []
        for synonym in synonyms:
            phrases = [p for p in (normal(p) for p in synonym.phrases) if p]
            pairs += [(phrase, phrases[0]) for phrase in phrases[1:] if phrase != phrases[0]]
        pairs.sort(key=lambda pair: -len(pair[0]))
        self._pattern = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p, _ in pairs) + r")\b")
            if pairs
            else None
        )
        self._canonical = dict(pairs)

    def apply(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._canonical[m.group(1)], text)
