"""WritingBench-style critic scoring: a judge rates each answer on each query's criteria.

Format (WritingBench): query rows ``{index, domain1, domain2, query, checklist}``, where the
checklist is a list of criteria ``{name, criteria_description, <rubric bands>...}``; answer rows
``{index, response}`` (``id`` is accepted for ``index``). The judge sees the query, the answer
and one criterion with its rubric, and replies with JSON ``{"score": 1-10, "reason": "..."}``.
The prompt wording is this project's own.

Reading the judge's reply (``parse_score``): the first JSON object anywhere in the text
(fenced or inside prose); failing that, a ``Score: 7`` / ``7/10`` pattern. Failures are kept
and counted by kind, never dropped silently:

- ``empty``: the reply is blank (after the client's retries; see ``judging.ask_judge``);
- ``no_json``: no JSON with a numeric ``score`` and no score pattern in the text;
- ``out_of_range``: a score was found but lies outside [1, 10].

Averages: per query (mean of its valid criterion scores), overall and per ``domain1`` (mean of
the query means, as WritingBench reports), and per requirement subset (mean of the criterion
scores in that subset). Subset rule (WritingBench tags its style/format/length subsets by what
the criterion checks; this project reads it off the criterion's name and description): a
criterion belongs to every subset whose keywords (``SUBSET_PATTERNS``, English and Chinese)
occur in its name or description; one that matches none counts toward the overall score only.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import mean

from longwriter_zero.errors import UserError
from longwriter_zero.jsonl import iter_jsonl

FAILURE_KINDS = ("empty", "no_json", "out_of_range")
SCORE_MIN, SCORE_MAX = 1, 10

SUBSET_PATTERNS: dict[str, re.Pattern] = {
    "style": re.compile(r"\b(style|stylistic|tone|voice|register|diction|rhetoric\w*)\b|风格|语气|文风|语体|措辞",
                        re.IGNORECASE),
    "format": re.compile(r"\b(format\w*|structur\w*|layout|headings?|bullet\w*|markdown|template)\b"
                         r"|格式|结构|排版|版式", re.IGNORECASE),
    "length": re.compile(r"\b(length|lengthy|word[- ]count|word[- ]limit|\d+\s*words?)\b|字数|篇幅|长度|字左右",
                         re.IGNORECASE),
}

CRITIC_SYSTEM = (
    "You are a strict, fair critic of written work. You grade one response against one "
    "criterion at a time, using the rubric given. Reply with a single JSON object and nothing else."
)

CRITIC_USER = """Grade the response below on ONE criterion.

## Writing request
{query}

## Response
{response}

## Criterion: {name}
{description}

## Rubric
{rubric}

