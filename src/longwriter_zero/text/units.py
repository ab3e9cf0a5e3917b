"""Splitting an answer into paragraphs, sentences and word tokens (English and Chinese).

Choices, shared by the repetition and stuffing measures:

- Paragraphs: blocks separated by a blank line. A text with no blank line but several lines
  (models often emit single newlines between paragraphs) is split on every newline.
- Sentences (``split_sentences``): split after ``. ! ?`` (plus closing quotes or brackets) when
  whitespace follows, and after ``。！？；…`` directly.
- Units (the ``sentence`` ids of ``tokenize_answer``, what the repetition and padding measures
  compare): sentences, further cut at every line break (a line of a poem or a list item is its
  own unit) and at every ``|`` (a table cell is its own unit). Abbreviations such as "Dr." split too; for repetition
  measures that only makes units shorter, never hides a repeat.
- Tokens: lower-cased Latin-script words and numbers (inner apostrophes and hyphens kept) and
  single CJK characters: nearly the units ``counting.count_length`` counts (LongBench-Write's
  rule splits "don't" in two and skips numbers; the difference is well under 1% of English
  prose), so shares of "text" are, to that precision, shares of answer length.
- Content terms: English tokens minus a small stop-word list, plus Chinese character bigrams
  (single characters are too common to tell topics apart) that are not both function
  characters; used where topic words matter (bag-of-words overlap, keyword stuffing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_CJK_RANGE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
TOKEN = re.compile(rf"[A-Za-z0-9\u00c0-\u024f]+(?:['’\-][A-Za-z0-9\u00c0-\u024f]+)*|[{_CJK_RANGE}]")
_CJK_CHAR = re.compile(rf"[{_CJK_RANGE}]")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|(?<=[。！？；…])[”’」』）)]*\s*")
_UNIT_END = re.compile(_SENTENCE_END.pattern + r"|\n\s*|\|")     # sentence ends, line breaks, table cells

STOPWORDS = frozenset("""
a about above after again against all also although am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each either else even ever every few for from further had hadn't has hasn't have
haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd
i'll i'm i've if in into is isn't it it's its itself just let's many may me might more most much must
mustn't my myself neither no nor not now of off often on once one only or other others ought our ours
ourselves out over own per quite rather same several shall shan't she she'd she'll she's should
shouldn't since so some such than that that's the their theirs them themselves then there there's these
they they'd they'll they're they've this those though through thus to too under until up upon us very
was wasn't we we'd we'll we're we've were weren't what what's when when's where where's whether which
while who who's whom whose why why's will with within without won't would wouldn't yet you you'd you'll
you're you've your yours yourself yourselves s t ll re ve d m
""".split())

# Chinese characters that carry grammar rather than topic.
ZH_FUNCTION_CHARS = frozenset("的了是在和与及或也都就而但并且被把将对于从向到以之其这那些个有为着过么吗呢吧啊很更最又还没不")


def paragraph_breaks(text: str) -> list[int]:
    """Offsets where a new paragraph may start (after each separator; see the module docstring)."""
    breaks = [m.end() for m in _BLANK_LINE.finditer(text)]
    if not breaks and "\n" in text.strip():
        breaks = [m.end() for m in re.finditer("\n", text)]
    return breaks


def split_paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs, stripped (see the module docstring for the rule)."""
    bounds = [0] + paragraph_breaks(text) + [len(text)]
    blocks = (text[a:b] for a, b in zip(bounds, bounds[1:]))
    return [b.strip() for b in blocks if b.strip()]


