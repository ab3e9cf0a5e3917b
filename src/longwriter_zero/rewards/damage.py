"""Ways to damage an answer, for reward-model preference pairs and for reward tests.

Each damage function takes the answer text and a ``random.Random`` and returns a damaged copy
of it that a careful reader would rank below the original. They imitate the reward hacks and
failures seen in long-form RL:

- ``duplicate_paragraphs``: verbatim copies of some paragraphs inserted later in the text.
- ``paraphrase_pad``: the answer padded with lightly reworded copies of its own paragraphs
  (synonym swaps, clause and sentence reordering, filler openers; see ``paraphrase_paragraph``)
  until the copies are a given share of the text.
- ``shuffle_sentences``: the answer's sentences shuffled across the whole text, paragraph sizes
  kept, so it reads incoherently.
- ``truncate_mid_thought``: the answer cut off inside a sentence.
- ``stuff_keywords``: a few "high-reward" words (praise and buzzwords) sprinkled through the
  text far above any natural rate.

The paraphraser is deliberately simple and rule based (no model is needed); it still changes
every sentence so that exact-match repeat detection cannot see the copies.
"""

from __future__ import annotations

import random
import re
from typing import Callable

from longwriter_zero.rewards.text_units import split_paragraphs, split_sentences

SYNONYMS: dict[str, list[str]] = {
    "many": ["numerous", "plenty of", "a lot of"], "big": ["large", "sizeable"], "small": ["little", "modest"],
    "important": ["significant", "essential", "key"], "show": ["reveal", "demonstrate"],
    "shows": ["reveals", "demonstrates"], "showed": ["revealed", "demonstrated"], "use": ["employ", "rely on"],
    "uses": ["employs", "relies on"], "help": ["assist", "support"], "helps": ["assists", "supports"],
    "often": ["frequently", "regularly"], "also": ["as well", "too"], "people": ["individuals", "folk"],
    "very": ["highly", "extremely"], "quickly": ["rapidly", "swiftly"], "begin": ["start", "commence"],
    "began": ["started", "commenced"], "start": ["begin", "launch"], "end": ["finish", "close"],
    "buy": ["purchase", "acquire"], "need": ["require"], "needs": ["requires"], "make": ["create", "produce"],
    "makes": ["creates", "produces"], "made": ["created", "produced"], "good": ["fine", "solid"],
    "bad": ["poor", "weak"], "hard": ["difficult", "tough"], "easy": ["simple", "straightforward"],
    "old": ["aged", "former"], "new": ["fresh", "recent"], "first": ["initial", "earliest"],
    "last": ["final", "latest"], "about": ["roughly", "around"], "enough": ["sufficient"],
    "however": ["yet", "still"], "because": ["since", "as"], "but": ["yet", "though"],
    "large": ["big", "substantial"], "change": ["shift", "alter"], "changes": ["shifts", "alters"],
    "problem": ["issue", "difficulty"], "problems": ["issues", "difficulties"], "house": ["home", "dwelling"],
    "town": ["community", "settlement"], "city": ["metropolis", "urban area"], "work": ["labour", "job"],
    "result": ["outcome", "consequence"], "results": ["outcomes", "findings"], "idea": ["notion", "concept"],
    "ideas": ["notions", "concepts"], "way": ["manner", "method"], "ways": ["methods", "approaches"],
    "part": ["portion", "piece"], "place": ["spot", "location"], "time": ["period", "moment"],
    "year": ["twelvemonth"], "years": ["decades", "seasons"], "think": ["believe", "reckon"],
    "say": ["state", "claim"], "said": ["stated", "remarked"], "get": ["obtain", "receive"],
    "give": ["provide", "offer"], "gives": ["provides", "offers"], "keep": ["maintain", "retain"],
    "find": ["discover", "locate"], "found": ["discovered", "located"], "small-scale": ["modest"],
    "clear": ["obvious", "plain"], "simple": ["basic", "plain"], "whole": ["entire", "complete"],
    "main": ["chief", "primary"], "real": ["genuine", "actual"], "quiet": ["calm", "silent"],
    "cheap": ["inexpensive", "low-cost"], "expensive": ["costly", "pricey"], "modern": ["contemporary"],
    "build": ["construct", "erect"], "built": ["constructed", "erected"], "choose": ["select", "pick"],
}
FILLERS = ["Indeed, ", "In fact, ", "Clearly, ", "Moreover, ", "Notably, ", "In other words, ", "Put simply, "]
STUFFING_WORDS = ["comprehensive", "insightful", "masterful", "nuanced", "compelling", "profound",
                  "vivid", "eloquent", "groundbreaking", "exceptional"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def _match_case(word: str, template: str) -> str:
    return word[0].upper() + word[1:] if template[:1].isupper() else word


def _swap_synonyms(sentence: str, rng: random.Random, prob: float) -> str:
    def repl(m: re.Match) -> str:
        w = m.group(0)
        options = SYNONYMS.get(w.lower())
        if options and rng.random() < prob:
            return _match_case(rng.choice(options), w)
        return w
    return _WORD.sub(repl, sentence)


def _swap_clauses(sentence: str) -> str:
    """'A, B.' -> 'B, a.' at the first comma (keeps the final punctuation)."""
    body, end = (sentence[:-1], sentence[-1]) if sentence[-1:] in ".!?" else (sentence, "")
    head, sep, tail = body.partition(", ")
    if not sep or len(head.split()) < 2 or len(tail.split()) < 2:
        return sentence
    head = head[0].lower() + head[1:] if not head.startswith("I ") else head
    return tail[0].upper() + tail[1:] + ", " + head + end


def _swap_adjacent_words(sentence: str, rng: random.Random) -> str:
    words = sentence.split(" ")
    spots = [i for i in range(1, len(words) - 2) if words[i].isalpha() and words[i + 1].isalpha()]
    if not spots:
        return sentence
    i = rng.choice(spots)
    words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def paraphrase_sentence(sentence: str, rng: random.Random) -> str:
    """A light rewording that always changes the sentence (so exact matching misses it)."""
    out = _swap_synonyms(sentence, rng, prob=0.6)
    if rng.random() < 0.5:
        out = _swap_clauses(out)
    if rng.random() < 0.3:
        out = _swap_adjacent_words(out, rng)
    if out == sentence or rng.random() < 0.25:
        out = rng.choice(FILLERS) + out[0].lower() + out[1:] if out[:2] != "I " else rng.choice(FILLERS) + out
    return out


def paraphrase_paragraph(paragraph: str, rng: random.Random) -> str:
    """Every sentence reworded (see ``paraphrase_sentence``); sentence order shuffled half the time."""
    sentences = [paraphrase_sentence(s, rng) for s in split_sentences(paragraph)]
    if len(sentences) > 2 and rng.random() < 0.5:
        rng.shuffle(sentences)
    return " ".join(sentences)


def _join(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def _words(text: str) -> int:
    return len(text.split())


def duplicate_paragraphs(text: str, rng: random.Random, share: float = 0.3) -> str:
    """Insert verbatim copies of random paragraphs after their originals until the copies make
    up about ``share`` of the words."""
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return text
    out = list(paragraphs)
    target = share / (1 - share) * _words(text)
    added = 0
    while added < target:
        src = rng.randrange(len(paragraphs))
        pos = rng.randint(out.index(paragraphs[src]) + 1, len(out))
        out.insert(pos, paragraphs[src])
        added += _words(paragraphs[src])
    return _join(out)


def paraphrase_pad(text: str, rng: random.Random, share: float = 0.35) -> str:
    """Append reworded copies of the answer's own paragraphs until they make up about ``share``
    of the words (copies are inserted after their source paragraph)."""
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return text
    out = list(paragraphs)
    target = share / (1 - share) * _words(text)
    candidates = [p for p in paragraphs if _words(p) >= 12] or paragraphs
    added = 0
    while added < target:
        src = rng.choice(candidates)
        copy = paraphrase_paragraph(src, rng)
        pos = rng.randint(out.index(src) + 1, len(out))
        out.insert(pos, copy)
        added += _words(copy)
    return _join(out)


def shuffle_sentences(text: str, rng: random.Random) -> str:
    """Shuffle all sentences across the text, keeping the number of sentences per paragraph."""
    paragraphs = [split_sentences(p) for p in split_paragraphs(text)]
    flat = [s for p in paragraphs for s in p]
    if len(flat) < 3:
        return text
    shuffled = list(flat)
    for _ in range(10):
        rng.shuffle(shuffled)
        if shuffled != flat:
            break
    out, k = [], 0
    for p in paragraphs:
        out.append(" ".join(shuffled[k: k + len(p)]))
        k += len(p)
    return _join(out)


def truncate_mid_thought(text: str, rng: random.Random, low: float = 0.4, high: float = 0.8) -> str:
    """Cut the text at a random word between ``low`` and ``high`` of its words, inside a sentence
    (the last kept word never ends a sentence)."""
    tokens = re.split(r"(\s+)", text.strip())   # words and the whitespace between them
    word_pos = [i for i in range(0, len(tokens), 2)]
    if len(word_pos) < 5:
        return text
    lo, hi = int(len(word_pos) * low), max(int(len(word_pos) * low) + 1, int(len(word_pos) * high))
    choices = [i for i in word_pos[lo:hi] if not re.search(r"[.!?:;。！？；…\"”)]$", tokens[i])]
    cut = rng.choice(choices) if choices else word_pos[lo]
    kept = "".join(tokens[: cut + 1]).rstrip(",")
    return kept


def stuff_keywords(text: str, rng: random.Random, rate: float = 0.08, n_terms: int = 3,
                   words: list[str] | None = None) -> str:
    """Insert ``n_terms`` keywords (drawn from ``words``) before random words until the inserted
    words are about ``rate`` of the text."""
    pool = words or STUFFING_WORDS
    terms = rng.sample(pool, min(n_terms, len(pool)))
    tokens = text.split(" ")
    n_insert = max(n_terms, int(rate * _words(text)))
    for _ in range(n_insert):
        i = rng.randrange(len(tokens))
        tokens.insert(i, rng.choice(terms))
    return " ".join(tokens)


DAMAGES: dict[str, Callable[[str, random.Random], str]] = {
    "duplicate": duplicate_paragraphs,
    "paraphrase_pad": paraphrase_pad,
    "shuffle": shuffle_sentences,
    "truncate": truncate_mid_thought,
    "stuff": stuff_keywords,
}


def damage(text: str, kind: str, rng: random.Random) -> str:
    """Apply the named damage (one of ``DAMAGES``)."""
    if kind not in DAMAGES:
        raise ValueError(f"unknown damage '{kind}' (known: {', '.join(DAMAGES)})")
    return DAMAGES[kind](text, rng)
