"""TF-IDF cosine similarity between a mentor's expertise and a mentee's goals
and interests.

Word tokens, lower-cased, with common English filler words dropped; term
frequency is sublinear (``1 + log tf``) so a word repeated in one text does not
swamp the others; IDF is smoothed (``log((1 + N) / (1 + df)) + 1``) over every
text in the run, so a skill that everyone lists ("communication") counts less
than a rare one ("kubernetes"). The vocabulary is sorted, which makes the
vectors independent of the order the texts came in.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

# Keeps "c++" and "c#" whole; "node.js" becomes "node" and "js".
_TOKEN = re.compile(r"[^\W_]+[+#]*")

# Filler words that would otherwise make every goal look like every expertise.
_FILLER = """a about an and are as at be become better but by can do for from get
have how i im in into is it its like me more my of on or our so some that the
their them this to up want we what when with would you your"""
STOP_WORDS = frozenset(_FILLER.split())


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.casefold()) if t not in STOP_WORDS]


class TfidfSpace:
    """Vectors for two groups of texts in one shared TF-IDF space."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._token_lists = [tokenize(text) for text in texts]
        document_frequency: Counter[str] = Counter()
        for tokens in self._token_lists:
            document_frequency.update(set(tokens))
        self.vocabulary = {term: i for i, term in enumerate(sorted(document_frequency))}
        n = len(texts)
        df = np.array([document_frequency[t] for t in sorted(document_frequency)], dtype=float)
        self.idf = np.log((1.0 + n) / (1.0 + df)) + 1.0

    def vectors(self, start: int, stop: int) -> sp.csr_array:
        """L2-normalised rows for texts ``start:stop`` (an empty text is a zero row)."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for tokens in self._token_lists[start:stop]:
            counts = sorted((self.vocabulary[t], c) for t, c in Counter(tokens).items())
            weights = np.array([(1.0 + np.log(c)) * self.idf[i] for i, c in counts])
            norm = float(np.sqrt(np.dot(weights, weights))) if counts else 0.0
            indices.extend(i for i, _ in counts)
            data.extend((weights / norm).tolist() if norm else [])
            indptr.append(len(indices))
        shape = (stop - start, len(self.vocabulary))
        return sp.csr_array(
            (np.array(data, dtype=float), np.array(indices, dtype=np.int64), indptr), shape=shape
        )

    def shared_terms(self, left: int, right: int, limit: int = 4) -> list[str]:
        """The words two texts share, most telling (highest IDF) first."""
        common = set(self._token_lists[left]) & set(self._token_lists[right])
        ranked = sorted(common, key=lambda t: (-self.idf[self.vocabulary[t]], t))
        return ranked[:limit]
