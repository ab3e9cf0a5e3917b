"""Preference pairs for the writing reward model: reading TRL-format files and building pairs.

File format (TRL's preference format), one JSON object per line:

- standard: ``{"prompt": str, "chosen": str, "rejected": str}``; ``prompt`` may be omitted
  (``""``) when the texts carry it;
- conversational: ``prompt`` a list of ``{"role", "content"}`` messages and ``chosen`` /
  ``rejected`` lists holding the assistant turn(s).

Extra keys are kept (``build_pairs`` writes ``damage`` and ``source``). ``"tie": true`` marks two
honest texts neither of which is preferred (``build_pairs`` writes such length pairs with
``ties``): training pulls their scores together instead of apart. ``source`` groups pairs
that share one original answer, so a held-out split can hold out whole answers.

``build_pairs`` turns a model's own answers into pairs: chosen = the answer, rejected = a
damaged copy (``damage``). Rows need ``prompt`` and ``response``; a response with
think/answer tags is reduced to its answer (``prompts.parse_completion``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl
from longwriter_zero.prompts import parse_completion
from longwriter_zero.reward_model.damage import DAMAGES, is_chinese
from longwriter_zero.text.units import split_paragraphs, split_sentences

Text = Union[str, list]   # a plain string or a list of {"role", "content"} messages


@dataclass
class PreferencePair:
    prompt: Text
    chosen: Text
    rejected: Text
    group: str       # pairs from one original answer share a group
    where: str       # "file:line" for messages
    damage: str = "" # kind of damage that made ``rejected``, when known (from build_pairs)
    tie: bool = False  # two honest texts neither of which is preferred (trained towards equal scores)


def _check_messages(value, key: str, where: str) -> None:
    if not value or not all(isinstance(m, dict) and isinstance(m.get("role"), str)
                            and isinstance(m.get("content"), str) for m in value):
        raise UserError(f"{where}: '{key}' must be a string or a non-empty list of "
                        "{{role, content}} messages")


def check_pair_row(row: dict, where: str) -> PreferencePair:
    """Validate one TRL-format row (UserError naming ``where`` and the key)."""
    for key in ("chosen", "rejected"):
        if key not in row:
            raise UserError(f"{where}: missing '{key}'")
    prompt = row.get("prompt", "")
    for key, value in (("prompt", prompt), ("chosen", row["chosen"]), ("rejected", row["rejected"])):
        if isinstance(value, str):
            if key != "prompt" and not value.strip():
                raise UserError(f"{where}: '{key}' is empty")
        elif isinstance(value, list):
            if key != "prompt" or value:
                _check_messages(value, key, where)
        else:
            raise UserError(f"{where}: '{key}' must be a string or a list of messages, "
                            f"got {type(value).__name__}")
    conversational = isinstance(row["chosen"], list)
    if isinstance(row["rejected"], list) != conversational or (
            isinstance(prompt, list) != conversational and prompt != ""):
        raise UserError(f"{where}: mixes plain strings and message lists")
    if row["chosen"] == row["rejected"]:
        raise UserError(f"{where}: 'chosen' and 'rejected' are identical")
    if not isinstance(row.get("tie", False), bool):
        raise UserError(f"{where}: 'tie' must be true or false")
    group = str(row.get("source", _text_key(prompt) + "\x00" + _text_key(row["chosen"])))
    return PreferencePair(prompt, row["chosen"], row["rejected"], group, where, str(row.get("damage", "")),
                          bool(row.get("tie", False)))


def _text_key(value: Text) -> str:
    if isinstance(value, str):
        return value
    return "\x01".join(f"{m['role']}:{m['content']}" for m in value)


def load_pairs(path) -> list[PreferencePair]:
    pairs = [check_pair_row(row, f"{path}:{lineno}") for lineno, row in iter_jsonl(path)]
    if not pairs:
        raise UserError(f"{path}: no preference pairs")
    return pairs


def answer_text(response: str) -> str:
    """The answer inside a raw completion (tags removed), or the text itself when untagged."""
    if "<answer>" in response or "<think>" in response:
        return parse_completion(response, require_think=False).answer
    return response.strip()


def build_pairs(rows: Iterable[tuple[str, dict]], seed: int = 0, damages: Sequence[str] = tuple(DAMAGES),
                copies: int = 1, ties: int = 0) -> list[dict]:
    """One pair per (answer, damage kind, copy): chosen = the answer, rejected = a damaged copy.

    Copy 0 uses the whole answer; further copies use a random run of consecutive paragraphs
    (at least half of them) as both the chosen text and the base of the damage, so the chosen
    texts vary and a reward model cannot pass by recognising a few good texts (their endings
    especially, which a last-token classifier sees first).

    ``rows`` yields (where, row) with ``prompt`` and ``response``. A damage that leaves an
    answer unchanged (e.g. too short to truncate) yields no pair.

    ``ties`` length pairs per answer (``length_tie_pairs``): the answer against a shorter honest
    run of it, marked ``tie`` and ``damage: "length_tie"``, so a model trained on them learns
    neither "longer is better" nor "shorter is better".
    """
    unknown = [d for d in damages if d not in DAMAGES]
    if unknown:
        raise UserError(f"unknown damage(s) {unknown} (known: {', '.join(DAMAGES)})")
    rng = random.Random(seed)
    out = []
    for where, row in rows:
        for key in ("prompt", "response"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise UserError(f"{where}: needs a non-empty string '{key}'")
        answer = answer_text(row["response"])
        if not answer:
            raise UserError(f"{where}: the response has no answer text")
        source = str(row.get("id", where))
        paragraphs = split_paragraphs(answer)
        for kind in damages:
            for copy in range(copies):
                base = answer if copy == 0 else _paragraph_run(paragraphs, rng)
                damaged = DAMAGES[kind](base, rng)
                if damaged.strip() and damaged != base:
                    out.append({"prompt": row["prompt"].strip(), "chosen": base, "rejected": damaged,
                                "damage": kind, "source": source})
        for a, b in length_tie_pairs(answer, rng, ties):
            out.append({"prompt": row["prompt"].strip(), "chosen": a, "rejected": b, "damage": "length_tie",
                        "tie": True, "source": source})
    return out


def honest_shorter(text: str, rng: random.Random) -> str:
    """A shorter honest version of ``text``: a run of consecutive paragraphs holding about half
    of them, or for one-paragraph texts its first sentences (ending where a sentence ends)."""
    paragraphs = split_paragraphs(text)
    n = len(paragraphs)
    if n >= 2:
        size = rng.randint(1, max(1, n - 1))
        start = rng.randint(0, n - size)
        return "\n\n".join(paragraphs[start: start + size])
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return text
    return ("" if is_chinese(text) else " ").join(sentences[: rng.randint(1, len(sentences) - 1)])


def length_tie_pairs(answer: str, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` (text, text) pairs of one honest answer at two lengths, the longer one first or
    second at random (so neither position is always the longer)."""
    out = []
    for _ in range(n):
        short = honest_shorter(answer, rng)
        if short.strip() and short != answer:
            out.append((answer, short) if rng.random() < 0.5 else (short, answer))
    return out


