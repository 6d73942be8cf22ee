"""Catalog text matching without a database extension: accents and case folded, words cut to
their Snowball stems in every catalog language (it, en, es, de, tr), so "pistachos",
"pistacchio" and "Pistazie" meet "pistacho"-like stems where the languages allow it."""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

CATALOG_LANGUAGES = ("spanish", "italian", "english", "german", "turkish")
_WORD = re.compile(r"\w+")
# Words that carry no meaning for a product search, in the catalog's languages.
_STOPWORDS_TEXT = """
    de del la las el los un una unos unas y o con sin para por que en es al lo su sus
    mi me te se le muy mas algo tiene tienen hay busco buscando quiero quisiera
    il lo gli le di da dei delle della per con senza che un una uno e o ho voglio cerco
    the a an and or of for with without to in on is are my me i you do does have want
    looking some any
    der die das und oder mit ohne fur ein eine ich
    ve bir ile icin
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_stemmers: dict[str, "snowballstemmer.stemmer"] = {}


def fold(text: str) -> str:
    """Lowercase text without accents ("Módica" → "modica")."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _stemmer(language: str) -> "snowballstemmer.stemmer":
    if language not in _stemmers:
        _stemmers[language] = snowballstemmer.stemmer(language)
    return _stemmers[language]


@lru_cache(maxsize=20000)
def word_keys(word: str) -> frozenset[str]:
    """The folded word and its stems in each catalog language (short prefixes dropped)."""
    keys = {word}
    for language in CATALOG_LANGUAGES:
        stem = _stemmer(language).stemWord(word)
        if len(stem) >= 3:
            keys.add(stem)
    return frozenset(keys)


def terms(text: str) -> list[str]:
    """The meaningful folded words of `text`."""
    return [w for w in _WORD.findall(fold(text)) if len(w) > 1 and w not in STOPWORDS]


def keys_of(text: str) -> set[str]:
    out: set[str] = set()
    for word in terms(text):
        out |= word_keys(word)
    return out
