"""One readable page for a training run folder or an evaluation output folder.

What it picks up (in the folder and its direct subfolders):
- training run: ``config.yaml``, ``metrics.jsonl`` (one JSON per step: ``step``, ``reward/<name>``,
  ``loss``, ``answer_length/mean``, ...) summarised as a table and drawn as curves
  (``curves.png`` if the run wrote one, otherwise ``report_curves.png`` drawn here),
  ``samples.jsonl`` / ``samples.md``;
- evaluation outputs: ``length.md``, ``critic_summary.md``, ``leaderboard.md``, ``repetition.md``
  (included as they are), every other PNG, and a few rows of answer files (JSONL rows with a
  ``response``).
Markdown links images by relative path; ``--html`` writes a standalone HTML page with the
images embedded.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from pathlib import Path

from longwriter_zero.errors import UserError
from longwriter_zero.evaluation.tables import fmt, markdown_table, write_text_atomic

EVAL_TABLES = ("length.md", "critic_summary.md", "leaderboard.md", "repetition.md", "heldout.md")
SAMPLE_TEXT_KEYS = ("response", "completion", "answer", "output", "text")
MAX_SAMPLE_CHARS = 1500


def _read_jsonl_lenient(path: Path, limit: int | None = None) -> list[dict]:
    """Rows of a JSONL file that is possibly still being written (a torn last line is skipped)."""
    from longwriter_zero.jsonl import parse_json_line

    rows = []
    with path.open("rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:            # a line that is not UTF-8 or not plain JSON is skipped like a torn one
                obj = parse_json_line(raw.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(obj, dict):
                rows.append(obj)
            if limit is not None and len(rows) >= limit:
                break
    return rows


def metrics_table(rows: list[dict]) -> str:
    """metric | first | last | min | max, over the numeric metrics of ``metrics.jsonl``."""
    keys: list[str] = []
    for r in rows:
        keys += [k for k, v in r.items() if k != "step" and k not in keys
                 and isinstance(v, (int, float)) and not isinstance(v, bool)]
    body = []
    for k in keys:
        vals = [float(r[k]) for r in rows if isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)
                and math.isfinite(float(r[k]))]
        if vals:
            body.append([k, vals[0], vals[-1], min(vals), max(vals)])
    return markdown_table(["metric", "first", "last", "min", "max"], body, digits=4)


def plot_metrics(rows: list[dict], path: Path) -> bool:
    """Curves of rewards, loss and answer length against step; False if nothing to draw."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r.get("step", i) for i, r in enumerate(rows)]
    groups = {"rewards": [k for k in _keys(rows) if k.startswith("reward")],
              "loss": [k for k in _keys(rows) if k == "loss" or k.startswith("loss/")],
              "answer length": [k for k in _keys(rows) if k.startswith("answer_length")]}
    groups = {g: ks for g, ks in groups.items() if ks}
    if not groups:
        return False
    fig, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 3.6), squeeze=False)
    for ax, (title, ks) in zip(axes[0], groups.items()):
        for k in ks:
            pts = [(s, r[k]) for s, r in zip(steps, rows) if isinstance(r.get(k), (int, float))]
            if pts:
                ax.plot(*zip(*pts), label=k)
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _keys(rows: list[dict]) -> list[str]:
    keys: list[str] = []
    for r in rows:
        keys += [k for k, v in r.items() if k not in keys and isinstance(v, (int, float)) and not isinstance(v, bool)]
    return keys


def _sample_block(row: dict, title: str) -> str:
    """A sample answer: its request, the requested range, the scores it got, then the text."""
    text_key = next((k for k in SAMPLE_TEXT_KEYS if isinstance(row.get(k), str)), None)
    prompt = row.get("prompt", row.get("query", row.get("request", "")))
    facts = {k: v for k, v in row.items() if isinstance(v, (int, float, bool)) or (k in ("id", "type") and v)}
    lines = [f"#### {title}", ""]
    if prompt:
        lines += ["**Prompt:** " + _quote(str(prompt), 500), ""]
    rng = row.get("range")
    if isinstance(rng, (list, tuple)) and len(rng) == 2:
        produced = row.get("response_length")
        if produced is None and text_key:
            from longwriter_zero.prompts import parse_completion
            from longwriter_zero.text.counting import count_length

            produced = count_length(parse_completion(row[text_key]).answer)
        lines += [f"**Range:** {rng[0]}-{rng[1]} (words, or CJK characters); answer length: {produced}", ""]
    scores = row.get("rewards") or row.get("scores")
    if isinstance(scores, dict) and scores:
        lines += ["**Scores:** " + ", ".join(f"{k} {fmt(v, 3)}" for k, v in scores.items()), ""]
    if facts:
        lines += [", ".join(f"`{k}` = {fmt(v, 3)}" for k, v in facts.items()), ""]
    if text_key:
        text = row[text_key]
        lines += [f"**{text_key.capitalize()}** ({len(text)} chars):", "", "```text", _clip(text, MAX_SAMPLE_CHARS),
                  "```", ""]
    return "\n".join(lines)


