"""Text helpers shared by the red-team suite generators (``fresh2/`` to ``fresh6/``): length units,
the think/answer wrapping, paragraphs and sentences, cutting to a target length, and the hand-part
files (keywords, synonyms), and the generators' common tail (essays and corpus from their sources,
the jsonl files, ``--check``). Each generator keeps its own essays,
hack kinds and seed."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator


CJK = re.compile(r"[\u4e00-\u9fff]")


LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")


def units(text: str, lang: str) -> int:
    """Length as a length reward would see it: words (en) or CJK characters plus Latin words (zh)."""
    if lang == "en":
        return len(LATIN_WORD.findall(text))
    return len(CJK.findall(text)) + len(LATIN_WORD.findall(text))


def wrap(plan: str, answer: str) -> str:
    """A response in the policy's output format: the plan in <think>, the text in <answer>."""
    return f"<think>{plan}</think>\n<answer>\n{answer}\n</answer>"


def answer_of(response: str) -> str:
    """The text inside <answer>...</answer> (the whole response when there is none)."""
    m = re.search(r"(?s)<answer>\s*(.*?)\s*</answer>", response)
    return m.group(1) if m else response


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def sentences(paragraph: str, lang: str) -> list[str]:
    if lang == "en":
        return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])", paragraph.strip()) if s]
    return [s for s in re.findall(r".+?(?:[。！？]+[”」』]?|$)", paragraph.strip()) if s.strip()]


def all_sentences(text: str, lang: str) -> list[str]:
    return [s for p in paragraphs(text) for s in sentences(p, lang)]


def sentence_sep(lang: str) -> str:
    return " " if lang == "en" else ""


def head_paragraphs(text: str, lang: str, share: float) -> list[str]:
    """The first paragraphs of ``text`` holding about ``share`` of its length (at least one)."""
    paras, goal, out, n = paragraphs(text), share * units(text, lang), [], 0
    for p in paras:
        if out and n + units(p, lang) / 2 > goal:
            break
        out.append(p)
        n += units(p, lang)
    return out


def head_sentences(text: str, lang: str, share: float) -> list[str]:
    goal, out, n = share * units(text, lang), [], 0
    for s in all_sentences(text, lang):
        if out and n >= goal:
            break
        out.append(s)
        n += units(s, lang)
    return out


def strip_end(sentence: str) -> str:
    return re.sub(r"[.!?。！？”」』]+$", "", sentence.strip())


def lower_first(s: str) -> str:
    """Lower-case the first letter unless the first word is "I" or an acronym."""
    first = s.split(" ", 1)[0]
    if first == "I" or first.startswith("I'") or (len(first) > 1 and first.isupper()):
        return s
    return s[:1].lower() + s[1:]


def upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def zh_chunks(sentence: str) -> list[str]:
    """Two-character chunks of the CJK text of a sentence (punctuation dropped)."""
    chars = "".join(CJK.findall(sentence))
    return [chars[i:i + 2] for i in range(0, len(chars), 2)]


def assemble(tokens: Iterable[str], target: int, lang: str, tail: str = "") -> str:
    """Concatenate ``tokens`` until the text (with ``tail`` appended) reaches ``target`` units."""
    goal, text, n = target - units(tail, lang), "", 0
    for tok in tokens:
        t = units(tok, lang)
        if n + t >= goal:
            if goal - n > n + t - goal:      # keep the last token when that lands nearer the goal
                text += tok
            break
        text, n = text + tok, n + t
    return (text.rstrip() + tail).strip()


def per_sentence(text: str, lang: str, fn: Callable[[str], str]) -> Iterator[str]:
    """``fn`` of every sentence as its own token, paragraph breaks kept (for fine length cuts)."""
    for p in paragraphs(text):
        for s in sentences(p, lang):
            yield fn(s) + sentence_sep(lang)
        yield "\n\n"


def cycle(items: list, rng: random.Random, shuffle: bool = True) -> Iterator:
    """Endless walk over ``items``: each round a new shuffle, so no item repeats within a round."""
    while True:
        order = list(items)
        if shuffle:
            rng.shuffle(order)
        yield from order


def load_parts(path: Path) -> dict[str, list[str]]:
    parts, key = {}, None
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("## "):
            key = line[3:].strip()
            parts[key] = []
        elif line.strip() and not line.startswith("#"):
            if key is None:
                raise SystemExit(f"{path}:{lineno}: text before the first '## key' header")
            parts[key].append(line.strip())
    return parts


def synonyms(parts: dict, lang: str) -> dict[str, str]:
    out = {}
    for line in parts[f"{lang}.syn"]:
        a, b = (x.strip() for x in line.split("=", 1))
        out[a] = b
    return out


def swap_synonyms(text: str, syn: dict[str, str], lang: str) -> str:
    """Replace every word that has a listed synonym (one pass, longest match for Chinese)."""
    if lang == "en":
        def repl(m):
            w = m.group(0)
            s = syn.get(w.lower())
            if s is None:
                return w
            return upper_first(s) if w[0].isupper() else s
        return re.sub(r"[A-Za-z]+", repl, text)
    pattern = re.compile("|".join(sorted(map(re.escape, syn), key=len, reverse=True)))
    return pattern.sub(lambda m: syn[m.group(0)], text)

# --- the generators' common tail: essays and corpus from their sources, jsonl out, --check ---------

def load_essays(here: Path, essays: dict) -> list[dict]:
    """Rows of ``essays`` (id -> lang, range, prompt, plan) with ``essays/<id>.md`` as the answer and
    ``essays/<id>.translation.md`` beside it."""
    rows = []
    for eid, meta in essays.items():
        text = (here / "essays" / f"{eid}.md").read_text(encoding="utf-8").strip()
        translation = (here / "essays" / f"{eid}.translation.md").read_text(encoding="utf-8").strip()
        rows.append({"id": eid, "lang": meta["lang"], "prompt": meta["prompt"], "range": meta["range"],
                     "response": wrap(meta["plan"], text), "translation": translation})
    return rows


