"""Repetition in an answer: copied sentences and lines, paraphrased blocks, n-gram loops.

The paper's format reward "penalises repeated content" without releasing the measure, and its
limitation section notes that sentence-overlap penalties miss paraphrased repeats. Everything
here is measured in length units (words + CJK characters, see ``text.units``) over the whole
answer, across paragraph boundaries. The *units* are sentences and lines (every line break ends
a unit, so a list item, a table row or a line of verse is one); the *blocks* are paragraphs,
with paragraphs over ``block_max_tokens`` cut into sentence-aligned chunks (an answer written as
one paragraph is still compared chunk against chunk) and runs of short paragraphs (one line
each, below ``min_paragraph_tokens``) pooled into blocks of at least ``pool_tokens``.

A unit is a **repeat** when any of these holds against the text before it:

1. *exact*: its normalised tokens (lower case, punctuation dropped) occurred as an earlier unit
   (units of at least ``min_sentence_tokens``);
2. *bag*: the same multiset of tokens occurred as an earlier unit (lines rotated or shuffled word
   by word; at least ``min_sentence_tokens``);
3. *copied*: at least ``copy_containment`` of the word-``copy_n``-grams that start in it already
   occurred in an earlier unit (anywhere before; n-grams run across unit boundaries, so short
   lines are pooled with their neighbours). This is each sentence's containment in all earlier
   text: a copy re-split into new sentences or paragraphs, or with a word added per sentence,
   keeps most of its n-grams;
4. *skeleton*: its function-word skeleton (stop words and Chinese function characters kept,
   each run of content words collapsed to one slot) equals an earlier unit's, with at least
   ``skeleton_min_function`` function words and ``skeleton_min_slots`` slots. A copy whose
   content words are all swapped for synonyms keeps the skeleton.
5. *echo*: the exact Jaccard similarity of its signature (its set of Latin-script tokens,
   function words included, and CJK character bigrams; at least ``echo_min_terms`` elements)
   with some earlier unit's is at least ``echo_jaccard``: a sentence said again as a
   paraphrase, reordered or with its function words changed ("In other words, ..."). Every pair
   is compared exactly (rare elements through an inverted index, frequent ones through bitsets).

A block is a **near duplicate** of an earlier block when the exact Jaccard similarity of their
word-3-shingle sets is at least ``shingle_jaccard`` (light rewording), or when the IDF-weighted
overlap of their content-term sets, ``w(A & B) / min(w(A), w(B))`` with in-answer weights
``log(1 + N / df)``, is at least ``content_containment`` while the smaller set holds at least
``min_content_words`` terms and ``min_size_ratio`` of the larger one's (reordered sentences,
swapped words; the IDF keeps the answer's topic words from making honest blocks look alike).
Both are exact set computations through an inverted index (no MinHash estimate, no noise).
Of a near-duplicate block, the units that take part in the match count (at least
``unit_shingle_share`` of their shingles or ``unit_content_share`` of their content terms
occur in the earlier block), so a pooled block of short lines is not flagged as a whole.

**Refrains.** Honest verse repeats a chorus, and honest tables and lists repeat cells and
parallel lines. In a line-structured answer (at least ``structured_min_lines`` lines, and at
least half its tokens on lines of at most ``structured_line_tokens`` tokens or in paragraphs of
three lines or more: verse, lists, tables, dialogue), a run of repeated tokens within one stanza
(runs are cut at paragraphs of several lines; when every paragraph is a single line they are
not cut) of at most ``refrain_tokens`` tokens, on lines of at most ``refrain_line_tokens``
tokens on average, is a refrain occurrence; the first
``refrain_runs`` of them, up to ``refrain_max_share`` of the answer (or ``refrain_min_budget``
tokens, for short verse such as a counting rhyme), are not counted. A hack that repeats lines
for length produces long runs (or many short ones), which are; repeated prose sentences never
count as refrains.

**Loops.** Inside each unit (sentence or line), the share of 4-gram positions whose 4-gram
already occurred earlier in the same unit (``loop_tolerance`` of them cost nothing): a
degenerate loop within one run-on sentence. Repeats across units are counted above.

Score::

    repeated_share = |tokens of repeated units ∪ tokens of near-duplicate blocks| - refrains
                     / |tokens|
    loop_excess    = max(0, loop_rate - loop_tolerance) / (1 - loop_tolerance)
    score          = max(0, 1 - slope * max(0, repeated_share - tolerance)) * max(0, 1 - slope * loop_excess)

With ``slope = 3`` an answer that is a fifth repeats scores 0.46 and one that is a third
repeats 0.06; the first occurrence of anything is never counted. An empty answer scores 1.0.

``repetition_metrics`` adds evaluation figures that are not part of the score: distinct-n
(n = 1, 2, 3), the repeated-4-gram rate over the whole answer and the zlib compression ratio.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from longwriter_zero.text.units import (CJK, FUNCTION, TokenizedAnswer, answer_term_ids, answer_terms,
                                                skeleton_of, terms_between, token_classes, tokenize_answer)

_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D), np.uint64(0x27D4EB2F))


@dataclass(frozen=True)
class RepetitionConfig:
    near_duplicates: bool = True      # False: exact repeats only (the sentence-overlap baseline)
    min_sentence_tokens: int = 4      # shorter units ("Thank you.") are never exact/bag repeats
    copy_n: int = 4                   # n of the copied-n-gram containment
    copy_containment: float = 0.5     # share of a unit's n-grams seen earlier that makes it a copy
    skeleton_min_function: int = 4    # function words a skeleton needs to be compared
    skeleton_min_slots: int = 3       # content slots a skeleton needs to be compared
    skeleton_n: int = 6               # skeleton n-grams (symbols: function words and slots) ...
    skeleton_containment: float = 0.75 # ... of which this share seen in earlier units marks a repeat
    skeleton_min_grams: int = 6       # units with fewer skeleton n-grams are not judged this way
    echo_jaccard: float = 0.45        # exact Jaccard of unit signatures (words, CJK bigrams) that marks an echo
    echo_min_terms: int = 8           # units with smaller signatures are never echoes
    echo_dense_df: int = 16           # signature elements in more units than this are counted through bitsets
    min_paragraph_tokens: int = 12    # shorter paragraphs are pooled into blocks
    pool_tokens: int = 40             # pooled runs of short paragraphs form blocks of this size
    block_max_tokens: int = 160       # longer paragraphs are cut into sentence-aligned chunks
    block_target_tokens: int = 90     # ... of about this size
    shingle_size: int = 3             # words per shingle
    shingle_jaccard: float = 0.3      # exact Jaccard of shingle sets that marks a near duplicate
    content_containment: float = 0.55 # content-word set overlap that marks a near duplicate
    min_content_words: int = 6        # smaller content-word set needed for the overlap check
    min_size_ratio: float = 0.5       # smaller / larger content-word set size for the overlap check
    unit_shingle_share: float = 0.3   # a unit of a near-duplicate block counts when this share of its
    unit_content_share: float = 0.5   # shingles, or this share of its content terms, are in the match
    refrain_tokens: int = 96          # a run of repeated tokens up to this long may be a refrain
    refrain_runs: int = 8             # refrain runs not counted per answer
    structured_line_tokens: int = 30  # lines this short (verse, list items) make an answer line-structured
    structured_min_lines: int = 4     # ... when it has at least this many lines
    refrain_line_tokens: int = 16     # a refrain's lines average at most this many tokens
    refrain_max_share: float = 0.55   # at most this share of the answer is forgiven as refrains
    refrain_min_budget: int = 120     # ... or this many tokens (short verse can be mostly refrain)
    loop_n: int = 4                   # n of the in-unit loop measure
    loop_tolerance: float = 0.1       # in-unit repeated-n-gram rate that costs nothing
    slope: float = 3.0                # score = 1 - slope * (share - tolerance) (clipped to [0, 1])
    tolerance: float = 0.02           # repeated share that costs nothing (a sentence said twice for effect)


DEFAULT = RepetitionConfig()


@dataclass
class RepetitionReport:
    total_tokens: int
    paragraphs: int
    exact_repeat_share: float        # share of tokens in exactly repeated units
    copy_share: float                # share of tokens in units mostly copied from earlier text
    skeleton_share: float            # share of tokens in units with an earlier unit's skeleton (or bag)
    echo_share: float                # share of tokens in units that echo an earlier unit (signature Jaccard)
    near_dup_share: float            # share of tokens in near-duplicate blocks
    refrain_share: float             # share of repeated tokens forgiven as refrains
    repeated_share: float            # share of tokens in any of the above, refrains excluded
    near_dup_paragraphs: int         # blocks flagged as near duplicates of an earlier one
    near_dup_rate: float             # near_dup_paragraphs / blocks checked
    loop_rate: float                 # token-weighted in-unit repeated-n-gram rate
    score: float
    pairs: list = field(default_factory=list)  # [(earlier, later, "shingle"|"content", similarity)]
    mask: np.ndarray | None = None   # [T] True for counted repeated tokens (not a part)
    flagged: np.ndarray | None = None  # [T] True for repeated tokens, refrains included (not a part)

    def parts(self) -> dict[str, float]:
        """Numeric parts for ``RewardOutput.parts``."""
        d = asdict(self)
        d.pop("pairs")
        d.pop("mask")
        d.pop("flagged")
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


def first_occurrence(values: np.ndarray) -> np.ndarray:
    """For each position, the position where its value first occurs, [N]."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)]