def _paragraph_run(paragraphs: list[str], rng: random.Random) -> str:
    """A random run of consecutive paragraphs holding at least half of them (an honest, shorter
    text that ends where a paragraph ends)."""
    n = len(paragraphs)
    if n < 3:
        return "\n\n".join(paragraphs)
    size = rng.randint((n + 1) // 2, n)
    start = rng.randint(0, n - size)
    return "\n\n".join(paragraphs[start: start + size])


def build_pairs_from_file(path, seed: int = 0, damages: Sequence[str] = tuple(DAMAGES), copies: int = 1,
                          ties: int = 0) -> list[dict]:
    return build_pairs(((f"{path}:{lineno}", row) for lineno, row in iter_jsonl(path)), seed, damages, copies, ties)


def split_by_group(pairs: Sequence[PreferencePair], eval_fraction: float, seed: int = 0
                   ) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """(train, held out): whole groups (original answers) go to one side; at least one group
    is held out when ``eval_fraction > 0`` and there are two or more groups."""
    groups = sorted({p.group for p in pairs})
    random.Random(seed).shuffle(groups)
    n_eval = round(eval_fraction * len(groups))
    if eval_fraction > 0 and len(groups) > 1:
        n_eval = min(max(1, n_eval), len(groups) - 1)
    held = set(groups[:n_eval])
    return [p for p in pairs if p.group not in held], [p for p in pairs if p.group in held]
