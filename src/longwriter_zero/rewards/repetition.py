"""Repetition in an answer: exact repeats, paraphrased (near-duplicate) paragraphs, n-gram loops.

The paper's format reward "penalises repeated content" without releasing the measure, and its
limitation section notes that sentence-overlap penalties miss paraphrased repeats. This module
measures three things, all in length units (words + CJK characters, see ``text_units``):

1. **Exact repeats.** A sentence (>= ``min_sentence_tokens`` tokens) whose normalised text
   (lower-cased tokens, punctuation and spacing dropped) already occurred earlier. A repeated
   paragraph is caught through its sentences.
2. **Near-duplicate paragraphs** (paraphrased repeats). A paragraph (>= ``min_paragraph_tokens``
   tokens) is a near duplicate of an earlier one when either
   - the MinHash estimate of the Jaccard similarity of their word-3-shingle sets is
     >= ``shingle_jaccard`` (catches light rewording: a few words swapped or changed), or
   - the weighted overlap of their content-term *sets*, ``w(A & B) / min(w(A), w(B))`` with
     in-answer IDF weights ``log(1 + N / df)`` over the N checked paragraphs, is
     >= ``content_containment`` while the smaller set has >= ``min_content_words`` terms and
     at least ``min_size_ratio`` of the larger one's size (catches reordered sentences and
     shuffled or swapped words, which destroy shingles but keep the vocabulary). The IDF
     weights keep topic words that run through the whole answer (a project's name, "budget")
     from making honest paragraphs on one subject look alike.
   MinHash: ``num_perm`` multiply-shift hashes ``((a*x + b) mod 2^64) >> 32`` of 64-bit
   shingle hashes (built from CRC32 token hashes), in numpy; paragraph counts are small, so all pairs of signatures are compared (no LSH).
   Term sets are compared all-pairs with one matrix product.
3. **Loops.** Inside each paragraph, the share of 4-gram positions whose 4-gram already occurred
   earlier in the same paragraph (token-weighted over paragraphs).

Score (``repetition_score``)::

    repeated_share = |tokens in near-duplicate paragraphs ∪ tokens in exactly repeated sentences|
                     / |tokens|
    loop_excess    = max(0, loop_rate - loop_tolerance) / (1 - loop_tolerance)
    score          = max(0, 1 - slope * repeated_share) * max(0, 1 - slope * loop_excess)

With the default ``slope = 2`` an answer that is one third repeats scores 1/3, and one that is
half repeats scores 0; honest text (no repeats, no loops) scores 1.0. The first occurrence of a
repeated passage is never counted, only its later copies. An empty answer scores 1.0 (nothing is
repeated; the format reward rejects empty answers on its own).

``repetition_metrics`` adds evaluation figures that are not part of the score: distinct-n
(n = 1, 2, 3), the repeated-4-gram rate over the whole answer, and the zlib compression ratio
(original bytes / compressed bytes; higher means more redundant).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from longwriter_zero.rewards.text_units import TokenizedAnswer, content_set, tokenize_answer

_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D), np.uint64(0x27D4EB2F))


@dataclass(frozen=True)
class RepetitionConfig:
    near_duplicates: bool = True     # False: exact repeats only (the sentence-overlap baseline)
    min_sentence_tokens: int = 4     # shorter sentences ("Thank you.") never count as repeats
    min_paragraph_tokens: int = 12   # shorter paragraphs (headings, list items) skip near-dup checks
    shingle_size: int = 3            # words per shingle
    num_perm: int = 64               # MinHash permutations
    shingle_jaccard: float = 0.3     # estimated Jaccard of shingle sets that marks a near duplicate
    content_containment: float = 0.55 # content-word set overlap that marks a near duplicate
    min_content_words: int = 6       # smaller content-word set needed for the overlap check
    min_size_ratio: float = 0.5      # smaller / larger content-word set size for the overlap check
    loop_n: int = 4                  # n of the in-paragraph loop measure
    loop_tolerance: float = 0.1      # in-paragraph repeated-n-gram rate that costs nothing
    slope: float = 2.0               # score = 1 - slope * share (clipped at 0)
    seed: int = 1234                 # MinHash hash-function seed


DEFAULT = RepetitionConfig()


@dataclass
class RepetitionReport:
    total_tokens: int
    paragraphs: int
    exact_repeat_share: float        # share of tokens in exactly repeated sentences
    near_dup_share: float            # share of tokens in near-duplicate paragraphs
    repeated_share: float            # share of tokens in either (union)
    near_dup_paragraphs: int         # paragraphs flagged as near duplicates of an earlier one
    near_dup_rate: float             # near_dup_paragraphs / paragraphs checked
    loop_rate: float                 # token-weighted in-paragraph repeated-n-gram rate
    score: float
    pairs: list = field(default_factory=list)  # [(earlier, later, "shingle"|"content", similarity)]

    def parts(self) -> dict[str, float]:
        """Numeric parts for ``RewardOutput.parts``."""
        d = asdict(self)
        d.pop("pairs")
        return {k: float(v) for k, v in d.items()}


# ----------------------------------------------------------------------------- hashing

_HASH_CACHE: dict[str, int] = {}


def token_hashes(tokens) -> np.ndarray:
    """CRC32 of each token as uint64 (deterministic across runs), shape [T]."""
    cache = _HASH_CACHE
    if len(cache) > 200_000:
        cache.clear()
    for tok in set(tokens).difference(cache):
        cache[tok] = zlib.crc32(tok.encode("utf-8"))
    return np.fromiter(map(cache.__getitem__, tokens), dtype=np.uint64, count=len(tokens))


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """One 64-bit hash per n-gram position (wrapping multiply-xor), shape [T - n + 1]."""
    if len(hashes) < n:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        out = hashes[: len(hashes) - n + 1] * _MIX[0]
        for k in range(1, n):
            out = (out ^ (hashes[k: len(hashes) - n + 1 + k] * _MIX[k % 4])) * _MIX[(k + 1) % 4]
    return out


def _hash_params(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 63, size=num_perm, dtype=np.uint64) | np.uint64(1)   # odd multipliers
    b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    return a, b


def minhash_signatures(shingles: np.ndarray, starts: np.ndarray, num_perm: int = 64,
                       seed: int = 1234) -> np.ndarray:
    """MinHash signatures of consecutive shingle segments.

    ``shingles`` [S] are 64-bit shingle hashes laid out segment after segment, ``starts`` [N]
    the (strictly increasing) offset of each non-empty segment. Hash family: multiply-shift,
    ``((a * x + b) mod 2^64) >> 32`` with odd ``a``. Returns [N, num_perm].
    """
    a, b = _hash_params(num_perm, seed)
    if len(starts) == 0:
        return np.zeros((0, num_perm), dtype=np.uint64)
    with np.errstate(over="ignore"):
        values = (a[:, None] * shingles[None, :] + b[:, None]) >> np.uint64(32)    # [P, S]
    return np.minimum.reduceat(values, starts, axis=1).T                            # [N, P]


def signature_jaccard(signatures: np.ndarray) -> np.ndarray:
    """Estimated Jaccard for all pairs: share of equal signature slots, [N, N]."""
    sig = signatures.astype(np.uint32)        # multiply-shift values fit in 32 bits
    equal = sig[:, None, :] == sig[None, :, :]
    return np.count_nonzero(equal, axis=2) / max(1, sig.shape[1])


def weighted_set_overlap(sets: list[set[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All-pairs overlap of string sets with in-document IDF weights.

    Returns (weighted intersections [N, N], weighted set sizes [N], plain set sizes [N]); a term
    in ``df`` of the ``N`` sets weighs ``log(1 + N / df)``, so topic words that run through the
    whole answer count less than the words that make a paragraph its own. Computed from an
    inverted index: every pair of sets sharing a term adds the term's weight (cost: the sum of
    ``df^2`` over shared terms, far below a dense sets-by-vocabulary product).
    """
    n = len(sets)
    term_ids: dict[str, int] = {}
    owner, term = [], []
    for i, s in enumerate(sets):
        for w in s:
            owner.append(i)
            term.append(term_ids.setdefault(w, len(term_ids)))
    owner_a, term_a = np.asarray(owner, dtype=np.int64), np.asarray(term, dtype=np.int64)
    df = np.bincount(term_a, minlength=len(term_ids)).astype(np.float64)
    weight = np.log1p(n / np.maximum(df, 1.0))                                 # [V]
    weighted_size = np.bincount(owner_a, weights=weight[term_a], minlength=n)
    size = np.bincount(owner_a, minlength=n).astype(np.float64)
    # entries sorted by term; entry e pairs with the later entries of its term's block
    order = np.argsort(term_a, kind="stable")
    owner_s, term_s = owner_a[order], term_a[order]
    block_end = np.cumsum(df.astype(np.int64))[term_s]                           # end offset of e's block
    later = block_end - np.arange(len(term_s)) - 1                              # entries after e in its block
    left = np.repeat(np.arange(len(term_s)), later)
    first = np.repeat(np.cumsum(later) - later, later)
    right = left + (np.arange(len(left)) - first) + 1
    i, j = owner_s[left], owner_s[right]
    inter = np.bincount(i * n + j, weights=weight[term_s[left]], minlength=n * n).reshape(n, n)
    return inter + inter.T, weighted_size, size