def pair_overlap(owner: np.ndarray, term: np.ndarray, n: int,
                 weight: np.ndarray | None = None) -> np.ndarray:
    """All-pairs intersections of n sets given as (owner, term) entries without duplicates.

    ``term`` are integer ids, ``weight`` [V] optional per-term weights (default 1). Returns the
    symmetric [n, n] matrix of (weighted) intersection sizes, from an inverted index: every pair
    of sets sharing a term adds the term's weight (cost: the sum of ``df^2`` over terms).
    """
    if len(term) == 0:
        return np.zeros((n, n))
    order = np.argsort(term, kind="stable")
    owner_s, term_s = owner[order], term[order]
    starts = np.flatnonzero(np.concatenate([[True], term_s[1:] != term_s[:-1]]))
    df = np.diff(np.concatenate([starts, [len(term_s)]]))
    block_end = np.repeat(starts + df, df)                                       # end offset of e's block
    later = block_end - np.arange(len(term_s)) - 1                               # entries after e in its block
    left = np.repeat(np.arange(len(term_s)), later)
    first = np.repeat(np.cumsum(later) - later, later)
    right = left + (np.arange(len(left)) - first) + 1
    i, j = owner_s[left], owner_s[right]
    w = None if weight is None else weight[term_s[left]]
    inter = np.bincount(i * n + j, weights=w, minlength=n * n).reshape(n, n).astype(np.float64)
    return inter + inter.T


