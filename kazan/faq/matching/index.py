"""The FAQ matcher: an ensemble of a lexical and a semantic view of each question, joined by a
classifier trained on the business's own FAQ phrasings when the index is built.

- lexical: TF-IDF of character 2–5-grams and word 1–2-grams over synonym-rewritten,
  Snowball-stemmed text (catches spelling variants, inflections and the business's terms);
- semantic: Universal Sentence Encoder multilingual embeddings (encoder.py), which match
  paraphrases and other languages than the FAQ's;
- a multinomial logistic regression over both, one class per FAQ, fitted at index build;
- a calibrated confidence from its top probability, its margin over the runner-up and the number
  of FAQs (a logistic curve fitted once on the development sets, see docs/decisions/0020), and
  abstention below ABSTAIN_BELOW.

Build once per FAQ set (a fraction of a second for a dozen FAQs, seconds for hundreds) and keep
the index: matching one question takes a few milliseconds.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from kazan.faq.matching import encoder
from kazan.faq.matching.text import SynonymMap, normal, stems, words
from kazan.faq.matching.types import FaqEntry, Match, MatchResult, Synonym

# Bump when FaqIndex's attributes or their meaning change: a stored (pickled) index names this
# and the encoder's model (INDEX_FORMAT) in its key, so no process reads one it cannot use.
FORMAT_VERSION = 1
INDEX_FORMAT = f"{FORMAT_VERSION}-{encoder.MODEL_ID}"
# confidence = σ(a·p_top + b·(p_top − p_second) + c·ln(number of FAQs) + d)
CONFIDENCE_CURVE = (1.54, 2.10, 0.267, -1.474)
ABSTAIN_BELOW = 0.65
# "Did you mean …?": runners-up whose probability reaches this, when the answer is not sure.
SURE_ABOVE = 0.85
SUGGEST_ABOVE = 0.08
SUGGESTIONS_MAX = 3
# Past this many FAQs the classifier would take minutes to fit: FAQs are scored by similarity
# (lexical and semantic nearest phrasing, semantic centroid), turned into probabilities by a
# softmax, and go through the same confidence curve (tuned on CLINC150's 150 FAQs).
CLASSIFIER_MAX_FAQS = 300
SIMILARITY_WEIGHTS = (0.3, 0.4, 0.3)
SIMILARITY_TEMPERATURE = 0.05
SIMILARITY_CANDIDATES = 30
# A single-FAQ index has no runner-up: its similarity is the confidence, abstaining below this.
SIMILARITY_ABSTAIN_BELOW = 0.55
REGULARISATION_C = 20.0
# A visitor's message is cut here: past it, it is not a question, and it would only cost time.
MAX_QUESTION_CHARS = 500
# Caps the lexical vocabulary so that the classifier's weights stay about a million numbers
# however many FAQs a business has (L-BFGS keeps 20 numbers a weight while fitting: CLINC150's
# 150 FAQs peaked at 1.2 GB with 4 million, 0.6 GB with this, at the same scores).
WEIGHTS_BUDGET = 1_000_000


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _char_grams(text: str) -> list[str]:
    """Character 2–5-grams inside each word padded with spaces (so word starts and ends count)."""
    grams = []
    for word in text.split():
        padded = f" {word} "
        for n in range(2, 6):
            grams += [padded[i : i + n] for i in range(max(len(padded) - n + 1, 1))]
    return grams


def _word_grams(text: str) -> list[str]:
    tokens = text.split()
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def _tfidf(grams: list[str], vocabulary: dict[str, int], idf: np.ndarray) -> dict[int, float]:
    """The same sublinear, L2-normalised TF-IDF as the fitted vectoriser, for one text."""
    counts = Counter(vocabulary[g] for g in grams if g in vocabulary)
    vector = {j: (1.0 + math.log(n)) * float(idf[j]) for j, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {j: v / norm for j, v in vector.items()} if norm else {}


@dataclass
class _Prepared:
    """One text as the matcher sees it: stemmed words for the lexical side, a text to embed."""

    stemmed: str
    embed: str
    key: str


class FaqIndex:
    """The matcher for one FAQ set (read-only after index_build; safe to share across threads)."""

    def __init__(self, entries: list[FaqEntry], synonyms: SynonymMap) -> None:
        self.entries = entries
        self._synonyms = synonyms
        self._ids = [entry.id for entry in entries]
        languages = Counter(entry.language for entry in entries for _ in entry.questions)
        self._language = languages.most_common(1)[0][0] if languages else "en"
        self._exact: dict[str, str] = {}
        self._char: dict[str, int] = {}
        self._word: dict[str, int] = {}
        self._char_idf = np.zeros(0)
        self._word_idf = np.zeros(0)
        # Classifier weights, one column per FAQ (rows: char grams, word grams, embedding).
        self._weights = np.zeros((0, 0), dtype=np.float32)
        self._bias = np.zeros(0, dtype=np.float32)
        self._classes = np.zeros(0, dtype=np.int64)
        # Without a classifier (one FAQ, or very many): the phrasings' vectors, by FAQ.
        self._phrasings: Any = None
        self._embeddings = np.zeros((0, encoder.DIMENSIONS), dtype=np.float32)
        self._centroids = np.zeros((0, encoder.DIMENSIONS), dtype=np.float32)
        self._starts = np.zeros(0, dtype=np.int64)

    def _prepare(self, text: str, language: str | None) -> _Prepared:
        base = normal(text)
        rewritten = self._synonyms.apply(base)
        # "de-AT", "DE" → "de"; no language → the FAQ set's most common one.
        language = (language or self._language).split("-")[0].split("_")[0].lower()
        stemmed = " ".join(stems(words(rewritten), language)) if rewritten else ""
        # Embed the visitor's own wording unless a synonym was rewritten in it.
        embed = text.strip() if rewritten == base else rewritten
        return _Prepared(stemmed or rewritten, embed, rewritten)

    def _lexical(self, prepared: _Prepared) -> dict[int, float]:
        """Char and word TF-IDF side by side (word ids after the char ids), unit length."""
        char = _tfidf(_char_grams(prepared.stemmed), self._char, self._char_idf)
        word = _tfidf(_word_grams(prepared.stemmed), self._word, self._word_idf)
        offset = len(self._char)
        vector = char | {offset + j: v for j, v in word.items()}
        scale = 1.0 / math.sqrt((1 if char else 0) + (1 if word else 0) or 1)
        return {j: v * scale for j, v in vector.items()}

    def build(self, vectors: encoder.VectorStore | None = None) -> "FaqIndex":
        """Fit the index; `vectors` keeps the phrasings' embeddings beyond this process."""
        # Imported here: scikit-learn takes seconds to import, and only an index build needs it.
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        prepared, labels = [], []
        for number, entry in enumerate(self.entries):
            for question in entry.questions:
                p = self._prepare(question, entry.language)
                if not p.key:
                    continue
                prepared.append(p)
                labels.append(number)
                self._exact.setdefault(p.key, entry.id)
                if self._exact[p.key] != entry.id:
                    self._exact[p.key] = ""  # the same phrasing in two FAQs: not a sure sign
        if not prepared:
            return self
        classes = len(set(labels))
        texts = [p.stemmed for p in prepared]
        char = TfidfVectorizer(
            analyzer=_char_grams,
            sublinear_tf=True,
            max_features=max(3000, (WEIGHTS_BUDGET * 3 // 4) // classes),
        ).fit(texts)
        word = TfidfVectorizer(
            analyzer=_word_grams,
            sublinear_tf=True,
            max_features=max(1000, (WEIGHTS_BUDGET // 4) // classes),
        ).fit(texts)
        self._char, self._char_idf = dict(char.vocabulary_), char.idf_.astype(np.float32)
        self._word, self._word_idf = dict(word.vocabulary_), word.idf_.astype(np.float32)
        lexical = [self._lexical(p) for p in prepared]
        embeddings = encoder.encode([p.embed for p in prepared], cache=True, store=vectors)
        width = len(self._char) + len(self._word)
        rows = [i for i, vector in enumerate(lexical) for _ in vector]
        columns = [j for vector in lexical for j in vector]
        values = [v for vector in lexical for v in vector.values()]
        matrix = csr_matrix((values, (rows, columns)), shape=(len(lexical), width))
        if classes == 1 or classes > CLASSIFIER_MAX_FAQS:
            self._similarity_index(matrix, embeddings, np.asarray(labels))
            return self
        classifier = LogisticRegression(C=REGULARISATION_C, max_iter=3000)
        # One BLAS thread: more threads than the cores that are free slows the solver down a lot.
        with threadpool_limits(limits=1, user_api="blas"):
            classifier.fit(hstack([matrix, csr_matrix(embeddings)]).tocsr(), np.asarray(labels))
        coef, intercept = classifier.coef_, classifier.intercept_
        if coef.shape[0] == 1:
            # Two FAQs: scikit-learn fits one logit, P(second) = σ(it), which is the softmax of
            # (0, it). Without this column a two-FAQ set scored 1.0 for both and never answered.
            coef = np.vstack([np.zeros_like(coef), coef])
            intercept = np.concatenate([np.zeros(1), intercept])
        self._weights = np.ascontiguousarray(coef.T, dtype=np.float32)
        self._bias = intercept.astype(np.float32)
        self._classes = classifier.classes_.astype(np.int64)
        return self

    def _similarity_index(self, matrix: Any, embeddings: np.ndarray, labels: np.ndarray) -> None:
        """Without a classifier: each FAQ's phrasings and their centroid, compared at match."""
        self._phrasings = matrix.astype(np.float32).tocsr()
        self._embeddings = embeddings
        self._classes, self._starts = np.unique(labels, return_index=True)
        centroids = np.add.reduceat(embeddings, self._starts, axis=0)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = (centroids / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def _probabilities(self, prepared: _Prepared) -> np.ndarray:
        """One probability per entry (0 for entries without a usable phrasing)."""
        out = np.zeros(len(self.entries))
        lexical = self._lexical(prepared)
        embedding = encoder.encode([prepared.embed])[0]
        columns = np.fromiter(lexical, dtype=np.int64, count=len(lexical))
        values = np.fromiter(lexical.values(), dtype=np.float32, count=len(lexical))
        if self._phrasings is None:  # the classifier
            width = len(self._char) + len(self._word)
            logits = self._bias + embedding @ self._weights[width:]
            if lexical:
                logits = logits + values @ self._weights[columns]
            logits = np.exp(logits - logits.max())
            out[self._classes] = logits / logits.sum()
            return out
        query = np.zeros(self._phrasings.shape[1], dtype=np.float32)
        query[columns] = values
        lexical_best = np.maximum.reduceat(self._phrasings @ query, self._starts)
        centroid = self._centroids @ embedding
        # Nearest phrasings only among the likeliest FAQs: reading every phrasing's embedding
        # for each question would cost more than all the rest of the match together.
        w_lexical, w_nearest, w_centroid = SIMILARITY_WEIGHTS
        similarity = w_lexical * lexical_best + (w_nearest + w_centroid) * centroid
        candidates = np.sort(np.argsort(-similarity)[:SIMILARITY_CANDIDATES])
        ends = np.append(self._starts[1:], len(self._embeddings))
        sizes = ends[candidates] - self._starts[candidates]
        rows = np.concatenate(
            [
                np.arange(a, b)
                for a, b in zip(self._starts[candidates], ends[candidates], strict=True)
            ]
        )
        nearest = np.maximum.reduceat(self._embeddings[rows] @ embedding, np.cumsum(sizes) - sizes)
        similarity[candidates] = (
            w_lexical * lexical_best[candidates]
            + w_nearest * nearest
            + w_centroid * centroid[candidates]
        )
        others = np.ones(len(similarity), dtype=bool)
        others[candidates] = False
        similarity[others] -= 1.0  # out of the running
        if len(self._classes) == 1:
            out[self._classes] = np.clip(similarity, 0.0, 1.0)
        else:
            scaled = np.exp((similarity - similarity.max()) / SIMILARITY_TEMPERATURE)
            out[self._classes] = scaled / scaled.sum()
        return out

    def match(self, text: str, language: str | None = None) -> MatchResult:
        """The best FAQ for `text`, or an abstention with the closest FAQs as suggestions."""
        text = text[:MAX_QUESTION_CHARS] if isinstance(text, str) else ""
        prepared = self._prepare(text, language)
        if not prepared.key or not len(self._classes):
            return MatchResult(None, 0.0, ())
        probabilities = self._probabilities(prepared)
        order = np.argsort(-probabilities)
        top = float(probabilities[order[0]])
        second = float(probabilities[order[1]]) if len(order) > 1 else 0.0
        if len(self._classes) > 1:
            a, b, c, d = CONFIDENCE_CURVE
            x = a * top + b * (top - second) + c * math.log(len(self._classes)) + d
            confidence, threshold = _sigmoid(x), ABSTAIN_BELOW
        else:
            confidence, threshold = top, SIMILARITY_ABSTAIN_BELOW
        best = self._ids[order[0]]
        exact = self._exact.get(prepared.key)
        if exact:  # a FAQ phrasing word for word (after normalisation and synonyms)
            best, confidence = exact, max(confidence, 0.95)
        runners = [
            Match(self._ids[i], round(float(probabilities[i]), 4))
            for i in order[: SUGGESTIONS_MAX + 1]
            if probabilities[i] >= SUGGEST_ABOVE
        ]
        confidence = round(confidence, 4)
        if confidence < threshold:
            return MatchResult(None, confidence, tuple(runners[:SUGGESTIONS_MAX]))
        if confidence >= SURE_ABOVE:
            return MatchResult(best, confidence, ())
        suggestions = tuple(m for m in runners if m.faq_id != best)[:SUGGESTIONS_MAX]
        return MatchResult(best, confidence, suggestions)


def index_build(
    entries: Iterable[FaqEntry],
    synonyms: Iterable[Synonym] = (),
    vectors: encoder.VectorStore | None = None,
) -> FaqIndex:
    """Learn one FAQ set (its phrasings and the business's synonyms); match with .match().
    `vectors`: a store the phrasings' embeddings are read from and kept in (see encoder)."""
    return FaqIndex(list(entries), SynonymMap(synonyms)).build(vectors)