def _clip(text: str, n: int) -> str:
    text = text.replace("```", "ˋˋˋ")
    return text if len(text) <= n else text[:n] + f"\n[… {len(text) - n} more characters]"


def _quote(text: str, n: int) -> str:
    return _clip(text, n).replace("\n", " ")


def _is_answer_file(path: Path) -> bool:
    rows = _read_jsonl_lenient(path, limit=1)
    return bool(rows) and any(isinstance(rows[0].get(k), str) for k in ("response", "completion"))


def build_report(folder: str | Path, output: str | Path, n_samples: int = 3) -> str:
    """Markdown text of the report for ``folder``; image links are relative to ``output``."""
    root = Path(folder)
    if not root.is_dir():
        raise UserError(f"{root}: not a folder")
    out_dir = Path(output).resolve().parent
    rel = lambda p: os.path.relpath(Path(p).resolve(), out_dir).replace(os.sep, "/")  # noqa: E731
    folders = [root] + sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    parts = [f"# Report: {root.resolve().name}", ""]
    shown_png: set[Path] = set()
    found_anything = False

    for d in folders:
        section: list[str] = []
        metrics = d / "metrics.jsonl"
        if metrics.exists():
            rows = _read_jsonl_lenient(metrics)
            if rows:
                last = rows[-1]
                section += ["## Training", "",
                            f"{len(rows)} logged steps (last step {last.get('step', len(rows) - 1)}).", "",
                            metrics_table(rows), ""]
                curves = d / "curves.png"
                if not curves.exists():
                    curves = d / "report_curves.png"
                    if not plot_metrics(rows, curves):
                        curves = None
                if curves is not None:
                    section += [f"![training curves]({rel(curves)})", ""]
                    shown_png.add(curves.resolve())
        for name in EVAL_TABLES:
            if (d / name).exists():
                text = (d / name).read_text(encoding="utf-8", errors="replace").strip()
                section += [re.sub(r"^(#+)", r"\1#", text, flags=re.M) if text.startswith("#") else text, ""]
                png = d / name.replace(".md", ".png")
                if png.exists():
                    section += [f"![{png.stem}]({rel(png)})", ""]
                    shown_png.add(png.resolve())
        for png in sorted(d.glob("*.png")):
            if png.resolve() not in shown_png:
                section += [f"![{png.stem}]({rel(png)})", ""]
                shown_png.add(png.resolve())
        samples_jsonl, samples_md = d / "samples.jsonl", d / "samples.md"
        if samples_jsonl.exists():
            rows = _read_jsonl_lenient(samples_jsonl)
            if rows:
                section += ["### Samples", ""]
                section += [_sample_block(r, f"Sample {i + 1}") for i, r in enumerate(rows[-n_samples:])]
        elif samples_md.exists():
            lines = samples_md.read_text(encoding="utf-8", errors="replace").splitlines()
            section += ["### Samples", ""] + [re.sub(r"^(#+)", r"\1##", line) for line in lines[:120]] + [""]
        for f in sorted(d.glob("*.jsonl")):
            if f.name in ("metrics.jsonl", "samples.jsonl", "critic_scores.jsonl", "judgments.jsonl"):
                continue
            if _is_answer_file(f):
                rows = _read_jsonl_lenient(f)
                section += [f"### Answers from `{f.name}` ({len(rows)} rows)", ""]
                section += [_sample_block(r, f"{f.stem} #{i + 1}") for i, r in enumerate(rows[:n_samples])]
        config = d / "config.yaml"
        if config.exists():
            section += ["### Configuration", "", "```yaml", config.read_text(encoding="utf-8", errors="replace").strip(), "```", ""]
        if section:
            found_anything = True
            if d != root:
                parts += [f"## Folder `{d.name}`", ""]
            parts += section
    if not found_anything:
        raise UserError(f"{root}: nothing to report (no metrics.jsonl, evaluation tables, plots or answer files)")
    return "\n".join(parts).rstrip() + "\n"


def markdown_to_html(markdown: str, base: Path, title: str) -> str:
    """Standalone HTML: tables rendered, local images embedded as data URIs."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark").enable("table").render(markdown)

    def embed(m: re.Match) -> str:
        src = m.group(1)
        p = (base / src)
        if p.exists() and p.suffix.lower() == ".png":
            return f'src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}"'
        return m.group(0)

    body = re.sub(r'src="([^"]+)"', embed, body)
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
             "table{border-collapse:collapse;margin:0.5rem 0}td,th{border:1px solid #ccc;padding:0.2rem 0.6rem;"
             "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
             "img{max-width:100%}pre{background:#f6f6f6;padding:0.6rem;white-space:pre-wrap}")
    return (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>{title}</title><style>{style}</style>"
            f"</head><body>\n{body}</body></html>\n")


def write_report(folder: str | Path, output: str | Path | None = None, html: bool = False) -> list[Path]:
    out = Path(output) if output else Path(folder) / "report.md"
    text = build_report(folder, out)
    write_text_atomic(out, text)
    written = [out]
    if html:
        html_path = out.with_suffix(".html")
        write_text_atomic(html_path, markdown_to_html(text, out.resolve().parent, f"Report: {Path(folder).name}"))
        written.append(html_path)
    return written