def weighted_set_overlap(sets: list[set[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All-pairs overlap of string sets with in-document IDF weights.

    Returns (weighted intersections [N, N], weighted set sizes [N], plain set sizes [N]); a term
    in ``df`` of the ``N`` sets weighs ``log(1 + N / df)``, so topic words that run through the
    whole answer count less than the words that make a block its own.
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
    return pair_overlap(owner_a, term_a, n, weight), weighted_size, size


def _unique_pairs(owner: np.ndarray, term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, term) pairs with duplicates removed."""
    if len(term) == 0:
        return owner.astype(np.int64), term.astype(np.int64)
    width = int(term.max()) + 1
    keys = np.unique(owner.astype(np.int64) * width + term.astype(np.int64))
    return keys // width, keys % width


def jaccard_from_pairs(owner: np.ndarray, term: np.ndarray, n: int) -> np.ndarray:
    """Exact Jaccard similarity of all pairs of n sets given as unique (owner, term) pairs, [N, N]."""
    sizes = np.bincount(owner, minlength=n).astype(np.float64)
    inter = pair_overlap(owner, term, n)
    union = sizes[:, None] + sizes[None, :] - inter
    jac = np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
    np.fill_diagonal(jac, 1.0)
    return jac


def exact_jaccard(shingle_sets: list[np.ndarray]) -> np.ndarray:
    """Exact Jaccard similarity of all pairs of hash sets (each a uint64 array), [N, N]."""
    n = len(shingle_sets)
    if n == 0:
        return np.zeros((0, 0))
    lens = np.array([len(s) for s in shingle_sets], dtype=np.int64)
    term = np.unique(np.concatenate(shingle_sets), return_inverse=True)[1].reshape(-1)
    owner, term = _unique_pairs(np.repeat(np.arange(n), lens), term)
    return jaccard_from_pairs(owner, term, n)


# ----------------------------------------------------------------------------- units and blocks


def answer_blocks(doc: TokenizedAnswer, cfg: RepetitionConfig) -> list[tuple[int, int]]:
    """Token spans compared as blocks: paragraphs, long ones cut at sentence ends, runs of short
    ones pooled (see the module docstring)."""
    out: list[tuple[int, int]] = []
    sent = doc.sentence_starts
    pool_start = None
    pstarts = doc.paragraph_starts
    for p in range(doc.n_paragraphs):
        a, b = int(pstarts[p]), int(pstarts[p + 1])
        if b - a < cfg.min_paragraph_tokens:
            if pool_start is None:
                pool_start = a
            if b - pool_start >= cfg.pool_tokens:
                out.append((pool_start, b))
                pool_start = None
            continue
        if pool_start is not None:
            if a - pool_start >= cfg.min_paragraph_tokens:
                out.append((pool_start, a))
            pool_start = None
        if b - a <= cfg.block_max_tokens:
            out.append((a, b))
            continue
        cuts = sent[(sent > a) & (sent < b)]
        start = a
        for c in cuts:
            if c - start >= cfg.block_target_tokens and b - c >= cfg.block_target_tokens // 2:
                out.append((start, int(c)))
                start = int(c)
        out.append((start, b))
    if pool_start is not None and doc.paragraph_starts[-1] - pool_start >= cfg.min_paragraph_tokens:
        out.append((pool_start, int(doc.paragraph_starts[-1])))
    return out


def _near_duplicate_blocks(answer: str, hashes: np.ndarray, cfg: RepetitionConfig,
                           blocks: list[tuple[int, int]]) -> list[tuple]:
    """[(earlier block, later block, kind, similarity)] for each block that nearly duplicates one
    before it (the strongest match)."""
    k = cfg.shingle_size
    blocks = [(a, b) for a, b in blocks if b - a >= max(k, cfg.min_paragraph_tokens)]
    if len(blocks) < 2:
        return []
    n = len(blocks)
    grams = ngram_hashes(hashes, k)
    # shingle sets: (block, shingle) pairs of all blocks at once, deduplicated
    lens = np.array([b - k + 1 - a for a, b in blocks], dtype=np.int64)
    idx = np.concatenate([np.arange(a, b - k + 1) for a, b in blocks])
    owner, term = _unique_pairs(np.repeat(np.arange(n), lens), np.unique(grams[idx], return_inverse=True)[1].reshape(-1))
    jac = jaccard_from_pairs(owner, term, n)
    # content-term sets, IDF-weighted
    pos, ids = answer_terms(answer)[1], answer_term_ids(answer)
    starts = np.array([a for a, _ in blocks]); ends = np.array([b for _, b in blocks])
    block_of = np.searchsorted(starts, pos, side="right") - 1
    inside = (block_of >= 0) & (pos < ends[np.maximum(block_of, 0)])
    owner, term = _unique_pairs(block_of[inside], ids[inside])
    df = np.bincount(term, minlength=int(ids.max()) + 1 if len(ids) else 0).astype(np.float64)
    weight = np.log1p(n / np.maximum(df, 1.0))
    weighted_size = np.bincount(owner, weights=weight[term], minlength=n)
    size = np.bincount(owner, minlength=n).astype(np.float64)
    inter = pair_overlap(owner, term, n, weight)
    contain = inter / np.maximum(np.minimum(weighted_size[:, None], weighted_size[None, :]), 1e-9)
    small = np.minimum(size[:, None], size[None, :])
    large = np.maximum(np.maximum(size[:, None], size[None, :]), 1.0)
    contain = np.where((small >= cfg.min_content_words) & (small / large >= cfg.min_size_ratio), contain, 0.0)
    pairs = []
    for j in range(1, len(blocks)):
        best_s, best_c = int(np.argmax(jac[:j, j])), int(np.argmax(contain[:j, j]))
        if jac[best_s, j] >= cfg.shingle_jaccard:
            pairs.append((blocks[best_s], blocks[j], "shingle", float(jac[best_s, j])))
        elif contain[best_c, j] >= cfg.content_containment:
            pairs.append((blocks[best_c], blocks[j], "content", float(contain[best_c, j])))
    return pairs


def near_duplicate_pairs(answer: str, cfg: RepetitionConfig = DEFAULT) -> list[tuple]:
    """For each block that nearly duplicates an earlier one: (earlier, later, kind, similarity).

    ``kind`` is "shingle" (exact Jaccard of word shingles) or "content" (weighted content-term
    overlap). Indexes are the paragraph (counting paragraphs that hold words) where each block
    starts.
    """
    doc = tokenize_answer(answer)
    pairs = _near_duplicate_blocks(answer, token_hashes(doc.tokens), cfg, answer_blocks(doc, cfg))
    para = doc.paragraph
    return [(int(para[a[0]]), int(para[b[0]]), kind, sim) for a, b, kind, sim in pairs]


def _seen_earlier(keys: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """[S] True where an eligible unit's key equals an earlier eligible unit's key."""
    out = np.zeros(len(keys), dtype=bool)
    idx = np.flatnonzero(eligible)
    if len(idx):
        first = first_occurrence(keys[idx])
        out[idx] = first < np.arange(len(idx))
    return out


def _unit_keys(values: np.ndarray, unit: np.ndarray, n_units: int) -> np.ndarray:
    """Order-sensitive 64-bit key per unit: sum of ``values[i] * P^(rank of i in its unit)``."""
    starts = np.flatnonzero(np.concatenate([[True], unit[1:] != unit[:-1]]))
    rank = np.arange(len(unit)) - np.repeat(starts, np.diff(np.concatenate([starts, [len(unit)]])))
    powers = np.ones(int(rank.max()) + 1 if len(rank) else 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        if len(powers) > 1:
            powers[1:] = _MIX[1]
            powers = np.multiply.accumulate(powers)
        keys = np.add.reduceat(values * powers[rank], starts) if len(values) else np.zeros(0, np.uint64)
    out = np.zeros(n_units, dtype=np.uint64)
    out[unit[starts]] = keys
    return out


def _unit_repeats(doc: TokenizedAnswer, hashes: np.ndarray, func: np.ndarray,
                  cfg: RepetitionConfig) -> tuple[np.ndarray, ...]:
    """Per unit (sentence or line): exact repeat, copied, skeleton-or-bag repeat flags, [S] each.
    Units are compared through 64-bit keys (exact: the token sequence; bag: the token multiset;
    skeleton: the collapsed function-word skeleton)."""
    starts = doc.sentence_starts
    n_units = len(starts) - 1
    sent = doc.sentence
    lengths = np.diff(starts)
    with np.errstate(over="ignore"):
        exact_keys = _unit_keys(hashes, sent, n_units) ^ (lengths.astype(np.uint64) * _MIX[3])
        mixed = (hashes * _MIX[0]) ^ (hashes >> np.uint64(7))
        bag_keys = np.zeros(n_units, dtype=np.uint64)
        np.add.at(bag_keys, sent, mixed)
        bag_keys ^= lengths.astype(np.uint64) * _MIX[2]
    long_enough = lengths >= cfg.min_sentence_tokens
    exact = _seen_earlier(exact_keys, long_enough)
    bag = _seen_earlier(bag_keys, long_enough) & ~exact
    # skeleton: function tokens kept, each run of content tokens one slot
    new_unit = np.concatenate([[True], sent[1:] != sent[:-1]])
    keep = func | new_unit | np.concatenate([[True], func[:-1]])
    sym = np.where(func, hashes, _SLOT)[keep]
    n_func = np.bincount(sent, weights=func, minlength=n_units)
    n_sym = np.bincount(sent[keep], minlength=n_units)
    skel_keys = _unit_keys(sym, sent[keep], n_units) ^ (n_sym.astype(np.uint64) * _MIX[3])
    eligible = (n_func >= cfg.skeleton_min_function) & (n_sym - n_func >= cfg.skeleton_min_slots)
    skel = (_seen_earlier(skel_keys, eligible) | bag) & ~exact
    # copied: share of the n-grams starting in the unit first seen in an earlier unit
    copied = np.zeros(n_units, dtype=bool)
    grams = ngram_hashes(hashes, cfg.copy_n)
    if len(grams):
        first = first_occurrence(grams)
        sent = doc.sentence[: len(grams)]
        from_earlier = doc.sentence[first] < sent
        hits = np.bincount(sent, weights=from_earlier, minlength=n_units)
        total = np.bincount(sent, minlength=n_units)
        copied = (total > 0) & (hits >= cfg.copy_containment * np.maximum(total, 1))
    skel |= _skeleton_contained(doc, hashes, func, cfg)
    return exact, copied & ~exact, skel & ~exact


def echo_units(doc: TokenizedAnswer, hashes: np.ndarray, cjk: np.ndarray, cfg: RepetitionConfig) -> np.ndarray:
    """[S] units whose signature (``unit_signatures``) has exact Jaccard similarity at least
    ``echo_jaccard`` with an earlier unit's: a sentence restated as a paraphrase of one before it."""
    n_units = len(doc.sentence_starts) - 1
    if n_units < 2:
        return np.zeros(n_units, dtype=bool)
    owner, term = unit_signatures(doc, hashes, cjk)
    return echo_similarity(owner, term, n_units, cfg.echo_min_terms, cfg.echo_dense_df) >= cfg.echo_jaccard


_SLOT = np.uint64(0x5BD1E995)


def _skeleton_contained(doc: TokenizedAnswer, hashes: np.ndarray, func: np.ndarray,
                        cfg: RepetitionConfig) -> np.ndarray:
    """[S] units whose skeleton n-grams (``skeleton_n`` symbols of the collapsed skeleton
    stream, within the unit) mostly (``skeleton_containment``) occurred in earlier units: a
    synonym-swapped copy where a swap also changed a function word or two."""
    n_units = len(doc.sentence_starts) - 1
    out = np.zeros(n_units, dtype=bool)
    if len(hashes) == 0:
        return out
    sent = doc.sentence
    new_unit = np.concatenate([[True], sent[1:] != sent[:-1]])
    # keep function tokens and the first content token of each content run (the slot)
    keep = func | new_unit | np.concatenate([[True], func[:-1]])
    sym = np.where(func, hashes, _SLOT)[keep]
    sym_unit = sent[keep]
    k = cfg.skeleton_n
    grams = ngram_hashes(sym, k)
    if len(grams) == 0:
        return out
    inside = sym_unit[: len(grams)] == sym_unit[k - 1:]
    first = first_occurrence(np.where(inside, grams, np.arange(len(grams), dtype=np.uint64) ^ _SLOT))
    unit = sym_unit[: len(grams)]
    from_earlier = inside & (sym_unit[first] < unit)
    hits = np.bincount(unit, weights=from_earlier, minlength=n_units)
    total = np.bincount(unit, weights=inside, minlength=n_units)
    n_func = np.bincount(sent, weights=func, minlength=n_units)
    return ((total >= cfg.skeleton_min_grams) & (hits >= cfg.skeleton_containment * np.maximum(total, 1))
            & (n_func >= cfg.skeleton_min_function))


def unit_signatures(doc: TokenizedAnswer, hashes: np.ndarray, cjk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit, element) pairs without duplicates: each unit's set of Latin-script tokens (function
    words included) and CJK character bigrams inside it. Element ids are dense integers."""
    sent = doc.sentence
    latin = ~cjk
    with np.errstate(over="ignore"):
        pair = (hashes[:-1] * _MIX[1]) ^ (hashes[1:] * _MIX[2])
    both = cjk[:-1] & cjk[1:] & (sent[:-1] == sent[1:]) if len(hashes) > 1 else np.zeros(0, dtype=bool)
    owner = np.concatenate([sent[latin], sent[:-1][both]]).astype(np.int64)
    elems = np.concatenate([hashes[latin], pair[both]])
    if len(elems) == 0:
        return owner, owner
    term = np.unique(elems, return_inverse=True)[1].reshape(-1)
    return _unique_pairs(owner, term)


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 element (``np.bitwise_count`` where numpy has it)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    return _BYTE_BITS[x[..., None].view(np.uint8)].sum(axis=-1)


def echo_similarity(owner: np.ndarray, term: np.ndarray, n_units: int, min_terms: int,
                    dense_df: int = 16) -> np.ndarray:
    """[S] for each unit, the highest exact Jaccard similarity of its signature set with any
    earlier unit's (both sets at least ``min_terms`` elements; 0 otherwise). Intersections come
    from an inverted index for elements in at most ``dense_df`` units and from bitset
    intersections for the frequent ones, so every pair is exact."""
    best = np.zeros(n_units)
    size = np.bincount(owner, minlength=n_units)
    keep = size[owner] >= min_terms
    owner, term = owner[keep], term[keep]
    units = np.flatnonzero(size >= min_terms)
    if len(units) < 2:
        return best
    local = np.full(n_units, -1, dtype=np.int64)
    local[units] = np.arange(len(units))
    o = local[owner]
    n = len(units)
    df = np.bincount(term)
    frequent = df[term] > dense_df
    inter = pair_overlap(o[~frequent], term[~frequent], n)
    if frequent.any():
        f_ids = np.unique(term[frequent], return_inverse=True)[1].reshape(-1)
        bits = np.zeros((n, int(f_ids.max()) // 64 + 1), dtype=np.uint64)     # membership bitsets
        np.bitwise_or.at(bits, (o[frequent], f_ids // 64), np.left_shift(np.uint64(1), (f_ids % 64).astype(np.uint64)))
        for w in range(bits.shape[1]):
            inter += popcount(bits[:, w, None] & bits[None, :, w])
    inter = inter.astype(np.float32)
    sz = size[units].astype(np.float32)
    union = sz[:, None] + sz[None, :]
    union -= inter
    np.maximum(union, 1.0, out=union)
    inter /= union                                # Jaccard, [later, earlier] below the diagonal
    inter *= np.arange(n)[:, None] > np.arange(n)[None, :]
    best[units] = inter.max(axis=1)
    return best


def _near_duplicate_units(answer: str, doc: TokenizedAnswer, hashes: np.ndarray, pairs: list[tuple],
                          cfg: RepetitionConfig) -> np.ndarray:
    """[T] tokens of the units (sentences, lines) of each near-duplicate block that take part in
    the match: at least ``unit_shingle_share`` of the unit's shingles, or ``unit_content_share``
    of its content terms, occur in the earlier block. A pooled block of short lines is flagged
    only where its lines match, not as a whole."""
    mask = np.zeros(len(doc.tokens), dtype=bool)
    if not pairs:
        return mask
    k = cfg.shingle_size
    grams = ngram_hashes(hashes, k)
    starts = doc.sentence_starts
    for (ea, eb), (la, lb), _, _ in pairs:
        earlier_shingles = set(grams[ea: max(ea, eb - k + 1)].tolist())
        earlier_terms = set(terms_between(answer, ea, eb))
        for u in range(int(doc.sentence[la]), int(doc.sentence[lb - 1]) + 1):
            a, b = max(la, int(starts[u])), min(lb, int(starts[u + 1]))
            own = grams[a: max(a, b - k + 1)].tolist()
            terms = terms_between(answer, a, b)
            if ((own and sum(g in earlier_shingles for g in own) >= cfg.unit_shingle_share * len(own))
                    or (terms and sum(t in earlier_terms for t in terms) >= cfg.unit_content_share * len(terms))):
                mask[a:b] = True
    return mask


def _loop_repeats(doc: TokenizedAnswer, hashes: np.ndarray, n: int) -> tuple[int, int]:
    """(repeated n-gram positions, n-gram positions) over all units (sentences, lines); a position
    is repeated when its n-gram already occurred earlier in the same unit. Repeats across units
    are the unit measures' business."""
    grams = ngram_hashes(hashes, n)
    if len(grams) == 0:
        return 0, 0
    para = doc.sentence
    inside = para[: len(grams)] == para[n - 1:]                              # n-gram within one paragraph
    with np.errstate(over="ignore"):
        keyed = grams[inside] ^ (para[: len(grams)][inside].astype(np.uint64) * _MIX[3])
    total = int(inside.sum())
    return total - len(np.unique(keyed)), total


def line_structured(line: np.ndarray, paragraph: np.ndarray, cfg: RepetitionConfig) -> bool:
    """Verse, lists, tables, dialogue: at least ``structured_min_lines`` lines, and at least half
    the tokens on lines of at most
    ``structured_line_tokens`` tokens (prose paragraphs are longer lines) or in paragraphs of
    at least three lines."""
    n = len(line)
    if n == 0 or line[-1] + 1 < cfg.structured_min_lines:
        return False
    line_len = np.bincount(line)
    if line_len[line_len <= cfg.structured_line_tokens].sum() >= 0.5 * n:
        return True
    lines_per_para = np.bincount(paragraph[np.concatenate([[True], line[1:] != line[:-1]])])
    return bool(lines_per_para[paragraph].__ge__(3).sum() >= 0.5 * n)


def _forgive_refrains(mask: np.ndarray, line: np.ndarray, paragraph: np.ndarray, cfg: RepetitionConfig) -> int:
    """In line-structured text (``line_structured``), clear (in place) the first
    ``refrain_runs`` runs of set tokens in ``mask`` (runs cut at stanza boundaries: paragraphs of
    several lines; when every paragraph is a single line, runs are not cut) that hold
    at most ``refrain_tokens`` tokens, up to ``refrain_max_share`` of the answer. Returns the
    tokens cleared."""
    if not mask.any() or cfg.refrain_runs <= 0 or not line_structured(line, paragraph, cfg):
        return 0
    budget = max(cfg.refrain_max_share * len(mask), cfg.refrain_min_budget)
    if paragraph[-1] == line[-1]:                   # as many paragraphs as lines (ids count from 0)
        paragraph = np.zeros_like(paragraph)        # every paragraph one line: no stanzas to cut at
    new_para = np.concatenate([[False], paragraph[1:] != paragraph[:-1]])
    starts = mask & (np.concatenate([[True], ~mask[:-1]]) | new_para)
    ends = mask & (np.concatenate([~mask[1:], [True]]) | np.concatenate([new_para[1:], [True]]))
    run_starts, run_ends = np.flatnonzero(starts), np.flatnonzero(ends) + 1
    cleared = runs = 0
    for a, b in zip(run_starts, run_ends):
        if runs >= cfg.refrain_runs:
            break
        if b - a > cfg.refrain_tokens or cleared + (b - a) > budget:
            continue
        if b - a > cfg.refrain_line_tokens * (int(line[b - 1]) - int(line[a]) + 1):
            continue                                # lines too long for verse: prose said again
        mask[a:b] = False
        cleared += int(b - a)
        runs += 1
    return cleared


def analyze_repetition(answer: str, cfg: RepetitionConfig = DEFAULT) -> RepetitionReport:
    """All repetition measures of one answer and its score (formula in the module docstring)."""
    doc = tokenize_answer(answer)
    total = len(doc.tokens)
    if total == 0:
        return RepetitionReport(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, 1.0, [], np.zeros(0, dtype=bool),
                                np.zeros(0, dtype=bool))
    hashes = token_hashes(doc.tokens)
    unit_len = np.diff(doc.sentence_starts)
    func = (token_classes(answer) & FUNCTION).astype(bool)
    exact, copied, skel = _unit_repeats(doc, hashes, func, cfg)
    echo = np.zeros_like(exact)
    if cfg.near_duplicates and cfg.echo_jaccard <= 1.0:
        echo = echo_units(doc, hashes, (token_classes(answer) & CJK).astype(bool), cfg) & ~(exact | copied | skel)
    if not cfg.near_duplicates:
        copied[:] = False
        skel[:] = False
    unit_mask = np.repeat(exact | copied | skel | echo, unit_len)
    blocks = answer_blocks(doc, cfg)
    pairs = _near_duplicate_blocks(answer, hashes, cfg, blocks) if cfg.near_duplicates else []
    block_mask = _near_duplicate_units(answer, doc, hashes, pairs, cfg)
    mask = unit_mask | block_mask
    flagged = int(mask.sum())
    flagged_mask = mask.copy()
    forgiven = _forgive_refrains(mask, doc.line, doc.paragraph, cfg)
    loop_rep, loop_total = _loop_repeats(doc, hashes, cfg.loop_n)
    loop_rate = loop_rep / loop_total if loop_total else 0.0
    repeated_share = (flagged - forgiven) / total
    loop_excess = max(0.0, loop_rate - cfg.loop_tolerance) / (1.0 - cfg.loop_tolerance)
    score = (max(0.0, 1.0 - cfg.slope * max(0.0, repeated_share - cfg.tolerance))
             * max(0.0, 1.0 - cfg.slope * loop_excess))
    checked = sum(1 for a, b in blocks if b - a >= cfg.min_paragraph_tokens)
    return RepetitionReport(
        total_tokens=total, paragraphs=doc.n_paragraphs,
        exact_repeat_share=float(unit_len[exact].sum()) / total,
        copy_share=float(unit_len[copied].sum()) / total,
        skeleton_share=float(unit_len[skel].sum()) / total, echo_share=float(unit_len[echo].sum()) / total,
        near_dup_share=int(block_mask.sum()) / total, refrain_share=forgiven / total,
        repeated_share=repeated_share, near_dup_paragraphs=len(pairs),
        near_dup_rate=len(pairs) / checked if checked else 0.0, loop_rate=loop_rate,
        score=score, pairs=pairs, mask=mask, flagged=flagged_mask)


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
