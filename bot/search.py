"""A small multilingual retrieval index: TF-IDF over words and character trigrams, in sparse matrices.

Residents write with typos, inflections and without diacritics; character trigrams of normalised
text make "bibliotk karra" still meet "Kärra bibliotek". Each document (an FAQ entry or a service)
has many phrases in many languages. A document scores as a blend of its best-matching phrase and of
all its phrases together (its "bag"), so a Swedish term such as "bostadsbidrag" also helps an English
question; the best phrase's language tells which language the question was probably written in.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bot.textnorm import words

# Whole words say a little more than fragments; fragments carry typos and inflections.
WORD_WEIGHT = 1.0
TRIGRAM_WEIGHT = 0.8
CLOSE_LANGUAGE = 0.05
BAG_WEIGHT = 0.8


@dataclass(frozen=True)
class Phrase:
    text: str
    language: str | None = None


@dataclass(frozen=True)
class Document:
    key: str
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class Hit:
    key: str
    score: float
    language: str | None
    phrase: str
    # Languages whose phrases matched almost as well: "Backa bibliotek" reads the same in several.
    close_languages: frozenset[str] = frozenset()


def features(text: str) -> dict[str, float]:
    counts: dict[str, float] = defaultdict(float)
    for word in words(text):
        counts["w:" + word] += WORD_WEIGHT
        padded = f"#{word}#"
        for start in range(len(padded) - 2):
            counts[padded[start : start + 3]] += TRIGRAM_WEIGHT
    return counts


def _idf(frequencies: dict[str, int], total: int) -> dict[str, float]:
    return {feature: math.log((1 + total) / (1 + count)) + 1 for feature, count in frequencies.items()}


def _weigh(vector: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear term frequency times IDF, normalised to length 1 (so scores are cosines in 0..1)."""
    weighted = {f: (1 + math.log(tf) if tf >= 1 else tf) * idf[f] for f, tf in vector.items() if f in idf}
    norm = math.sqrt(sum(weight * weight for weight in weighted.values())) or 1.0
    return {feature: weight / norm for feature, weight in weighted.items()}


class SearchIndex:
    def __init__(self, documents: Iterable[Document]) -> None:
        self._keys: list[str] = []
        self._phrases: list[Phrase] = []
        starts: list[int] = []
        phrase_vectors: list[dict[str, float]] = []
        bags: list[dict[str, float]] = []
        for document in documents:
            vectors = [(phrase, vector) for phrase in document.phrases if (vector := features(phrase.text))]
            if not vectors:
                continue
            self._keys.append(document.key)
            starts.append(len(self._phrases))
            bag: dict[str, float] = defaultdict(float)
            for phrase, vector in vectors:
                self._phrases.append(phrase)
                phrase_vectors.append(vector)
                for feature, count in vector.items():
                    bag[feature] += count
            bags.append(bag)
        self._starts = np.array(starts, dtype=np.int64)
        self._owner = np.repeat(np.arange(len(starts)), np.diff([*starts, len(self._phrases)]))
        self._columns: dict[str, int] = {}
        # Phrases are weighed by how many phrases share a feature; bags by how many documents do, so words
        # every document uses ("how", "jag", "child") count for little there.
        self._idf = _idf(_frequencies(phrase_vectors), len(phrase_vectors))
        self._bag_idf = _idf(_frequencies(bags), len(bags))
        self._phrase_matrix = self._matrix([_weigh(v, self._idf) for v in phrase_vectors])
        self._bag_matrix = self._matrix([_weigh(b, self._bag_idf) for b in bags])

    def _matrix(self, rows: list[dict[str, float]]) -> sparse.csc_array:
        row_index, column_index, values = [], [], []
        for row, vector in enumerate(rows):
            for feature, weight in vector.items():
                row_index.append(row)
                column_index.append(self._columns.setdefault(feature, len(self._columns)))
                values.append(weight)
        shape = (len(rows), max(len(self._columns), 1))
        # Column-major: a query touches only the columns of its own features.
        return sparse.csc_array((values, (row_index, column_index)), shape=shape, dtype=np.float64)

    def _scores(self, matrix: sparse.csc_array, query: dict[str, float], idf: dict[str, float]) -> np.ndarray:
        weighted = _weigh(query, idf)
        known = [(self._columns[f], w) for f, w in weighted.items() if f in self._columns]
        if not known:
            return np.zeros(matrix.shape[0])
        columns, weights = zip(*known, strict=True)
        return matrix[:, list(columns)] @ np.array(weights)

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        """Best documents first, one hit per document, scores in 0..1."""
        if not self._keys:
            return []
        query_features = features(query)
        phrase_scores = self._scores(self._phrase_matrix, query_features, self._idf)
        best_phrase = np.maximum.reduceat(phrase_scores, self._starts)
        blended = (1 - BAG_WEIGHT) * best_phrase + BAG_WEIGHT * self._scores(
            self._bag_matrix, query_features, self._bag_idf)
        count = min(limit, len(self._keys))
        top = np.argpartition(-blended, count - 1)[:count]
        hits = [self._hit(int(doc), float(blended[doc]), phrase_scores) for doc in top if blended[doc] > 0]
        return sorted(hits, key=lambda hit: hit.score, reverse=True)

    def _hit(self, doc: int, score: float, phrase_scores: np.ndarray) -> Hit:
        start = int(self._starts[doc])
        end = int(self._starts[doc + 1]) if doc + 1 < len(self._starts) else len(self._phrases)
        own = phrase_scores[start:end]
        best = start + int(np.argmax(own))
        close = frozenset(self._phrases[start + i].language for i in np.flatnonzero(own >= own.max() - CLOSE_LANGUAGE)
                          if self._phrases[start + i].language)
        return Hit(self._keys[doc], score, self._phrases[best].language, self._phrases[best].text, close)

    def specificity(self, query: str) -> float:
        """How telling the query's rarest known word is (document-level IDF); "help" is not, "SFI" is."""
        known = [self._bag_idf[f] for f in features(query) if f.startswith("w:") and f in self._bag_idf]
        return max(known, default=0.0)

    def __len__(self) -> int:
        return len(self._phrases)


def _frequencies(vectors: list[dict[str, float]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for vector in vectors:
        for feature in vector:
            counts[feature] += 1
    return counts
