"""Write the warm-start samples: short think/answer pieces whose request states their length.

The paper's continual-pretraining stage mixes in think-format samples so that RL starts from a
model that can produce the structure. At the quick start's scale the same job is done by a short
SFT (``configs/sft_warmstart.yaml``) on these rows. Each row is a prefix (whole sentences) of one
of the bundled honest answers (``assets/honest_answers.jsonl``, written for this project), with

- ``prompt``: the answer's own request plus its length, rounded to 5 (e.g. "In about 45 words, ...");
- ``think``: a one-line plan that names the length and the number of paragraphs;
- ``response``: the prefix; its length (``text.counting``) is within 10% of the stated one.

Lengths are spread over 15-100 English words and 15-70 Chinese characters, what a 160-token cap
holds after the plan. The held-out evaluation prompts (``assets/eval_prompts*.jsonl``) share
neither requests nor texts with these rows.

    python benchmarks/make_warmstart_samples.py [--out src/longwriter_zero/assets/warmstart_samples.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from longwriter_zero.text.counting import count_length  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src/longwriter_zero/assets/honest_answers.jsonl"
EN_REQUESTS = ("In about {n} words, {p}", "{P} Use about {n} words.", "{P} (about {n} words)",
               "{P} Keep it to roughly {n} words.")
ZH_REQUESTS = ("用大约{n}个字，{p}", "{p}（{n}字左右）", "{p}请写{n}字左右。")
_SENT_EN = re.compile(r"(?<=[.!?])\s+|\n+")
_SENT_ZH = re.compile(r"(?<=[。！？])|\n+")


def sentences(text: str, zh: bool) -> list[tuple[str, bool]]:
    """(sentence, starts a new paragraph) in order."""
    out = []
    for k, para in enumerate(p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()):
        parts = [s.strip() for s in (_SENT_ZH if zh else _SENT_EN).split(para) if s and s.strip()]
        out += [(s, j == 0 and k > 0) for j, s in enumerate(parts)]
    return out


def prefix_near(text: str, target: int, zh: bool) -> str:
    """The whole-sentence prefix of ``text`` whose length is closest to ``target``."""
    best, best_gap, pieces = "", None, []
    for s, new_para in sentences(text, zh):
        pieces.append(("\n\n" if new_para else ("" if zh else " ")) + s if pieces else s)
        cand = "".join(pieces)
        gap = abs(count_length(cand) - target)
        if best_gap is None or gap < best_gap:
            best, best_gap = cand, gap
    return best


def plan(n: int, paragraphs: int, zh: bool) -> str:
    if zh:
        return f"要求约{n}字。写{paragraphs}段，紧扣题目，写到约{n}字就结束。"
    s = "" if paragraphs == 1 else "s"
    return (f"The request asks for about {n} words. I will write {paragraphs} short paragraph{s} "
            f"on the topic and stop near {n} words.")


def build(seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        src = json.loads(line)
        zh = bool(re.search(r"[\u4e00-\u9fff]", src["prompt"]))
        targets = [rng.randint(15, 70) for _ in range(4)] if zh else [rng.randint(15, 55), rng.randint(55, 100)]
        for t in targets:
            text = prefix_near(src["response"], t, zh)
            n = count_length(text)
            stated = max(10, 5 * round(n / 5))
            if abs(n - stated) > 0.1 * stated or n < 10:
                continue
            p = src["prompt"].rstrip()
            req = rng.choice(ZH_REQUESTS if zh else EN_REQUESTS)
            prompt = req.format(n=stated, p=p[0].lower() + p[1:] if not zh else p, P=p)
            rows.append({"id": f"{src['id']}-{t}", "prompt": prompt, "think": plan(stated, text.count("\n\n") + 1, zh),
                         "response": text, "length": stated, "lang": "zh" if zh else "en", "source": src["id"]})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "src/longwriter_zero/assets/warmstart_samples.jsonl"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = build(args.seed)
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    en = sum(r["lang"] == "en" for r in rows)
    print(f"{args.out}: {len(rows)} rows ({en} English, {len(rows) - en} Chinese)")


if __name__ == "__main__":
    main()