def split_sentences(paragraph: str) -> list[str]:
    """Non-empty sentences of one paragraph, stripped."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s and s.strip()]


def tokenize(text: str) -> list[str]:
    """Lower-cased words and single CJK characters."""
    return TOKEN.findall(text.lower())


def is_content_word(token: str) -> bool:
    if _CJK_CHAR.fullmatch(token):
        return token not in ZH_FUNCTION_CHARS
    return token not in STOPWORDS and not token.isdigit() and len(token) > 1


_CONTENT_CACHE: dict[str, int] = {}   # token -> 0 function word, 1 content word, 2 CJK character


def _token_kind(token: str) -> int:
    kind = _CONTENT_CACHE.get(token)
    if kind is None:
        if len(_CONTENT_CACHE) > 200_000:
            _CONTENT_CACHE.clear()
        kind = _CONTENT_CACHE[token] = 2 if is_cjk(token) else int(is_content_word(token))
    return kind


def _kinds(tokens) -> list[int]:
    cache = _CONTENT_CACHE
    for tok in set(tokens).difference(cache):
        _token_kind(tok)
    return list(map(cache.__getitem__, tokens))


def content_set(tokens) -> set[str]:
    """The set of ``content_words(tokens)``, faster for long token runs."""
    unique = list(set(tokens))
    kinds = _kinds(unique)
    out = {t for t, k in zip(unique, kinds) if k == 1}
    if 2 in kinds:
        out.update(w for w in content_words(tokens) if len(w) == 2 and is_cjk(w[0]))
    return out


def content_words(tokens) -> list[str]:
    """Content terms of a token sequence: English content words in order, and for each run of
    CJK characters its bigrams (skipping pairs of two function characters)."""
    kinds = _kinds(tokens)
    if 2 not in kinds:
        return [t for t, k in zip(tokens, kinds) if k == 1]
    out: list[str] = []
    prev_cjk = ""
    for t, kind in zip(tokens, kinds):
        if kind == 2:
            if prev_cjk and not (prev_cjk in ZH_FUNCTION_CHARS and t in ZH_FUNCTION_CHARS):
                out.append(prev_cjk + t)
            prev_cjk = t
        else:
            prev_cjk = ""
            if kind:
                out.append(t)
    return out


def is_cjk(token: str) -> bool:
    return bool(_CJK_CHAR.fullmatch(token))


@dataclass(frozen=True)
class TokenizedAnswer:
    """One answer's tokens with their paragraph and sentence, computed in one pass.

    Paragraph and sentence ids count only units that hold tokens, in order (0, 1, 2, ...).
    """

    tokens: tuple[str, ...]       # [T] lower-cased tokens
    paragraph: np.ndarray         # [T] paragraph id of each token
    sentence: np.ndarray          # [T] sentence id of each token (sentences never cross paragraphs)
    paragraph_starts: np.ndarray  # [P + 1] token offsets of each paragraph, then T
    sentence_starts: np.ndarray   # [S + 1] token offsets of each sentence, then T
    line: np.ndarray | None = None  # [T] line of each token (lines that hold tokens, 0, 1, ...)

    @property
    def n_paragraphs(self) -> int:
        return len(self.paragraph_starts) - 1

    def paragraph_tokens(self, i: int) -> tuple[str, ...]:
        return self.tokens[self.paragraph_starts[i]: self.paragraph_starts[i + 1]]


def _run_starts(ids: np.ndarray) -> np.ndarray:
    """Offsets where a run of equal ids starts, then len(ids)."""
    if len(ids) == 0:
        return np.zeros(1, dtype=np.int64)
    change = np.flatnonzero(np.diff(ids)) + 1
    return np.concatenate([[0], change, [len(ids)]]).astype(np.int64)


@lru_cache(maxsize=64)
def tokenize_answer(text: str) -> TokenizedAnswer:
    """Tokens of ``text`` with paragraph and sentence ids (cached: the format reward, the
    stuffing check and evaluation often look at the same answer)."""
    para_breaks = paragraph_breaks(text)
    sent_breaks = [m.start() for m in _UNIT_END.finditer(text)]
    line_breaks = [m.end() for m in re.finditer("\n", text)]
    bounds = sorted(set([0] + para_breaks + sent_breaks + line_breaks + [len(text)]))
    segment_tokens = [TOKEN.findall(text[a:b].lower()) for a, b in zip(bounds, bounds[1:])]
    counts = np.fromiter((len(s) for s in segment_tokens), dtype=np.int64, count=len(segment_tokens))
    segment_para = np.searchsorted(np.asarray(para_breaks, dtype=np.int64), np.asarray(bounds[:-1]), side="right")
    segment_line = np.searchsorted(np.asarray(line_breaks, dtype=np.int64), np.asarray(bounds[:-1]), side="right")
    keep = counts > 0
    counts, segment_para, segment_line = counts[keep], segment_para[keep], segment_line[keep]
    tokens = tuple(tok for s in segment_tokens for tok in s)
    # renumber so that only paragraphs and sentences holding tokens get ids
    para_ids = np.cumsum(np.concatenate([[0], np.diff(segment_para) != 0])) if len(counts) else segment_para
    paragraph = np.repeat(para_ids, counts)
    sentence = np.repeat(np.arange(len(counts)), counts)
    line_ids = np.cumsum(np.concatenate([[0], np.diff(segment_line) != 0])) if len(counts) else segment_line
    return TokenizedAnswer(tokens, paragraph, sentence, _run_starts(paragraph), _run_starts(sentence),
                           np.repeat(line_ids, counts))


def function_mask(tokens) -> np.ndarray:
    """[T] True for function tokens: English stop words and Chinese function characters."""
    cache = _CLASS_CACHE
    for tok in set(tokens).difference(cache):
        cache[tok] = _token_class(tok)
    return np.fromiter((cache[t] & FUNCTION for t in tokens), dtype=bool, count=len(tokens))


def skeleton_of(tokens, func) -> tuple[str, ...]:
    """Function-word skeleton: function tokens kept, each run of other tokens one ``_`` slot."""
    out: list[str] = []
    for t, f in zip(tokens, func):
        if f:
            out.append(t)
        elif not out or out[-1] != "_":
            out.append("_")
    return tuple(out)


CJK, LATIN, FUNCTION, CONTENT = 1, 2, 4, 8      # bits of ``token_classes``
_CLASS_CACHE: dict[str, int] = {}


def _token_class(token: str) -> int:
    if is_cjk(token):
        return CJK | (FUNCTION if token in ZH_FUNCTION_CHARS else CONTENT)
    code = 0 if token.isdigit() else LATIN
    if token in STOPWORDS:
        code |= FUNCTION
    elif is_content_word(token):
        code |= CONTENT
    return code


@lru_cache(maxsize=64)
def token_classes(text: str) -> np.ndarray:
    """[T] class bits (``CJK``, ``LATIN`` word, ``FUNCTION``, ``CONTENT``) of the tokens of
    ``tokenize_answer(text)``, looked up once per distinct token (cached per answer)."""
    return classify_tokens(tokenize_answer(text).tokens, _CLASS_CACHE, _token_class)


def classify_tokens(tokens, cache: dict, classify) -> np.ndarray:
    """[T] int8 ``classify(token)`` of each token, each distinct token classified once and kept in
    ``cache`` (cleared past 200,000 entries)."""
    if len(cache) > 200_000:
        cache.clear()
    for tok in set(tokens).difference(cache):
        cache[tok] = classify(tok)
    return np.fromiter(map(cache.__getitem__, tokens), dtype=np.int8, count=len(tokens))


@lru_cache(maxsize=64)
def answer_terms(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """``content_words`` of the whole answer with the token offset of each term (its first
    token), cached per answer: the terms of tokens ``[a, b)`` are those with offsets in it."""
    tokens = tokenize_answer(text).tokens
    classes = token_classes(text)
    cjk = (classes & CJK) > 0
    english = np.flatnonzero(((classes & CONTENT) > 0) & ~cjk)
    func = (classes & FUNCTION) > 0
    pairs = np.flatnonzero(cjk[:-1] & cjk[1:] & ~(func[:-1] & func[1:])) if len(tokens) > 1 else english[:0]
    pos = np.concatenate([english, pairs]).astype(np.int64)
    terms = [tokens[i] for i in english.tolist()] + [tokens[i] + tokens[i + 1] for i in pairs.tolist()]
    order = np.argsort(pos, kind="stable")
    return tuple(terms[i] for i in order.tolist()), pos[order]


@lru_cache(maxsize=64)
def answer_term_ids(text: str) -> np.ndarray:
    """[n_terms] integer id of each of ``answer_terms(text)`` (equal terms, equal ids)."""
    ids: dict[str, int] = {}
    terms = answer_terms(text)[0]
    return np.fromiter((ids.setdefault(t, len(ids)) for t in terms), dtype=np.int64, count=len(terms))


def terms_between(text: str, a: int, b: int) -> tuple[str, ...]:
    """The content terms of ``text`` whose first token lies in ``[a, b)``."""
    terms, pos = answer_terms(text)
    return terms[int(np.searchsorted(pos, a)): int(np.searchsorted(pos, b))]


def clear_caches() -> None:
    """Forget every per-answer cache (timing benchmarks clear them before each call)."""
    for fn in (tokenize_answer, token_classes, answer_terms, answer_term_ids):
        fn.cache_clear()
