"""How well a reviewer's expertise fits a proposal: TF-IDF cosine over plain text.

Profile text = the reviewer's topics, statement and past talk titles and abstracts; proposal
text = the *redacted* title, abstract and description (what reviewers see, never an identity).
Why TF-IDF (scikit-learn's ``TfidfVectorizer``): a well-kept library, sparse vectors that fit
10,000 proposals in a few megabytes, no model download, and on short texts it ranks about as
well as BM25 (``docs/assignment.md`` has the measurement on real talks). Sublinear tf keeps a
word repeated ten times from counting ten times; English stop words drop "the", "and"; word
unigrams and bigrams catch "machine learning" as one topic.

The vocabulary and idf weights are learnt from the proposals and profiles together, so a word
every proposal uses ("python" at a Python conference) weighs little. Scores are cosines in
[0, 1]; a reviewer with an empty profile scores 0 everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer


def vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        ngram_range=(1, 2),
        min_df=1,
        max_df=0.5,
        strip_accents="unicode",
        lowercase=True,
        dtype=np.float32,
    )


def affinity_matrix(
    *, proposal_texts: Sequence[str], profile_texts: Sequence[str]
) -> npt.NDArray[np.float32]:
    """Cosine similarity, one row per proposal and one column per profile (float32)."""
    n, m = len(proposal_texts), len(profile_texts)
    if n == 0 or m == 0 or not any(t.strip() for t in profile_texts):
        return np.zeros((n, m), dtype=np.float32)
    vec = vectorizer()
    try:
        matrix = vec.fit_transform([*proposal_texts, *profile_texts])
    except ValueError:
        # Nothing but stop words (or an empty corpus after max_df): no evidence either way.
        return np.zeros((n, m), dtype=np.float32)
    props, profiles = matrix[:n], matrix[n:]
    # Rows are l2-normalised by the vectorizer: the sparse product is the cosine.
    sims: npt.NDArray[np.float32] = np.asarray((props @ profiles.T).toarray(), dtype=np.float32)
    np.clip(sims, 0.0, 1.0, out=sims)
    return sims
