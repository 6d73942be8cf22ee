"""Text folding and tokenizing shared by the parsers: lower case, no accents, words only."""

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|(?=¿)|(?=¡)")


def fold(text: str) -> str:
    """Lower case without accents ("Degustación" → "degustacion", "ı" → "i")."""
    text = (text or "").replace("ı", "i").replace("İ", "i").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("'", " "))


def sentences(text: str) -> list[str]:
    """The message split into sentences (a question keeps its ¿…? together)."""
    parts = [p.strip() for p in _SENTENCE.split(text or "") if p and p.strip()]
    return parts or [text or ""]


def is_question(text: str) -> bool:
    return "?" in text or "¿" in text


def has_phrase(folded_words: list[str], phrase: str) -> bool:
    """Whether the words contain `phrase` (folded, space separated) as consecutive words; a
    trailing "*" on a word matches any ending ("aggiung*")."""
    target = phrase.split()
    n = len(target)
    for i in range(len(folded_words) - n + 1):
        if all(_word_match(folded_words[i + k], target[k]) for k in range(n)):
            return True
    return False


def _word_match(word: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def any_phrase(folded_words: list[str], phrases: "tuple[str, ...] | list[str]") -> bool:
    return any(has_phrase(folded_words, p) for p in phrases)