Give an integer score from 1 (fails the criterion) to 10 (fully meets it), and a short reason
citing the response. Reply exactly as JSON: {{"score": <1-10>, "reason": "<one or two sentences>"}}"""


@dataclass
class Criterion:
    name: str
    description: str
    rubric: dict[str, str]            # band label -> text, e.g. "1-2": "..."
    subsets: list[str]                # requirement subsets this criterion belongs to


@dataclass
class Query:
    index: str
    domain1: str
    domain2: str
    query: str
    criteria: list[Criterion]


@dataclass
class ScoreParse:
    score: float | None               # in [1, 10] when valid
    reason: str
    failure: str | None               # None or one of FAILURE_KINDS


def criterion_subsets(name: str, description: str) -> list[str]:
    text = f"{name}\n{description}"
    return [s for s, pat in SUBSET_PATTERNS.items() if pat.search(text)]


def load_queries(path: str | Path) -> list[Query]:
    queries, seen = [], {}
    for lineno, obj in iter_jsonl(path):
        where = f"{path}:{lineno}"
        for key in ("index", "query", "checklist"):
            if key not in obj:
                raise UserError(f"{where}: missing key '{key}'")
        index = str(obj["index"])
        if index in seen:
            raise UserError(f"{where}: duplicate index {index!r} (first on line {seen[index]})")
        seen[index] = lineno
        checklist = obj["checklist"]
        if not isinstance(checklist, list) or not checklist:
            raise UserError(f"{where}: 'checklist' must be a non-empty list of criteria")
        criteria = []
        for j, c in enumerate(checklist):
            if not isinstance(c, dict) or not isinstance(c.get("name"), str):
                raise UserError(f"{where}: checklist[{j}] needs a string 'name'")
            desc = str(c.get("criteria_description", ""))
            rubric = {k: str(v) for k, v in c.items() if k not in ("name", "criteria_description")}
            criteria.append(Criterion(c["name"], desc, rubric, criterion_subsets(c["name"], desc)))
        queries.append(Query(index, str(obj.get("domain1") or "unknown"), str(obj.get("domain2") or ""),
                             str(obj["query"]), criteria))
    if not queries:
        raise UserError(f"{path}: no queries")
    return queries


def load_answers(path: str | Path) -> dict[str, str]:
    """index -> response (``id`` accepted in place of ``index``)."""
    answers: dict[str, str] = {}
    for lineno, obj in iter_jsonl(path):
        where = f"{path}:{lineno}"
        key = obj.get("index", obj.get("id"))
        if key is None:
            raise UserError(f"{where}: answer row needs 'index' (or 'id')")
        if not isinstance(obj.get("response"), str):
            raise UserError(f"{where}: answer row needs a string 'response'")
        if str(key) in answers:
            raise UserError(f"{where}: duplicate index {key!r}")
        answers[str(key)] = obj["response"]
    return answers


def critic_messages(query: Query, criterion: Criterion, response: str) -> list[dict]:
    rubric = "\n".join(f"- {k}: {v}" for k, v in criterion.rubric.items()) or "- (none given)"
    user = CRITIC_USER.format(query=query.query, response=response if response.strip() else "(empty response)",
                              name=criterion.name, description=criterion.description or "(no description)",
                              rubric=rubric)
    return [{"role": "system", "content": CRITIC_SYSTEM}, {"role": "user", "content": user}]


_SCORE_PATTERNS = (
    re.compile(r"\bscore\b(?:\s+(?:of|is|was))?\W{0,4}(-?\d+(?:\.\d+)?)", re.IGNORECASE),
    re.compile(r"(-?\d+(?:\.\d+)?)\s*/\s*10\b"),
    re.compile(r"(?:评分|得分|分数)\W{0,4}(-?\d+(?:\.\d+)?)"),
)


def _as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*10)?\s*", value)
        return float(m.group(1)) if m else None
    return None


def parse_score(text: str | None) -> ScoreParse:
    """Read ``{"score", "reason"}`` from a judge reply (see the module docstring)."""
    from longwriter_zero.judge.client import extract_json

    if text is None or not text.strip():
        return ScoreParse(None, "", "empty")
    obj = extract_json(text)
    score = reason = None
    if isinstance(obj, dict):
        score = _as_number(obj.get("score"))
        reason = obj.get("reason")
    if score is None:
        for pat in _SCORE_PATTERNS:
            m = pat.search(text)
            if m:
                score = float(m.group(1))
                break
    reason = str(reason if reason is not None else text.strip())[:2000]
    if score is None:
        return ScoreParse(None, reason, "no_json")
    if not SCORE_MIN <= score <= SCORE_MAX:
        return ScoreParse(score, reason, "out_of_range")
    return ScoreParse(score, reason, None)


@dataclass
class CriticSummary:
    n_queries: int
    n_criteria: int
    overall: float | None                                   # mean of query means
    per_domain: dict[str, float | None]
    per_subset: dict[str, float | None]
    per_query: dict[str, float | None]
    failures: dict[str, int] = field(default_factory=dict)  # kind -> count
    n_failed: int = 0
    missing_answers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return mean(values) if values else None


def summarize(results: list[dict], missing_answers: list[str] | None = None) -> CriticSummary:
    """``results``: one dict per (query, criterion) with index, domain1, subsets, score, failure."""
    by_query: dict[str, list[float | None]] = defaultdict(list)
    domain_of: dict[str, str] = {}
    by_subset: dict[str, list[float]] = {s: [] for s in SUBSET_PATTERNS}
    failures = {k: 0 for k in FAILURE_KINDS}
    for r in results:
        valid = r["failure"] is None
        by_query[r["index"]].append(r["score"] if valid else None)
        domain_of[r["index"]] = r["domain1"]
        if valid:
            for s in r["subsets"]:
                by_subset[s].append(r["score"])
        else:
            failures[r["failure"]] += 1
    per_query = {q: _mean(v) for q, v in by_query.items()}
    by_domain: dict[str, list] = defaultdict(list)
    for q, m in per_query.items():
        by_domain[domain_of[q]].append(m)
    return CriticSummary(
        n_queries=len(per_query), n_criteria=len(results), overall=_mean(per_query.values()),
        per_domain={d: _mean(v) for d, v in sorted(by_domain.items())},
        per_subset={s: _mean(v) for s, v in by_subset.items()}, per_query=per_query,
        failures=failures, n_failed=sum(failures.values()), missing_answers=list(missing_answers or []))


def summary_markdown(summary: CriticSummary, title: str = "WritingBench critic scores") -> str:
    from longwriter_zero.evaluation.tables import markdown_table

    parts = [f"## {title}", "",
             f"Overall **{_fmt(summary.overall)}** / 10 over {summary.n_queries} queries "
             f"({summary.n_criteria} criterion scores, {summary.n_failed} judge failures).", "",
             "### Per domain", "",
             markdown_table(["domain", "score"], [[d, s] for d, s in summary.per_domain.items()]), "",
             "### Per requirement subset", "",
             markdown_table(["subset", "score"], [[s, v] for s, v in summary.per_subset.items()]), "",
             "### Judge failures", "",
             markdown_table(["kind", "count"], [[k, v] for k, v in summary.failures.items()]), ""]
    if summary.missing_answers:
        parts += [f"Queries without an answer (not scored): {len(summary.missing_answers)}", ""]
    return "\n".join(parts)


def _fmt(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def run_critic(queries: list[Query], answers: dict[str, str], client, output_dir: str | Path,
               sampling: dict | None = None) -> CriticSummary:
    """Judge every (query, criterion) pair; write scores JSONL and the summary JSON/markdown.

    Judge replies are cached by the client, so a rerun after an interruption asks only the
    pairs not yet answered.
    """
    from longwriter_zero.evaluation.judging import ask_judge
    from longwriter_zero.evaluation.tables import write_json, write_text_atomic
    from longwriter_zero.jsonl import write_jsonl_atomic

    out = Path(output_dir)
    scored = [q for q in queries if q.index in answers]
    missing = [q.index for q in queries if q.index not in answers]
    if not scored:
        raise UserError("no query has an answer: do the answer 'index' values match the queries'?")
    jobs = [(q, c) for q in scored for c in q.criteria]
    replies = ask_judge(client, [critic_messages(q, c, answers[q.index]) for q, c in jobs], "critic", sampling or {})
    results = []
    for (q, c), reply in zip(jobs, replies):
        parsed = parse_score(reply)
        results.append({"index": q.index, "domain1": q.domain1, "domain2": q.domain2, "criterion": c.name,
                        "subsets": c.subsets, "score": parsed.score if parsed.failure is None else None,
                        "reason": parsed.reason, "failure": parsed.failure,
                        "raw": reply if parsed.failure else None})
    summary = summarize(results, missing)
    write_jsonl_atomic(out / "critic_scores.jsonl", results)
    write_json(out / "critic_summary.json", summary.to_dict())
    write_text_atomic(out / "critic_summary.md", summary_markdown(summary))
    return summary


def format_summary(summary: CriticSummary) -> str:
    return json.dumps({"overall": summary.overall, "per_domain": summary.per_domain,
                       "per_subset": summary.per_subset, "failures": summary.failures}, ensure_ascii=False)
