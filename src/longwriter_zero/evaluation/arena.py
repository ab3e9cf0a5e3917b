"""Arena-Write-style pairwise judging and a Bradley-Terry leaderboard.

Every pair of systems is compared on every prompt that all systems answered, twice: once with
the first system shown as "A", once with the order swapped. The judge replies with JSON
``{"winner": "A" | "B" | "tie"}`` (prompt wording is this project's own). A battle's outcome for
the first system is the mean of its two verdict scores (win 1, tie 0.5, loss 0), so a judge
that always prefers position A yields 0.5, and position bias cancels.

Failures (reply blank: ``empty``; no JSON/verdict found: ``no_json``; a winner other than
A/B/tie: ``bad_value``) are counted and reported; a battle counts only when both of its
verdicts were read, so one unreadable order cannot bring position bias back. Ratings:
``bradley_terry.fit_ratings`` (Elo scale, the baseline at 1000, bootstrap 95% intervals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from longwriter_zero.errors import UserError
from longwriter_zero.evaluation.bradley_terry import Battles, Ratings, fit_ratings
from longwriter_zero.evaluation.judging import ask_judge
from longwriter_zero.jsonl import iter_jsonl

FAILURE_KINDS = ("empty", "no_json", "bad_value")
VERDICT_SCORE = {"A": 1.0, "tie": 0.5, "B": 0.0}   # score of the response shown as A

ARENA_SYSTEM = (
    "You are an impartial judge of long-form writing. You compare two responses to the same "
    "writing request and decide which one serves the request better. Reply with a single JSON "
    "object and nothing else."
)

ARENA_USER = """## Writing request
{prompt}

## Response A
{a}

## Response B
{b}