# ----------------------------------------------------------------------------- analysis


def _exact_repeat_tokens(doc: TokenizedAnswer, cfg: RepetitionConfig) -> np.ndarray:
    """Per paragraph, tokens in sentences whose normalised text occurred earlier, [P]."""
    seen: set[tuple[str, ...]] = set()
    out = np.zeros(doc.n_paragraphs, dtype=np.int64)
    bounds = doc.sentence_starts
    for s in range(len(bounds) - 1):
        a, b = bounds[s], bounds[s + 1]
        if b - a < cfg.min_sentence_tokens:
            continue
        key = doc.tokens[a:b]
        if key in seen:
            out[doc.paragraph[a]] += b - a
        else:
            seen.add(key)
    return out


def _near_duplicate_pairs(doc: TokenizedAnswer, hashes: np.ndarray, cfg: RepetitionConfig) -> list[tuple]:
    starts, lengths = doc.paragraph_starts[:-1], np.diff(doc.paragraph_starts)
    idx = [int(i) for i in np.flatnonzero(lengths >= max(cfg.min_paragraph_tokens, cfg.shingle_size))]
    if len(idx) < 2:
        return []
    k = cfg.shingle_size
    grams = ngram_hashes(hashes, k)                                          # [T - k + 1]
    # shingles of each checked paragraph: positions start .. start + len - k
    seg = [np.arange(starts[i], starts[i] + lengths[i] - k + 1) for i in idx]
    seg_starts = np.cumsum([0] + [len(s) for s in seg[:-1]])
    signatures = minhash_signatures(grams[np.concatenate(seg)], seg_starts, cfg.num_perm, cfg.seed)
    jac = signature_jaccard(signatures)
    inter, weighted_size, size = weighted_set_overlap([content_set(doc.paragraph_tokens(i)) for i in idx])
    contain = inter / np.maximum(np.minimum(weighted_size[:, None], weighted_size[None, :]), 1e-9)
    small = np.minimum(size[:, None], size[None, :])
    large = np.maximum(np.maximum(size[:, None], size[None, :]), 1.0)
    contain = np.where((small >= cfg.min_content_words) & (small / large >= cfg.min_size_ratio), contain, 0.0)

    pairs = []
    for b in range(1, len(idx)):
        best_j, best_c = int(np.argmax(jac[:b, b])), int(np.argmax(contain[:b, b]))
        if jac[best_j, b] >= cfg.shingle_jaccard:
            pairs.append((idx[best_j], idx[b], "shingle", float(jac[best_j, b])))
        elif contain[best_c, b] >= cfg.content_containment:
            pairs.append((idx[best_c], idx[b], "content", float(contain[best_c, b])))
    return pairs


