"""Exact and near-duplicate removal for requests.

- Exact: texts equal after normalisation (Unicode NFKC, lower case, punctuation and
  whitespace removed).
- Near: MinHash over character 4-grams of the normalised text (works for English and Chinese
  alike), with LSH banding to find candidates; a candidate is a duplicate when its estimated
  Jaccard similarity to an earlier kept text is at least ``threshold`` (default 0.8).
  The first occurrence is kept.
- Number variants: texts equal once every number is blanked out (digits and Chinese numerals:
  "a 1500-word essay on jazz" / "a 2000-word essay on jazz"). In chat logs these are mostly one
  user retrying with another length, so they are dropped by default under their own reason,
  ``number_variant``, which the filter summary counts; ``keep_number_variants=True`` keeps them
  (they then skip the near-duplicate test, which would catch most of them).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib

import numpy as np

_PRIME = (1 << 31) - 1
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千万]+")


def normalize_text(text: str) -> str:
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def shingles(text: str, n: int = 4) -> set[str]:
    norm = normalize_text(text)
    if len(norm) <= n:
        return {norm}
    return {norm[i:i + n] for i in range(len(norm) - n + 1)}


class MinHasher:
    """``num_perm`` universal hash functions ``(a*x + b) mod p`` over 31-bit shingle hashes."""

    def __init__(self, num_perm: int = 128, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, _PRIME, size=num_perm, dtype=np.int64)
        self.b = rng.integers(0, _PRIME, size=num_perm, dtype=np.int64)

    def signature(self, grams: set[str]) -> np.ndarray:  # [num_perm] int64
        x = np.fromiter((zlib.crc32(g.encode("utf-8")) & _PRIME for g in grams), dtype=np.int64, count=len(grams))
        return ((self.a[:, None] * x[None, :] + self.b[:, None]) % _PRIME).min(axis=1)


class Deduplicator:
    """Feed texts in order; ``check(text)`` returns None for a new text, else "duplicate" or
    "near_duplicate" (and remembers only new texts)."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128, bands: int = 32, near: bool = True,
                 keep_number_variants: bool = False):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.threshold, self.bands, self.rows, self.near = threshold, bands, num_perm // bands, near
        self.keep_number_variants = keep_number_variants
        self.numberless: set[bytes] = set()
        self.hasher = MinHasher(num_perm)
        self.exact: set[bytes] = set()
        self.buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
        self.signatures: list[np.ndarray] = []

    def check(self, text: str) -> str | None:
        """None for a new text, else "duplicate", "number_variant" or "near_duplicate"."""
        norm = normalize_text(text)
        key = hashlib.sha1(norm.encode("utf-8")).digest()
        if key in self.exact:
            return "duplicate"
        self.exact.add(key)
        numberless = hashlib.sha1(_NUMBER.sub("#", norm).encode("utf-8")).digest()
        if numberless in self.numberless:
            return None if self.keep_number_variants else "number_variant"
        self.numberless.add(numberless)
        if not self.near:
            return None
        sig = self.hasher.signature(shingles(text))
        band_keys = [sig[i * self.rows:(i + 1) * self.rows].tobytes() for i in range(self.bands)]
        candidates = {j for band, k in zip(self.buckets, band_keys) for j in band.get(k, ())}
        for j in candidates:
            if float(np.mean(self.signatures[j] == sig)) >= self.threshold:
                return "near_duplicate"
        index = len(self.signatures)
        self.signatures.append(sig)
        for band, k in zip(self.buckets, band_keys):
            band.setdefault(k, []).append(index)
        return None