Judge which response better fulfils the request: its instructions and length requirements,
content quality, structure, and writing style. Ignore the order in which they are shown and do
not favour length for its own sake. Reply exactly as JSON: {{"winner": "A"}}, {{"winner": "B"}}
or {{"winner": "tie"}}."""


@dataclass
class Game:
    """One judged comparison: ``first`` shown as A, ``second`` as B."""
    prompt_id: str
    first: str
    second: str


def parse_system_specs(specs: list[str]) -> dict[str, str]:
    """``["name=path", ...]`` -> {name: path}, in the given order."""
    systems: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise UserError(f"--answers: expected NAME=FILE.jsonl, got {spec!r}")
        if name in systems:
            raise UserError(f"--answers: system {name!r} given twice")
        systems[name] = path
    if len(systems) < 2:
        raise UserError("--answers: need at least two systems")
    return systems


def load_system_answers(path: str | Path) -> dict[str, dict]:
    """id -> {"prompt": str | None, "response": str}."""
    rows: dict[str, dict] = {}
    for lineno, obj in iter_jsonl(path):
        where = f"{path}:{lineno}"
        key = obj.get("id", obj.get("index"))
        if key is None:
            raise UserError(f"{where}: answer row needs 'id' (or 'index')")
        if not isinstance(obj.get("response"), str):
            raise UserError(f"{where}: answer row needs a string 'response'")
        prompt = obj.get("prompt", obj.get("query"))
        rows[str(key)] = {"prompt": prompt if isinstance(prompt, str) else None, "response": obj["response"]}
    if not rows:
        raise UserError(f"{path}: no answers")
    return rows


def common_prompts(answers: dict[str, dict[str, dict]]) -> dict[str, str]:
    """id -> prompt text, for the ids every system answered (in the first system's order)."""
    names = list(answers)
    ids = [i for i in answers[names[0]] if all(i in answers[n] for n in names[1:])]
    if not ids:
        raise UserError("the answer files share no prompt id")
    prompts = {}
    for i in ids:
        text = next((answers[n][i]["prompt"] for n in names if answers[n][i]["prompt"]), None)
        if text is None:
            raise UserError(f"prompt id {i!r}: no answer file carries its 'prompt' text")
        prompts[i] = text
    return prompts


def schedule(systems: list[str], prompt_ids: list[str]) -> list[Game]:
    """Both orders of every pair on every prompt."""
    games = []
    for a, b in combinations(systems, 2):
        for pid in prompt_ids:
            games += [Game(pid, a, b), Game(pid, b, a)]
    return games


def arena_messages(prompt: str, response_a: str, response_b: str) -> list[dict]:
    user = ARENA_USER.format(prompt=prompt, a=response_a or "(empty response)", b=response_b or "(empty response)")
    return [{"role": "system", "content": ARENA_SYSTEM}, {"role": "user", "content": user}]


_VERDICT = re.compile(r"\bwinner\b\W{0,6}(A|B|tie)\b", re.IGNORECASE)


def parse_verdict(text: str | None) -> tuple[str | None, str | None]:
    """-> (winner in {"A", "B", "tie"} or None, failure kind or None)."""
    from longwriter_zero.judge.client import extract_json

    if text is None or not text.strip():
        return None, "empty"
    obj = extract_json(text)
    if isinstance(obj, dict) and "winner" in obj:
        value = str(obj["winner"]).strip().strip("[]\"'").lower()
        mapping = {"a": "A", "b": "B", "tie": "tie", "draw": "tie"}
        return (mapping[value], None) if value in mapping else (None, "bad_value")
    m = _VERDICT.search(text)
    if m:
        v = m.group(1)
        return ("tie" if v.lower() == "tie" else v.upper()), None
    return None, "no_json"


@dataclass
class ArenaResult:
    systems: list[str]
    baseline: str
    ratings: Ratings
    n_games: int
    failures: dict[str, int]           # kind -> count of unreadable verdicts
    battles_used: int
    battles_dropped: int               # battles with at least one unreadable verdict
    first_position_share: float        # share of points the position-A response took (0.5 = unbiased)


def battles_from_verdicts(games: list[Game], winners: list[str | None],
                          systems: list[str]) -> tuple[Battles, int]:
    """Pair up the two orders of each (prompt, pair) into one battle; returns (battles, dropped)."""
    index = {s: i for i, s in enumerate(systems)}
    halves: dict[tuple[str, str, str], list[float | None]] = {}
    for g, w in zip(games, winners):
        a, b = sorted((g.first, g.second), key=index.__getitem__)
        key = (g.prompt_id, a, b)
        score_first = VERDICT_SCORE[w] if w is not None else None
        # Score of the lower-indexed system ``a`` in this game.
        score_a = None if score_first is None else (score_first if g.first == a else 1.0 - score_first)
        halves.setdefault(key, []).append(score_a)
    first, second, outcome, dropped = [], [], [], 0
    for (_, a, b), scores in halves.items():
        if len(scores) != 2 or any(s is None for s in scores):
            dropped += 1
            continue
        first.append(index[a])
        second.append(index[b])
        outcome.append(sum(scores) / 2)
    return Battles(np.array(first, dtype=np.int64), np.array(second, dtype=np.int64),
                   np.array(outcome, dtype=float)), dropped


def judge_arena(answers: dict[str, dict[str, dict]], client, baseline: str, n_bootstrap: int = 1000,
                seed: int = 0, l2: float = 1e-3, sampling: dict | None = None) -> tuple[ArenaResult, list[dict]]:
    """Run (or resume from the client's cache) every game; fit the leaderboard."""
    systems = list(answers)
    if baseline not in systems:
        raise UserError(f"--baseline {baseline!r} is not one of the systems: {', '.join(systems)}")
    prompts = common_prompts(answers)
    games = schedule(systems, list(prompts))
    conversations = [arena_messages(prompts[g.prompt_id], answers[g.first][g.prompt_id]["response"],
                                    answers[g.second][g.prompt_id]["response"]) for g in games]
    replies = ask_judge(client, conversations, "arena", sampling or {})
    winners, failures, records = [], {k: 0 for k in FAILURE_KINDS}, []
    for g, reply in zip(games, replies):
        winner, failure = parse_verdict(reply)
        if failure:
            failures[failure] += 1
        winners.append(winner)
        records.append({"id": g.prompt_id, "first": g.first, "second": g.second, "winner": winner,
                        "failure": failure, "raw": reply if failure else None})
    battles, dropped = battles_from_verdicts(games, winners, systems)
    if len(battles) == 0:
        raise UserError(f"no usable battles: every game had an unreadable verdict ({failures})")
    read = [VERDICT_SCORE[w] for w in winners if w is not None]
    ratings = fit_ratings(battles, len(systems), baseline=systems.index(baseline), n_bootstrap=n_bootstrap,
                          l2=l2, seed=seed)
    result = ArenaResult(systems, baseline, ratings, len(games), failures, len(battles), dropped,
                         float(np.mean(read)) if read else float("nan"))
    return result, records


def leaderboard_rows(result: ArenaResult) -> list[dict]:
    r = result.ratings
    order = np.argsort(-r.rating, kind="stable")
    rows = []
    for rank, i in enumerate(order, 1):
        played = r.games[i].sum()
        score = np.nansum(np.nan_to_num(r.win_rate[i]) * r.games[i]) / played if played else float("nan")
        rows.append({"rank": rank, "system": result.systems[i], "rating": float(r.rating[i]),
                     "lower": float(r.lower[i]), "upper": float(r.upper[i]), "battles": int(played),
                     "score_share": float(score)})
    return rows


def _clean(x):
    return None if isinstance(x, float) and np.isnan(x) else x


def leaderboard_json(result: ArenaResult) -> dict:
    wr = result.ratings.win_rate
    return {"baseline": result.baseline, "leaderboard": leaderboard_rows(result),
            "win_rate": {a: {b: _clean(float(wr[i, j])) for j, b in enumerate(result.systems) if i != j}
                         for i, a in enumerate(result.systems)},
            "games": result.n_games, "battles_used": result.battles_used, "battles_dropped": result.battles_dropped,
            "failures": result.failures, "first_position_share": _clean(result.first_position_share)}


def leaderboard_markdown(result: ArenaResult) -> str:
    from longwriter_zero.evaluation.tables import markdown_table

    rows = leaderboard_rows(result)
    board = markdown_table(["rank", "system", "rating", "95% CI", "battles", "score share"],
                           [[r["rank"], r["system"], f"{r['rating']:.0f}", f"{r['lower']:.0f} – {r['upper']:.0f}",
                             r["battles"], r["score_share"]] for r in rows])
    names = result.systems
    wr = result.ratings.win_rate
    matrix = markdown_table(["row vs column"] + names,
                            [[a] + [("–" if i == j or np.isnan(wr[i, j]) else f"{wr[i, j]:.2f}")
                                    for j in range(len(names))] for i, a in enumerate(names)])
    return "\n".join([
        "## Arena leaderboard", "",
        f"Bradley-Terry ratings (Elo scale, `{result.baseline}` = 1000), 95% bootstrap intervals. "
        f"{result.n_games} judged games; {result.battles_used} battles used, {result.battles_dropped} dropped "
        f"for unreadable verdicts; failures: " + ", ".join(f"{k} {v}" for k, v in result.failures.items()) + ". "
        f"Share of points taken by the response shown first: {result.first_position_share:.2f}.", "",
        board, "", "### Win rate (score share of the row system against the column system)", "", matrix, ""])


def plot_leaderboard(result: ArenaResult, path: str | Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = leaderboard_rows(result)[::-1]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.5 * len(rows) + 2.5))
    y = np.arange(len(rows))
    ratings = np.array([r["rating"] for r in rows])
    err = np.array([[r["rating"] - r["lower"] for r in rows], [r["upper"] - r["rating"] for r in rows]])
    ax1.errorbar(ratings, y, xerr=err, fmt="o", capsize=4)
    ax1.axvline(1000, color="grey", lw=0.8, ls="--")
    ax1.set_yticks(y, [r["system"] for r in rows])
    ax1.set_xlabel(f"rating ({result.baseline} = 1000), 95% CI")
    ax1.set_title("Bradley-Terry ratings")
    names = result.systems
    im = ax2.imshow(result.ratings.win_rate, vmin=0, vmax=1, cmap="RdBu")
    ax2.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax2.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            v = result.ratings.win_rate[i, j]
            if i != j and not np.isnan(v):
                ax2.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
    ax2.set_title("win rate (row vs column)")
    fig.colorbar(im, ax=ax2)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