def near_duplicate_pairs(answer: str, cfg: RepetitionConfig = DEFAULT) -> list[tuple]:
    """For each paragraph that nearly duplicates an earlier one: (earlier, later, kind, similarity).

    ``kind`` is "shingle" (MinHash Jaccard of word shingles) or "content" (weighted content-term
    overlap); the strongest earlier match is reported. Indexes count paragraphs that hold words.
    """
    doc = tokenize_answer(answer)
    return _near_duplicate_pairs(doc, token_hashes(doc.tokens), cfg)


def _loop_repeats(doc: TokenizedAnswer, hashes: np.ndarray, n: int) -> tuple[int, int]:
    """(repeated n-gram positions, n-gram positions) over all paragraphs; a position is repeated
    when its n-gram already occurred earlier in the same paragraph."""
    grams = ngram_hashes(hashes, n)
    if len(grams) == 0:
        return 0, 0
    para = doc.paragraph
    inside = para[: len(grams)] == para[n - 1:]                              # n-gram within one paragraph
    with np.errstate(over="ignore"):
        keyed = grams[inside] ^ (para[: len(grams)][inside].astype(np.uint64) * _MIX[3])
    total = int(inside.sum())
    return total - len(np.unique(keyed)), total


def analyze_repetition(answer: str, cfg: RepetitionConfig = DEFAULT) -> RepetitionReport:
    """All repetition measures of one answer and its score (formula in the module docstring)."""
    doc = tokenize_answer(answer)
    total = len(doc.tokens)
    if total == 0:
        return RepetitionReport(0, 0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, 1.0)
    hashes = token_hashes(doc.tokens)
    lengths = np.diff(doc.paragraph_starts)
    exact = _exact_repeat_tokens(doc, cfg)
    pairs = _near_duplicate_pairs(doc, hashes, cfg) if cfg.near_duplicates else []
    dup = np.zeros(doc.n_paragraphs, dtype=bool)
    dup[[later for _, later, _, _ in pairs]] = True
    near_tokens = int(lengths[dup].sum())
    union = int(np.where(dup, lengths, exact).sum())
    checked = int((lengths >= cfg.min_paragraph_tokens).sum())
    loop_rep, loop_total = _loop_repeats(doc, hashes, cfg.loop_n)
    loop_rate = loop_rep / loop_total if loop_total else 0.0

    repeated_share = union / total
    loop_excess = max(0.0, loop_rate - cfg.loop_tolerance) / (1.0 - cfg.loop_tolerance)
    score = max(0.0, 1.0 - cfg.slope * repeated_share) * max(0.0, 1.0 - cfg.slope * loop_excess)
    return RepetitionReport(
        total_tokens=total, paragraphs=doc.n_paragraphs,
        exact_repeat_share=int(exact.sum()) / total, near_dup_share=near_tokens / total,
        repeated_share=repeated_share, near_dup_paragraphs=int(dup.sum()),
        near_dup_rate=int(dup.sum()) / checked if checked else 0.0, loop_rate=loop_rate,
        score=score, pairs=pairs)