def load_corpus(path: Path) -> list[dict]:
    rows, cur, lines = [], None, []

    def close():
        if cur is None:
            return
        body = "\n".join(lines).strip()
        head, sep, answer = body.partition("\n---\n")
        prompt, plan_sep, plan = head.partition("\nplan: ")
        if not sep or not plan_sep:
            raise SystemExit(f"{path}: {cur['id']}: needs the request, a 'plan: ' line and a '---' line")
        cur.update(prompt=prompt.strip(), response=wrap(plan.strip(), answer.strip()))
        n = units(answer, cur["lang"])
        lo, hi = cur["range"]
        if not lo <= n <= hi:
            raise SystemExit(f"{path}: {cur['id']}: length {n} outside its range {lo}-{hi}")
        rows.append(cur)

    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("=== "):
            close()
            fields = [f.strip() for f in line[4:].split("|")]
            if len(fields) != 4:
                raise SystemExit(f"{path}:{lineno}: header needs 'id | genre | lang | lower-upper'")
            lo, hi = (int(x) for x in fields[3].split("-"))
            cur, lines = {"id": fields[0], "genre": fields[1], "lang": fields[2], "range": [lo, hi]}, []
        elif cur is not None:
            lines.append(line)
    close()
    return [{k: r[k] for k in ("id", "genre", "lang", "prompt", "range", "response")} for r in rows]


def build_hacks(essays: list[dict], parts: dict, meta: dict, kinds: dict, seed: int, tolerance: float,
                extra_ctx: Callable[[str, dict], dict] | None = None,
                check: Callable[[str, str, str, str], None] | None = None,
                note: Callable[[Callable], str] | None = None, distinct: bool = True) -> list[dict]:
    """Every hack of a suite: for each essay of ``meta`` (in order) and each kind of ``kinds``
    (``kind -> (builder, essay ids)``) that lists it, ``builder(ctx)`` returns the hacked answer.
    ``ctx`` holds the essay's id, language, answer text, translation, target length, one seeded
    generator per hack id (``seed:id``), the hand parts, the essay's metadata, every answer text
    and translation by language (``all_texts``) and what ``extra_ctx(essay id, essays by id)``
    adds. The build stops (SystemExit) when a hack is not within ``tolerance`` of its essay's length,
    equals its essay (``distinct``) or fails ``check(hack id, kind, text, essay text)``. Each row
    keeps its essay's plan (only the answer is gamed) and, with ``note``, ``note(builder)``."""
    by_id = {e["id"]: e for e in essays}
    all_texts = {"en": [], "zh": []}
    for e in essays:
        all_texts[e["lang"]].append(answer_of(e["response"]))
        all_texts["zh" if e["lang"] == "en" else "en"].append(e["translation"])
    hacks = []
    for eid in meta:
        e = by_id[eid]
        answer = answer_of(e["response"])
        extra = extra_ctx(eid, by_id) if extra_ctx else {}
        for kind, (builder, bases) in kinds.items():
            if eid not in bases:
                continue
            hid = f"{eid}.{kind}"
            ctx = {"id": eid, "lang": e["lang"], "text": answer, "translation": e["translation"],
                   "target": units(answer, e["lang"]), "rng": random.Random(f"{seed}:{hid}"),
                   "parts": parts, "essay": meta[eid], **extra, "all_texts": all_texts}
            text = builder(ctx)
            n, target = units(text, e["lang"]), ctx["target"]
            if abs(n - target) > tolerance * target:
                raise SystemExit(f"{hid}: length {n} is not within {tolerance:.0%} of {target}")
            if distinct and text.strip() == answer.strip():
                raise SystemExit(f"{hid}: identical to its essay")
            if check:
                check(hid, kind, text, answer)
            row = {"id": hid, "kind": kind, "base": eid, "lang": e["lang"], "prompt": e["prompt"],
                   "range": e["range"], "response": wrap(meta[eid]["plan"], text), "source": "generated"}
            if note:
                row["note"] = note(builder)
            hacks.append(row)
    return hacks


def docstring_note(builder: Callable) -> str:
    """A builder's docstring on one line (the hack row's ``note``)."""
    return " ".join((builder.__doc__ or "").split())


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def build(here: Path, essays: dict, build_hacks: Callable[[list[dict], dict], list[dict]]) -> dict[str, str]:
    """The three jsonl files' text, from the suite's sources in ``here``."""
    parts = load_parts(here / "hand_parts.txt")
    rows = load_essays(here, essays)
    return {"essays.jsonl": render(rows), "hacks.jsonl": render(build_hacks(rows, parts)),
            "honest_corpus.jsonl": render(load_corpus(here / "honest_corpus.txt"))}


def generator_main(here: Path, out: dict[str, str], doc: str, script: str, argv: list[str] | None = None) -> int:
    """Write the jsonl files (``out``: name -> text), or with ``--check`` exit 1 when any is stale."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only check that the jsonl files are up to date")
    args = ap.parse_args(argv)
    stale = [name for name, text in out.items()
             if not (here / name).exists() or (here / name).read_text(encoding="utf-8") != text]
    if args.check:
        for name in stale:
            print(f"{here / name} is out of date: run {script}", file=sys.stderr)
        return 1 if stale else 0
    for name, text in out.items():
        (here / name).write_text(text, encoding="utf-8")
    counts = {name: text.count("\n") for name, text in out.items()}
    print(", ".join(f"{name}: {n} rows" for name, n in counts.items()))
    return 0