def repetition_score(answer: str, cfg: RepetitionConfig = DEFAULT) -> tuple[float, dict[str, float]]:
    """(score in [0, 1], parts): 1.0 for text without repeats or loops; see the module docstring."""
    report = analyze_repetition(answer, cfg)
    return report.score, report.parts()


# ----------------------------------------------------------------------------- evaluation metrics


def distinct_n(tokens, n: int) -> float:
    """Unique n-grams / n-gram positions (1.0 for fewer than n tokens)."""
    grams = ngram_hashes(token_hashes(tokens), n)
    return len(np.unique(grams)) / len(grams) if len(grams) else 1.0


def compression_ratio(text: str) -> float:
    """Original UTF-8 bytes / zlib-compressed bytes (level 9); 0 for empty text."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw, 9)) if raw else 0.0


def repetition_metrics(answer: str, cfg: RepetitionConfig = DEFAULT) -> dict[str, float]:
    """Evaluation figures: the score's parts plus distinct-1/2/3, the repeated-4-gram rate over
    the whole answer and the compression ratio."""
    report = analyze_repetition(answer, cfg)
    tokens = tokenize_answer(answer).tokens
    metrics = report.parts()
    for n in (1, 2, 3):
        metrics[f"distinct_{n}"] = distinct_n(tokens, n)
    metrics["repeated_4gram_rate"] = 1.0 - distinct_n(tokens, 4) if len(tokens) >= 4 else 0.0
    metrics["compression_ratio"] = compression_ratio(answer)
    return metrics
